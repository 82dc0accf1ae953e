# The maintenance worker and streaming replication (SPEC §5): nothing runs on
# a hot standby (its jobs' effects arrive only by replication, its log stays
# clean), and the launcher starts when the standby is promoted.
use strict;
use warnings;
use Time::HiRes ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Polls $query on $node until it returns 't', for at most $limit seconds.
sub poll_within {
	my ($node, $query, $limit) = @_;
	my $start = Time::HiRes::time();
	while (Time::HiRes::time() - $start < $limit) {
		my ($ret, $out) = $node->psql('postgres', $query);
		return Time::HiRes::time() - $start if $ret == 0 && $out eq 't';
		Time::HiRes::sleep(0.1);
	}
	diag($node->name . ": not true after $limit s: $query");
	return undef;
}

my $launchers = q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf launcher'};
my $ours = q{SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'hastecrm_perf%'};
my $log_rows = 'SELECT count(*) FROM hastecrm_perf.job_log';
# job_log names its targets schema-qualified.
my $refresh_rows = q{SELECT count(*) FROM hastecrm_perf.job_log WHERE target = 'public.totals' AND status = 'ok'};

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = 'postgres'
});
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
	SELECT hastecrm_perf.manage_partitions('events', 'monthly', premake => 1);
	CREATE TABLE deals (id int PRIMARY KEY, amount int NOT NULL);
	INSERT INTO deals SELECT g, 10 FROM generate_series(1, 10) g;
	CREATE MATERIALIZED VIEW totals AS SELECT sum(amount) AS total FROM deals;
	SELECT hastecrm_perf.schedule_refresh('totals', '1 second', skip_unchanged => false);
});
is($primary->safe_psql('postgres', $launchers), '1', 'the primary runs a launcher');
ok(defined poll_within($primary, "SELECT ($refresh_rows) >= 2", 15), 'the worker refreshes on the primary');
ok(defined poll_within($primary, q{SELECT last_status = 'ok' FROM hastecrm_perf.partition_config}, 15),
	'and checks the partitions');

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is($standby->safe_psql('postgres', q{SHOW hastecrm_perf.worker_databases}), 'postgres',
	'the standby has the same worker settings');

# With replay paused, the standby's job_log can only grow by itself.
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
ok(defined poll_within($standby, q{SELECT pg_get_wal_replay_pause_state() = 'paused'}, 10), 'replay paused');
my $standby_rows = $standby->safe_psql('postgres', $log_rows);
my $standby_check = $standby->safe_psql('postgres', 'SELECT last_run FROM hastecrm_perf.partition_config');
my $primary_rows = $primary->safe_psql('postgres', $refresh_rows);
ok(defined poll_within($primary, "SELECT ($refresh_rows) >= $primary_rows + 3", 15), 'three cycles on the primary');
is($standby->safe_psql('postgres', $log_rows), $standby_rows, 'no job runs on the standby');
is($standby->safe_psql('postgres', 'SELECT last_run FROM hastecrm_perf.partition_config'), $standby_check,
	'no partition check either');
is($standby->safe_psql('postgres', $ours), '0', 'no launcher and no worker on the standby');

$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
$primary_rows = $primary->safe_psql('postgres', $log_rows);
$primary->wait_for_catchup($standby);
cmp_ok($standby->safe_psql('postgres', $log_rows), '>=', $primary_rows, 'the job_log rows arrive by replication');
cmp_ok($primary_rows, '>', $standby_rows, 'rows the primary wrote meanwhile');
is($standby->safe_psql('postgres', $ours), '0', 'still no launcher on the standby');
my $log = slurp_file($standby->logfile);
unlike($log, qr/ERROR|FATAL|PANIC|terminated by signal/, 'nothing fails in the standby log');
# (log_statement = all: statements of this script name hastecrm_perf too.)
unlike($log, qr/\] (?:LOG|WARNING|ERROR|FATAL):  hastecrm_perf/, 'the standby log has nothing of the worker');

# Promotion starts the launcher, and the jobs run on the new primary.
$primary->stop('fast');
my $before = $standby->safe_psql('postgres', $refresh_rows);
$standby->promote;
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 'f', 'the standby is promoted');
my $promoted_at = $standby->safe_psql('postgres', 'SELECT now()');
ok(defined poll_within($standby, "SELECT ($launchers) = 1", 15), 'the launcher starts on the promoted node');
ok(defined poll_within($standby, "SELECT ($refresh_rows) > $before", 15), 'refreshes run there');
ok(defined poll_within($standby, qq{SELECT count(*) >= 2 FROM hastecrm_perf.job_log
	WHERE target = 'public.totals' AND started_at > '$promoted_at'}, 15), 'and keep running');
ok(defined poll_within($standby, qq{SELECT last_run > '$promoted_at' AND last_status = 'ok'
	FROM hastecrm_perf.partition_config}, 15), 'partitions are checked there');
$standby->safe_psql('postgres', 'UPDATE deals SET amount = 20 WHERE id = 1');
ok(defined poll_within($standby, 'SELECT total = 110 FROM totals', 15), 'the view follows the new primary');

$standby->stop('fast');
$log = slurp_file($standby->logfile);
my @started = $log =~ /hastecrm_perf launcher started/g;
is(scalar @started, 1, 'the launcher started once, at promotion');
unlike($log, qr/ERROR|PANIC|terminated by signal|was terminated/, 'no error and no crash on the promoted node');

done_testing();
