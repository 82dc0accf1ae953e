# History on a live server (SPEC §8): the worker takes a snapshot every 10 s.
# Two windows with different workloads each get their own percentiles; a
# query_latency_reset(), a restart and a crash between snapshots give neither a
# negative nor a doubled delta; a 3-second lock wait is one episode with the
# right root and a 200 ms wait none; hourly rollups merge exactly; the size
# cap drops the oldest partition; pg_dump keeps the history;
# a standby writes nothing and reads the primary's history.
use strict;
use warnings;
use Time::HiRes ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('history');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = 'postgres'
hastecrm_perf.history_interval = 10
hastecrm_perf.history_days = 36500
hastecrm_perf.history_max_mb = 3
restart_after_crash = on
});
$node->start;

sub sql { return $node->safe_psql('postgres', $_[0]); }

# Waits for the next snapshot after the one at $after; returns its time.
sub next_snapshot {
	my ($after) = @_;
	my $start = Time::HiRes::time();
	while (Time::HiRes::time() - $start < 30) {
		my $at = sql(q{SELECT coalesce(last_snapshot::text, '') FROM hastecrm_perf.history_state});
		return $at if $at ne '' && $at ne ($after // '');
		Time::HiRes::sleep(0.2);
	}
	die "no snapshot after " . ($after // 'none');
}

sub window_row {
	my ($from, $to, $columns) = @_;
	return sql(qq{SELECT $columns FROM hastecrm_perf.query_latency_between(tstzrange('$from', '$to', '(]'))
	              WHERE query = 'SELECT pg_sleep(\$1)'});
}

sql(q{CREATE EXTENSION hastecrm_perf; CREATE TABLE locked (id int); CREATE TABLE holder (pid int)});
my $s0 = next_snapshot(undef);

# Window 1: 30 calls of 2 ms. Window 2: 10 calls of 50 ms.
sql(q{SELECT pg_sleep(0.002)}) for 1 .. 30;
my $s1 = next_snapshot($s0);
sql(q{SELECT pg_sleep(0.05)}) for 1 .. 10;
my $s2 = next_snapshot($s1);

my ($calls1, $p50_1, $p95_1) = split /\|/, window_row($s0, $s1, 'calls, p50_ms, p95_ms');
is($calls1, 30, 'window 1 has its 30 calls');
ok($p50_1 >= 1.8 && $p50_1 < 10 && $p95_1 < 40, "window 1 p50 and p95 are its own 2 ms ($p50_1, $p95_1)");
my ($calls2, $p50_2) = split /\|/, window_row($s1, $s2, 'calls, p50_ms');
is($calls2, 10, 'window 2 has its 10 calls');
ok($p50_2 >= 45 && $p50_2 < 60, "window 2 p50 is its own 50 ms ($p50_2)");
my $lifetime_p50 = sql(q{SELECT p50_ms FROM hastecrm_perf.query_latency WHERE query = 'SELECT pg_sleep($1)'});
ok($lifetime_p50 < 10, "while the lifetime p50 is the fast one ($lifetime_p50)");
is(window_row($s0, $s2, 'calls'), 40, 'both windows merge to 40 calls');

# Window 3: 7 calls, a reset, 5 calls: the reset loses the 7 (they were never
# snapshotted), and the 5 count once. Lock waits of 3 s and 200 ms.
sql(q{SELECT pg_sleep(0.001)}) for 1 .. 7;
sql(q{SELECT hastecrm_perf.query_latency_reset()});
sql(q{SELECT pg_sleep(0.001)}) for 1 .. 5;

my $holder = $node->background_psql('postgres');
$holder->query_safe(q{INSERT INTO holder SELECT pg_backend_pid()});
$holder->query_safe(q{BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE});
$holder->query_until(qr/sleeping/, "\\echo sleeping\nSELECT 1 FROM pg_sleep(3); COMMIT;\n");
# The waiter stays connected (as a pooled application session would): its
# statement had no query id while it waited in parse analysis, and gets the
# one it had once the wait was over.
my $waiter = $node->background_psql('postgres');
my $waited = Time::HiRes::time();
$waiter->query_safe(q{SELECT count(*) FROM locked});
$waited = Time::HiRes::time() - $waited;
Time::HiRes::sleep(1.5);
$waiter->quit;
$holder->query_safe(q{BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE});
$holder->query_until(qr/short/, "\\echo short\nSELECT 1 FROM pg_sleep(0.2); COMMIT;\n");
sql(q{SELECT count(*) FROM locked});
$holder->quit;
ok($waited >= 2.5, sprintf('the long wait took %.1f s', $waited));

my $s3 = next_snapshot($s2);
$s3 = next_snapshot($s3) if sql(q{SELECT count(*) FROM hastecrm_perf.lock_episodes}) eq '0';
is(window_row($s2, $s3, 'calls'), 5, 'a reset between snapshots: the 5 calls after it, once');
is(sql(q{SELECT count(*) FROM hastecrm_perf.lock_episodes}), 1, 'the 3 s wait is one episode, the 200 ms wait none');
is(sql(q{SELECT root_pid = (SELECT pid FROM holder) AND relation_name = 'public.locked' AND lock_mode = 'AccessShareLock'
         AND duration_ms BETWEEN 1000 AND 3500 AND root_query = 'SELECT $1 FROM pg_sleep($2)'
         AND waiter_query = 'SELECT count(*) FROM locked'
         FROM hastecrm_perf.lock_episodes}), 't', 'with the holder as root, the relation, the mode and both texts')
  or diag(sql(q{SELECT e::text FROM hastecrm_perf.lock_episodes e}));

# A restart: the baseline goes with shared memory; 3 calls after it count once.
# Two old partitions of ~2 MB each with the 3 MB cap: the oldest goes.
sql(q{CREATE TABLE hastecrm_perf.statement_history_p20200101 PARTITION OF hastecrm_perf.statement_history
        FOR VALUES FROM ('2020-01-01 00:00+00') TO ('2020-01-02 00:00+00');
      CREATE TABLE hastecrm_perf.statement_history_p20200102 PARTITION OF hastecrm_perf.statement_history
        FOR VALUES FROM ('2020-01-02 00:00+00') TO ('2020-01-03 00:00+00');
      INSERT INTO hastecrm_perf.statement_history
      SELECT d + interval '1 hour', d, 10, 5, g, 1, 0, 1, 1, NULL, decode(repeat('01', 300), 'hex')
      FROM (VALUES ('2020-01-01 00:00+00'::timestamptz), ('2020-01-02 00:00+00')) v(d),
           generate_series(1, 5000) g});
# Hourly rollups: two snapshots of one statement in the hour before this one;
# the next snapshot merges them (counts added, histograms bucket by bucket).
sql(q{DO $$
DECLARE
  h timestamptz := date_trunc('hour', now(), 'UTC') - interval '1 hour';
  d timestamptz := date_trunc('day', h, 'UTC');
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['statement_history', 'statement_history_hourly'] LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS hastecrm_perf.%I PARTITION OF hastecrm_perf.%I FOR VALUES FROM (%L) TO (%L)',
                   t || '_p' || to_char(d AT TIME ZONE 'UTC', 'YYYYMMDD'), t, d, d + interval '1 day');
  END LOOP;
  INSERT INTO hastecrm_perf.statement_history VALUES
    (h + interval '10 min', h + interval '5 min', 10, 5, 424242, 3, 0, 3, 3.0, 1.0, '\x013f03'),
    (h + interval '20 min', h + interval '10 min', 10, 5, 424242, 2, 1, 2, 100.0, 50.0, '\x016c02');
  DELETE FROM hastecrm_perf.statement_history_hourly WHERE hour = h;
  UPDATE hastecrm_perf.history_state SET rolled_up_to = h;
END $$});
$node->restart;
sql(q{SELECT pg_sleep(0.001)}) for 1 .. 3;
my $s4 = next_snapshot($s3);
is(sql(q{SELECT snapshots || ' ' || calls || ' ' || errors || ' ' || total_ms || ' ' || max_ms || ' ' ||
                (SELECT string_agg(lower_ms || ':' || calls, ',') FROM hastecrm_perf.histogram_buckets(histogram))
         FROM hastecrm_perf.statement_history_hourly WHERE queryid = 424242}),
	'2 5 1 103 50 0.96:3,49.152:2', 'the hour before is rolled up exactly');
is(window_row($s3, $s4, 'calls'), 3, 'a restart between snapshots: the 3 calls after it, once');

# A crash (a backend killed): shared memory is made again, the latency table
# and the baseline with it; the 2 calls before it are lost, the 4 after count once.
sql(q{SELECT pg_sleep(0.001)}) for 1 .. 2;
my $victim = $node->background_psql('postgres');
my $victim_pid = $victim->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $victim_pid;
eval { $victim->quit };
my $up = Time::HiRes::time();
until ($node->psql('postgres', 'SELECT 1') == 0) {
	die 'the server did not come back after the crash' if Time::HiRes::time() - $up > 30;
	Time::HiRes::sleep(0.2);
}
sql(q{SELECT pg_sleep(0.001)}) for 1 .. 4;
my $s5 = next_snapshot($s4);
is(window_row($s4, $s5, 'calls'), 4, 'a crash between snapshots: the 4 calls after it, once');
is(sql(q{SELECT count(*) FROM hastecrm_perf.statement_history WHERE calls < 0 OR errors < 0 OR rows < 0 OR total_ms < 0}),
	0, 'no delta is ever negative');
is(sql(q{SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class
         WHERE relname IN ('statement_history_p20200101', 'statement_history_p20200102')}),
	'statement_history_p20200102', 'the cap dropped the oldest partition only');
is(sql(q{SELECT count(*) FROM hastecrm_perf.job_log WHERE kind = 'snapshot'
         AND detail LIKE '%, 1 dropped for history_max_mb'}), 1, 'and job_log says so, once');
is(sql(q{SELECT count(*) FROM hastecrm_perf.jobs WHERE kind = 'snapshot' AND last_status = 'ok'}), 1,
	'the snapshot job shows in the jobs view');

# pg_dump keeps the history (its partitions are not extension members) and
# the texts with it; the restore runs without an error.
my $dump = PostgreSQL::Test::Utils::tempdir() . '/history.sql';
$node->command_ok(['pg_dump', '-d', $node->connstr('postgres'), '-f', $dump], 'pg_dump of a database with history');
sql('CREATE DATABASE restored');
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump],
	'its restore has no error');
my $history_rows = q{SELECT count(*) || ' ' || count(*) FILTER (WHERE t.query IS NOT NULL)
  FROM hastecrm_perf.statement_history h
  LEFT JOIN hastecrm_perf.statement_text t USING (userid, dbid, queryid)};
is($node->safe_psql('restored', $history_rows), sql($history_rows), 'with every snapshot row and its text');
sql('DROP DATABASE restored');

# A standby: reads the primary's history, writes nothing.
$node->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('history_standby');
$standby->init_from_backup($node, 'backup', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
my $standby_window = $standby->safe_psql('postgres',
	qq{SELECT calls FROM hastecrm_perf.query_latency_between(tstzrange('$s0', '$s1', '(]'))
	   WHERE query = 'SELECT pg_sleep(\$1)'});
is($standby_window, 30, "the standby reads the primary's window");
my $before = $standby->safe_psql('postgres', q{SELECT last_snapshot FROM hastecrm_perf.history_state});
is($standby->safe_psql('postgres', q{SELECT count(*) FROM hastecrm_perf.run_maintenance() WHERE kind = 'snapshot'}),
	0, 'run_maintenance() on the standby takes no snapshot');
Time::HiRes::sleep(1.5);
is($standby->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'hastecrm_perf%'}),
	0, 'no worker on the standby');
$node->wait_for_catchup($standby);
ok(sql(q{SELECT count(*) > 0 FROM hastecrm_perf.database_history}), 'database counters are kept');
unlike(slurp_file($standby->logfile), qr/snapshot job/, 'the standby log has no snapshot job');

$standby->stop;
$node->stop;
done_testing();
