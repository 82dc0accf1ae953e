# More listed databases than free worker slots (SPEC §5): they take turns, so
# every one of them is maintained, and the shortage is logged once. A launcher
# restarted after an error still knows the workers its predecessor started:
# it starts no second one beside them and still stops them for DROP DATABASE.
use strict;
use warnings;
use Time::HiRes ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my @databases = map { "db$_" } 1 .. 8;
my $node = PostgreSQL::Test::Cluster->new('turns');
$node->init;
# Four slots: the launcher, the logical replication launcher and two left
# for eight databases.
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
max_worker_processes = 4
max_parallel_workers = 0
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = '@{[join(', ', @databases)]}'
});
$node->start;

sub sql { my ($db, $query) = @_; return $node->safe_psql($db, $query); }

sub poll_within {
	my ($db, $query, $limit) = @_;
	my $start = Time::HiRes::time();
	while (Time::HiRes::time() - $start < $limit) {
		my ($ret, $out) = $node->psql($db, $query);
		return Time::HiRes::time() - $start if $ret == 0 && $out eq 't';
		Time::HiRes::sleep(0.1);
	}
	diag("not true after $limit s in $db: $query");
	return undef;
}

sub count_matches {
	my ($regexp) = @_;
	my @all = slurp_file($node->logfile) =~ m/$regexp/g;
	return scalar @all;
}

sub newest_partition {
	my ($db) = @_;
	return sql($db, q{SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'events'::regclass ORDER BY c.relname DESC LIMIT 1});
}

sub has_partition_sql {
	my ($partition) = @_;
	return qq{SELECT EXISTS (SELECT FROM pg_inherits
		WHERE inhparent = 'events'::regclass AND inhrelid = to_regclass('public.$partition'))};
}

# Drops the newest partition in every database and returns the seconds until
# the workers have recreated all of them (undef if one never came back).
sub all_recreated {
	my ($limit) = @_;
	my %dropped;
	for my $db (@databases) {
		$dropped{$db} = newest_partition($db);
		sql($db, "BEGIN; ALTER TABLE events DETACH PARTITION $dropped{$db}; DROP TABLE $dropped{$db}; COMMIT;");
	}
	my $start = Time::HiRes::time();
	for my $db (@databases) {
		my $left = $limit - (Time::HiRes::time() - $start);
		return undef unless defined poll_within($db, has_partition_sql($dropped{$db}), $left > 0 ? $left : 0.1);
	}
	return Time::HiRes::time() - $start;
}

for my $db (@databases) {
	sql('postgres', "CREATE DATABASE $db");
	sql($db, q{
		CREATE EXTENSION hastecrm_perf;
		CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
		SELECT hastecrm_perf.manage_partitions('events', 'monthly', premake => 2);
	});
}

# ---- every database gets its turn ---------------------------------------
for my $round (1 .. 2) {
	my $took = all_recreated(20);
	ok(defined $took, "round $round: the workers recreate the dropped partition in all 8 databases");
	cmp_ok($took // 99, '<', 10, sprintf('within a few naptimes (%.1f s)', $took // 99));
}
is(count_matches(qr/fewer background worker slots are free than databases to maintain/), 1,
	'the shortage is logged once');
is(count_matches(qr/terminated by signal|was terminated|reinitializing/), 0, 'no process crashed');

# ---- a restarted launcher watches its predecessor's worker ---------------
sql('db1', q{
	CREATE FUNCTION slow_one() RETURNS int LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(40)';
	CREATE MATERIALIZED VIEW sleepy AS SELECT slow_one() AS x WITH NO DATA;
	SELECT hastecrm_perf.schedule_refresh('sleepy', '1 second');
});
my $busy = q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf worker' AND datname = 'db1'};
ok(defined poll_within('postgres', qq{SELECT EXISTS (SELECT FROM pg_stat_activity
	WHERE backend_type = 'hastecrm_perf worker' AND datname = 'db1' AND query LIKE '%sleepy%')}, 15),
	'a worker of db1 is in the middle of a long refresh');
my $launcher = sql('postgres', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf launcher'});
is(sql('postgres', "SELECT pg_terminate_backend($launcher)"), 't', 'the launcher is terminated (an error exit)');
ok(defined poll_within('postgres', qq{SELECT count(*) = 1 AND min(pid) <> $launcher FROM pg_stat_activity
	WHERE backend_type = 'hastecrm_perf launcher'}, 30), 'a new launcher comes back');
# Three cycles of the new launcher: every other database runs, db1 never
# gets a second worker beside the one still refreshing.
my $most = 0;
my $start = Time::HiRes::time();
while (Time::HiRes::time() - $start < 3) {
	my $n = sql('postgres', $busy);
	$most = $n if $n > $most;
	Time::HiRes::sleep(0.05);
}
is($most, 1, 'never two workers in db1');
my $offset = -s $node->logfile;
$start = Time::HiRes::time();
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE db1');
my $drop_time = Time::HiRes::time() - $start;
is($ret, 0, 'DROP DATABASE of db1 succeeds') or diag($err);
cmp_ok($drop_time, '<', 3, sprintf('promptly (%.1f s): the new launcher stopped the old worker', $drop_time));
ok($node->log_contains(qr/stopping the worker of database "db1"/, $offset), 'and said so');
@databases = grep { $_ ne 'db1' } @databases;
ok(defined all_recreated(20), 'the other databases are still maintained');

$node->stop('fast');
unlike(slurp_file($node->logfile), qr/PANIC|terminated by signal|was terminated/, 'no crash in the log');

done_testing();
