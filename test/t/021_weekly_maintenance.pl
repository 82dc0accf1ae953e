# The weekly maintenance with a live worker (SPEC §5): REINDEX CONCURRENTLY
# of a bloated index while pgbench reads and writes the table (no transaction
# waits longer than lock_timeout), a healthy index left alone, a window that
# keeps the job out, a rebuild cut by a fast shutdown whose invalid leftover
# goes on the next cycle, and ANALYZE of what is stale (and of a partitioned
# parent) but not of what is fresh.
use strict;
use warnings;
use Time::HiRes ();
use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $lock_timeout_ms = 1500;
my $node = PostgreSQL::Test::Cluster->new('weekly');
$node->init;
# No autovacuum: which table ANALYZE touched must be ours to tell.
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
autovacuum = off
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = 'postgres'
hastecrm_perf.lock_timeout = '${lock_timeout_ms}ms'
});
$node->start;

sub sql { my ($query) = @_; return $node->safe_psql('postgres', $query); }

sub poll_within {
	my ($query, $limit) = @_;
	my $start = Time::HiRes::time();
	while (Time::HiRes::time() - $start < $limit) {
		my ($ret, $out) = $node->psql('postgres', $query);
		return Time::HiRes::time() - $start if $ret == 0 && $out eq 't';
		Time::HiRes::sleep(0.1);
	}
	diag("not true after $limit s: $query");
	return undef;
}

sub reindex_rows {
	my ($target) = @_;
	return sql(qq{SELECT count(*) FROM hastecrm_perf.job_log
		WHERE kind = 'reindex' AND target = '$target' AND action = 'reindex concurrently'});
}

# A bloated table (70 % of its rows deleted, vacuumed: the index pages stay
# and are mostly empty) and a healthy one.
sql(q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE bloaty (id int PRIMARY KEY, v int NOT NULL);
	INSERT INTO bloaty SELECT g, g FROM generate_series(1, 300000) g;
	CREATE INDEX bloaty_v ON bloaty (v);
	DELETE FROM bloaty WHERE id % 10 < 7;
	VACUUM bloaty;
	CREATE TABLE healthy (id int PRIMARY KEY, v int NOT NULL);
	INSERT INTO healthy SELECT g, g FROM generate_series(1, 300000) g;
	VACUUM healthy;
});
my $bloated_before = sql(q{SELECT pg_relation_size('bloaty_v')});
my $healthy_oid = sql(q{SELECT 'healthy_pkey'::regclass::oid});
cmp_ok(sql(q{SELECT reclaimable_pct FROM hastecrm_perf.index_bloat_scan('bloaty_v')}), '>=', 50,
	'bloaty_v is measured as bloated');
cmp_ok(sql(q{SELECT reclaimable_pct FROM hastecrm_perf.index_bloat_scan('healthy_pkey')}), '<', 30,
	'healthy_pkey is not');

# ---- a window that excludes now keeps the job out -------------------------
my $away = sql(q{SELECT to_char(now() AT TIME ZONE 'UTC' + interval '6 hours', 'HH24:MI') || '-'
	|| to_char(now() AT TIME ZONE 'UTC' + interval '7 hours', 'HH24:MI')});
sql(qq{SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 30, min_bytes => 1000000, "window" => '$away')});
my $bloaty_oid = sql(q{SELECT 'bloaty_v'::regclass::oid});
Time::HiRes::sleep(4);  # four cycles
is(sql(q{SELECT count(*) FROM hastecrm_perf.job_log WHERE kind = 'reindex'}), '0',
	"outside its window ($away UTC) the job does not run");
is(sql(q{SELECT 'bloaty_v'::regclass::oid}), $bloaty_oid, 'bloaty_v was not rebuilt');
is(sql(q{SELECT last_run IS NULL FROM hastecrm_perf.jobs WHERE kind = 'reindex'}), 't', 'jobs shows it never ran');

# ---- the rebuild, under a pgbench workload --------------------------------
my $dir = PostgreSQL::Test::Utils::tempdir;
my $script = "$dir/workload.sql";
open my $fh, '>', $script or die;
print $fh "\\set id random(1, 300000)\n"
  . "SELECT count(*) FROM bloaty WHERE v = :id;\n"
  . "UPDATE bloaty SET v = v WHERE id = :id;\n"
  . "INSERT INTO bloaty VALUES (300000 + :id * 10 + :client_id, :id) ON CONFLICT DO NOTHING;\n";
close $fh;
my ($out, $err) = ('', '');
my $pgbench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '2', '-T', '25', '-f', $script, '-l', "--log-prefix=$dir/pgb",
	  '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$out, '2>', \$err);
Time::HiRes::sleep(2);  # the workload runs before, during and after
sql(q{SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 30, min_bytes => 1000000)});
ok(defined poll_within(q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log WHERE kind = 'reindex'
	AND target = 'public.bloaty_v' AND status = 'ok')}, 20), 'the worker rebuilds bloaty_v');
$pgbench->finish;
is($pgbench->result(0), 0, 'pgbench ran throughout without a failed transaction') or diag($err);
# The workload's inserts keep growing the table: the sizes at the rebuild
# are the ones job_log took, checked against the catalog.
my $detail = sql(q{SELECT detail FROM hastecrm_perf.job_log WHERE target = 'public.bloaty_v' AND status = 'ok'});
like($detail, qr/^\d+ bytes -> \d+ bytes \(measured bloat [\d.]+%\)$/, 'job_log has the bytes before and after');
my ($at_rebuild, $rebuilt) = $detail =~ /^(\d+) bytes -> (\d+) bytes/;
$at_rebuild //= 0;
$rebuilt //= 0;
cmp_ok($at_rebuild, '>=', $bloated_before, "before: at least the $bloated_before bytes seen before the workload");
cmp_ok($rebuilt, '<', 0.6 * $at_rebuild, "bloaty_v shrank: $at_rebuild -> $rebuilt bytes");
isnt(sql(q{SELECT 'bloaty_v'::regclass::oid}), $bloaty_oid, 'it is a new index');
is(sql(q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'bloaty_v'::regclass}), 't', 'and valid');
is(sql(q{SELECT 'healthy_pkey'::regclass::oid}), $healthy_oid, 'the healthy index is left alone');
is(reindex_rows('public.healthy_pkey'), '0', 'and not logged');
is(sql(q{SELECT last_status FROM hastecrm_perf.jobs WHERE kind = 'reindex'}), 'ok', 'jobs shows the run');
is(sql(q{SELECT count(*) FROM pg_index WHERE NOT indisvalid}), '0', 'no invalid index is left');

# Per-transaction latencies of pgbench -l: client, transaction, latency (us), ...
my ($transactions, $longest) = (0, 0);
for my $log (glob("$dir/pgb.*")) {
	for my $line (split /\n/, slurp_file($log)) {
		my @fields = split / /, $line;
		$transactions++;
		$longest = $fields[2] if $fields[2] > $longest;
	}
}
cmp_ok($transactions, '>', 100, "pgbench logged $transactions transactions");
cmp_ok($longest / 1000, '<', $lock_timeout_ms,
	sprintf('no transaction waited as long as lock_timeout (longest %.1f ms)', $longest / 1000));

# ---- a fast shutdown in the middle of a rebuild ---------------------------
# A writer's open transaction makes REINDEX CONCURRENTLY wait (after it made
# its new index) until it ends: the shutdown comes then.
sql(q{
	CREATE TABLE shaky (id int PRIMARY KEY, v int NOT NULL);
	INSERT INTO shaky SELECT g, g FROM generate_series(1, 300000) g;
	DELETE FROM shaky WHERE id % 10 < 7;
	VACUUM shaky;
	ALTER SYSTEM SET hastecrm_perf.lock_timeout = '60s';
	SELECT pg_reload_conf();
});
my $writer = $node->background_psql('postgres');
$writer->query_safe('BEGIN');
$writer->query_safe('UPDATE shaky SET v = v WHERE id = 9');
sql(q{SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 30, min_bytes => 1000000)});
ok(defined poll_within(q{SELECT EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf worker'
	AND query LIKE 'REINDEX INDEX CONCURRENTLY public.shaky_pkey' AND wait_event_type = 'Lock')}, 20),
	'the worker is in the middle of rebuilding shaky_pkey');
is(sql(q{SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	WHERE NOT i.indisvalid AND c.relname LIKE 'shaky_pkey_ccnew%'}), '1', 'its new index exists, not yet valid');
$node->stop('fast');
eval { $writer->quit };
$node->start;
ok(defined poll_within(q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log WHERE kind = 'reindex'
	AND action = 'drop invalid index' AND target LIKE 'public.shaky_pkey_ccnew%' AND status = 'ok')}, 20),
	'the next cycle drops the invalid index the shutdown left');
ok(defined poll_within(q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log
	WHERE target = 'public.shaky_pkey' AND status = 'ok')}, 20), 'and shaky_pkey is rebuilt then');
# The run may go on with another bloated index (its own _ccnew exists while
# it builds): at its end none is left.
ok(defined poll_within(q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log j WHERE j.kind = 'reindex'
	AND j.target = current_database() AND j.finished_at > (SELECT max(finished_at) FROM hastecrm_perf.job_log
	WHERE target = 'public.shaky_pkey' AND status = 'ok'))
	AND NOT EXISTS (SELECT FROM pg_index WHERE NOT indisvalid)}, 30), 'no invalid index is left after that run')
  or diag(sql(q{SELECT string_agg(id || ' ' || target || ' ' || action || ' ' || status || ' ' || coalesce(detail, ''), E'\n' ORDER BY id)
	FROM hastecrm_perf.job_log WHERE kind = 'reindex'}));

# ---- ANALYZE of what is stale --------------------------------------------
sql(q{
	CREATE TABLE fresh (id int PRIMARY KEY, v text);
	CREATE TABLE stale (id int PRIMARY KEY, v text);
	CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
	CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
	CREATE TABLE events_2021 PARTITION OF events FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
	INSERT INTO fresh SELECT g, 'x' FROM generate_series(1, 2000) g;
	INSERT INTO stale SELECT g, 'x' FROM generate_series(1, 2000) g;
	INSERT INTO events SELECT g, date '2020-01-01' + g % 700 FROM generate_series(1, 2000) g;
});
sql('SELECT pg_stat_force_next_flush()');
sql('ANALYZE fresh, stale');
sql(q{UPDATE stale SET v = 'y' WHERE id <= 1000; UPDATE fresh SET v = 'y' WHERE id <= 20});
sql('SELECT pg_stat_force_next_flush()');
is(sql(q{SELECT count(*) FROM pg_stats WHERE tablename = 'events' AND inherited}), '0',
	'the partitioned parent has no statistics yet');
sql(q{SELECT hastecrm_perf.schedule_analyze('1 hour')});
ok(defined poll_within(q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log WHERE kind = 'analyze' AND status = 'ok')}, 15),
	'the worker runs the analyze job');
is(sql(q{SELECT string_agg(relname || ' ' || analyze_count, ', ' ORDER BY relname) FROM pg_stat_user_tables
	WHERE relname IN ('fresh', 'stale')}), 'fresh 1, stale 2', 'the stale table is analyzed, the fresh one is not');
cmp_ok(sql(q{SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = 'events' AND inherited}),
	'>', 0, 'the partitioned parent has statistics (pg_stats rows of its own)');
is(sql(q{SELECT last_status || ' ' || (next_run > now() + interval '50 minutes') FROM hastecrm_perf.jobs
	WHERE kind = 'analyze'}), 'ok true', 'jobs shows the run and the next one in an hour');

$node->stop('fast');
unlike(slurp_file($node->logfile), qr/PANIC|terminated by signal|was terminated/, 'no crash in the log');

done_testing();
