# The maintenance worker on a live server (SPEC §5): one launcher, one
# short-lived worker per listed database and cycle. Partitions appear and
# retire by themselves, refreshes run and are skipped when nothing changed, a
# failing job backs off without stopping the others, SIGHUP changes the list,
# unusable databases are reported once, DROP EXTENSION / DROP DATABASE do not
# disturb it, the launcher's memory stays flat, and it survives SIGTERM and a
# fast shutdown.
use strict;
use warnings;
use Time::HiRes ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('worker');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = 'postgres, ghost, bare, doomed'
});
$node->start;

sub sql { my ($db, $query) = @_; return $node->safe_psql($db, $query); }

# Polls $query until it returns 't', for at most $limit seconds; returns the
# seconds it took, or undef.
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

sub launcher_pid {
	return sql('postgres',
		q{SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf launcher'});
}

sub max_log_id {
	my ($db, $where) = @_;
	$where //= 'true';
	return sql($db, "SELECT coalesce(max(id), 0) FROM hastecrm_perf.job_log WHERE $where");
}

# job_log and the jobs view name their targets schema-qualified.

# How many times the worker has run in database postgres: "who" below is
# refreshed on every run, and every refresh leaves an 'ok' row.
sub who_runs {
	return sql('postgres', q{SELECT count(*) FROM hastecrm_perf.job_log WHERE target = 'public.who' AND status = 'ok'});
}

# Waits until the worker of database postgres has run $n more times.
sub wait_runs {
	my ($n, $limit) = @_;
	my $from = who_runs();
	return poll_within('postgres', "SELECT count(*) >= $from + $n FROM hastecrm_perf.job_log "
		  . q{WHERE target = 'public.who' AND status = 'ok'}, $limit // 30);
}

sub count_matches {
	my ($regexp, $offset) = @_;
	my $log = slurp_file($node->logfile, $offset // 0);
	my @all = $log =~ m/$regexp/g;
	return scalar @all;
}

sub rss_anon_kb {
	my ($pid) = @_;
	my $status = slurp_file("/proc/$pid/status");
	$status =~ m/^RssAnon:\s+(\d+) kB/m or die "no RssAnon in /proc/$pid/status";
	return $1;
}

sub newest_partition {
	my ($db, $parent) = @_;
	return sql($db, qq{SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = '$parent'::regclass ORDER BY c.relname DESC LIMIT 1});
}

sub drop_partition {
	my ($db, $parent, $partition) = @_;
	sql($db, "BEGIN; ALTER TABLE $parent DETACH PARTITION $partition; DROP TABLE $partition; COMMIT;");
}

sub is_partition_sql {
	my ($parent, $partition) = @_;
	return qq{SELECT EXISTS (SELECT FROM pg_inherits
		WHERE inhparent = '$parent'::regclass AND inhrelid = to_regclass('public.$partition'))};
}

# Databases: postgres (listed, with the extension), bare (listed, without),
# doomed (listed, dropped at the end), ghost (listed, never created) and sales
# (added to the list later).
sql('postgres', 'CREATE DATABASE bare');
sql('postgres', 'CREATE DATABASE doomed');

# "broken" is made first: its lower OID makes it run before deal_totals in
# each cycle, so its failure would show on the jobs after it.
sql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE knobs (d int NOT NULL);
	INSERT INTO knobs VALUES (0);
	CREATE MATERIALIZED VIEW broken AS SELECT 1 / d AS boom FROM knobs WITH NO DATA;
	CREATE TABLE deals (id int PRIMARY KEY, amount int NOT NULL);
	INSERT INTO deals SELECT g, 10 FROM generate_series(1, 100) g;
	CREATE MATERIALIZED VIEW deal_totals AS SELECT count(*) AS n, sum(amount) AS total FROM deals;
	CREATE MATERIALIZED VIEW who AS SELECT pg_backend_pid() AS pid;
	CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
	CREATE TABLE archive (at date NOT NULL, v int) PARTITION BY RANGE (at);
});
# who is refreshed on every run of the worker: pg_backend_pid() is not
# immutable, so its base tables cannot tell whether it changed.
sql('postgres', q{SELECT hastecrm_perf.schedule_refresh('who', '1 millisecond')});

# ---- one launcher -------------------------------------------------------
ok(poll_within('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf launcher'}, 10),
	'one launcher runs');
my $launcher = launcher_pid();
like($launcher, qr/^\d+$/, 'the launcher has one pid');
is(sql('postgres', qq{SELECT datname IS NULL FROM pg_stat_activity WHERE pid = $launcher}), 't',
	'the launcher holds no database open');
ok(defined wait_runs(2, 15), 'the worker runs in a listed database');

# ---- partitions appear by themselves -------------------------------------
is(sql('postgres', q{SELECT hastecrm_perf.manage_partitions('events', 'monthly', premake => 2)}), '3',
	'manage_partitions creates the current month and two ahead');
my $newest = newest_partition('postgres', 'events');
my $newest_bound = sql('postgres', "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = '$newest'");
my $mark = max_log_id('postgres');
drop_partition('postgres', 'events', $newest);
is(sql('postgres', is_partition_sql('events', $newest)), 'f', "$newest is gone");
my $took = poll_within('postgres', is_partition_sql('events', $newest), 10);
ok(defined $took, "the worker recreates $newest by itself");
is(sql('postgres', "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = '$newest'"),
	$newest_bound, 'with the same bounds');
is(sql('postgres', qq{SELECT count(*) FROM hastecrm_perf.job_log WHERE id > $mark AND kind = 'partitions'
	AND target = 'public.events' AND status = 'ok' AND action = 'create 1' AND detail = 'created $newest'}),
	'1', 'job_log has an ok row for the new partition');

# ---- retention -----------------------------------------------------------
is(sql('postgres', q{SELECT hastecrm_perf.manage_partitions('archive', 'monthly', premake => 1,
	retention => '1 year', retention_action => 'detach')}), '2', 'archive managed with retention');
$mark = max_log_id('postgres');
sql('postgres', q{
	CREATE TABLE archive_2020_01 (LIKE archive);
	ALTER TABLE archive ATTACH PARTITION archive_2020_01 FOR VALUES FROM ('2020-01-01') TO ('2020-02-01');
});
ok(defined poll_within('postgres', q{SELECT NOT EXISTS (SELECT FROM pg_inherits
	WHERE inhrelid = 'archive_2020_01'::regclass)}, 10), 'the worker detaches an expired partition');
is(sql('postgres', q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'archive'::regclass}), '2',
	'the current partitions stay');
is(sql('postgres', q{SELECT to_regclass('archive_2020_01') IS NOT NULL}), 't', 'detach keeps the table');
is(sql('postgres', qq{SELECT status || ' / ' || action || ' / ' || detail FROM hastecrm_perf.job_log
	WHERE id > $mark AND target = 'public.archive'}), 'ok / create 0, detach 1 / detached archive_2020_01',
	'job_log records the detach');

# ---- refreshes, skipped when nothing changed -----------------------------
sql('postgres', q{SELECT hastecrm_perf.schedule_refresh('deal_totals', '1 second')});
ok(defined poll_within('postgres', q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log
	WHERE target = 'public.deal_totals' AND status = 'ok' AND action = 'refresh')}, 10), 'the worker refreshes a view');
# The statistics of the INSERT above may reach the counters after the first
# refresh read them: that makes one more refresh, then skips.
ok(defined poll_within('postgres', q{SELECT count(*) >= 2 FROM hastecrm_perf.job_log WHERE target = 'public.deal_totals'
	AND status = 'skipped' AND id > (SELECT max(id) FROM hastecrm_perf.job_log
	WHERE target = 'public.deal_totals' AND status = 'ok')}, 15), 'then skips it');
$mark = max_log_id('postgres', q{target = 'public.deal_totals'});
ok(defined poll_within('postgres', qq{SELECT count(*) >= 3 FROM hastecrm_perf.job_log
	WHERE target = 'public.deal_totals' AND id > $mark}, 15), 'three more runs');
is(sql('postgres', qq{SELECT string_agg(DISTINCT status || ' ' || action || ' ' || detail, '; ')
	FROM hastecrm_perf.job_log WHERE target = 'public.deal_totals' AND id > $mark}),
	'skipped skip no base table changed since the last refresh', 'nothing changed: every run skips');
is(sql('postgres', 'SELECT total FROM deal_totals'), '1000', 'the view has the old data');

$mark = max_log_id('postgres', q{target = 'public.deal_totals'});
sql('postgres', 'UPDATE deals SET amount = 110 WHERE id = 1');
ok(defined poll_within('postgres', qq{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log
	WHERE target = 'public.deal_totals' AND id > $mark AND status = 'ok')}, 10), 'a change in a base table: refreshed again');
is(sql('postgres', 'SELECT total FROM deal_totals'), '1100', 'the view shows the new data');

# ---- a failing job backs off and stops nothing ---------------------------
$mark = max_log_id('postgres');
sql('postgres', q{SELECT hastecrm_perf.schedule_refresh('broken', '8 seconds')});
ok(defined poll_within('postgres', q{SELECT consecutive_failures >= 3 FROM hastecrm_perf.jobs
	WHERE target = 'public.broken'}, 20), 'the failing view fails again and again');
my ($failures, $delay, $last_status, $last_error) = split /\|/, sql('postgres', q{
	SELECT consecutive_failures, extract(epoch FROM next_run - last_run), last_status, last_error
	FROM hastecrm_perf.jobs WHERE target = 'public.broken'});
is($last_status, 'error', 'its last status is error');
is($last_error, 'division by zero', 'with the error message');
# Retry delays double from naptime (1 s) up to the view's interval (8 s), with
# 10 % jitter: after 3 failures the next try is 4 s away, after 4 it is 8 s.
my $expected_delay = 2**($failures - 1) > 8 ? 8 : 2**($failures - 1);
cmp_ok($delay, '>=', 0.9 * $expected_delay, "after $failures failures the retry waits ~$expected_delay s (backoff)");
cmp_ok($delay, '<=', 1.1 * $expected_delay + 1, 'and not much longer');
my $first_error = sql('postgres', qq{SELECT min(id) FROM hastecrm_perf.job_log
	WHERE target = 'public.broken' AND id > $mark AND status = 'error'});
like($first_error, qr/^\d+$/, 'job_log has its error rows');
$first_error = 0 unless $first_error =~ /^\d+$/;
is(sql('postgres', qq{SELECT count(*) FILTER (WHERE status = 'error' AND detail = 'division by zero')
	= count(*) FROM hastecrm_perf.job_log WHERE target = 'public.broken' AND id > $mark}), 't',
	'every row of the failing view is an error');
ok($node->log_contains(qr/LOG:  hastecrm_perf: refresh job of public.broken ended with error: division by zero/),
	'the failure is logged');

# Meanwhile the other jobs go on, before and after it in each cycle.
ok(defined poll_within('postgres', qq{SELECT count(*) >= 3 FROM hastecrm_perf.job_log
	WHERE target = 'public.deal_totals' AND status = 'skipped' AND id > $first_error}, 10),
	'the good view keeps being checked');
$mark = max_log_id('postgres', q{target = 'public.deal_totals'});
sql('postgres', 'UPDATE deals SET amount = 10 WHERE id = 1');
ok(defined poll_within('postgres', q{SELECT total = 1000 FROM deal_totals}, 10), 'and refreshed');
$newest = newest_partition('postgres', 'events');
drop_partition('postgres', 'events', $newest);
ok(defined poll_within('postgres', is_partition_sql('events', $newest), 10), 'partitions keep being maintained');
is(sql('postgres', q{SELECT count(*) FILTER (WHERE last_status IN ('ok', 'skipped') AND consecutive_failures = 0)
	|| ' of ' || count(*) FROM hastecrm_perf.jobs WHERE target <> 'public.broken' AND kind <> 'snapshot'}), '4 of 4',
	'every other job is fine');
cmp_ok(sql('postgres', q{SELECT consecutive_failures FROM hastecrm_perf.jobs WHERE target = 'public.broken'}),
	'>=', $failures, 'the failures keep counting');

# ---- per-database workers come and go ------------------------------------
my @pids = (sql('postgres', 'SELECT pid FROM who'));
for (1 .. 3) {
	ok(defined poll_within('postgres', "SELECT pid <> $pids[-1] FROM who", 10), 'the next run is a new worker');
	push @pids, sql('postgres', 'SELECT pid FROM who');
}
my $listed = join(',', @pids[0 .. 2]);
is(sql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid IN ($listed)"), '0',
	'the workers of earlier cycles have exited');
ok(!(grep { $_ == $launcher } @pids), 'jobs do not run in the launcher');

# ---- SIGHUP adds and removes a database ----------------------------------
sql('postgres', 'CREATE DATABASE sales');
sql('sales', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE leads (id int);
	CREATE MATERIALIZED VIEW lead_count AS SELECT count(*) FROM leads;
	SELECT hastecrm_perf.schedule_refresh('lead_count', '1 second', skip_unchanged => false);
});
ok(defined wait_runs(3, 15), 'three cycles pass');
is(sql('sales', 'SELECT count(*) FROM hastecrm_perf.job_log'), '0', 'an unlisted database is left alone');
sql('postgres', q{ALTER SYSTEM SET hastecrm_perf.worker_databases = 'postgres, ghost, bare, doomed, sales'});
sql('postgres', 'SELECT pg_reload_conf()');
$took = poll_within('sales', q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log WHERE target = 'public.lead_count' AND status = 'ok')}, 10);
ok(defined $took, 'after a reload its job runs');
cmp_ok($took // 99, '<', 5, 'within a few seconds');
ok(defined poll_within('sales', q{SELECT count(*) >= 2 FROM hastecrm_perf.job_log}, 10), 'and keeps running');

sql('postgres', q{ALTER SYSTEM SET hastecrm_perf.worker_databases = 'postgres, ghost, bare, doomed'});
sql('postgres', 'SELECT pg_reload_conf()');
# A worker started before the reload may still finish its run.
ok(defined wait_runs(2, 15), 'cycles after the reload');
my $sales_runs = sql('sales', 'SELECT count(*) FROM hastecrm_perf.job_log');
ok(defined wait_runs(4, 15), 'four more cycles');
is(sql('sales', 'SELECT count(*) FROM hastecrm_perf.job_log'), $sales_runs, 'removed by a reload: no more runs');

# ---- unusable databases are reported once --------------------------------
is(count_matches(qr/LOG:  hastecrm_perf: database "ghost" listed in hastecrm_perf.worker_databases does not exist/),
	1, 'a missing database is logged once, across cycles and reloads');
is(count_matches(qr/LOG:  hastecrm_perf: database "bare" is listed in hastecrm_perf.worker_databases but has no hastecrm_perf extension; skipping it/),
	1, 'a database without the extension is logged once');
cmp_ok(who_runs(), '>=', 20, 'over many cycles');

# ---- DROP EXTENSION / CREATE EXTENSION in a listed database --------------
sql('doomed', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE visits (at date NOT NULL) PARTITION BY RANGE (at);
	SELECT hastecrm_perf.manage_partitions('visits', 'monthly', premake => 1);
	CREATE MATERIALIZED VIEW visit_count AS SELECT count(*) FROM visits;
	SELECT hastecrm_perf.schedule_refresh('visit_count', '1 second', skip_unchanged => false);
});
ok(defined poll_within('doomed', q{SELECT count(*) >= 2 FROM hastecrm_perf.job_log WHERE target = 'public.visit_count'}, 10),
	'jobs run in doomed');
my $offset = -s $node->logfile;
sql('doomed', 'DROP EXTENSION hastecrm_perf CASCADE');
$node->wait_for_log(qr/database "doomed" is listed in hastecrm_perf.worker_databases but has no hastecrm_perf extension/, $offset);
ok(defined wait_runs(3, 15), 'cycles go on while doomed has no extension');
sql('doomed', q{
	CREATE EXTENSION hastecrm_perf;
	SELECT hastecrm_perf.manage_partitions('visits', 'monthly', premake => 1);
	SELECT hastecrm_perf.schedule_refresh('visit_count', '1 second', skip_unchanged => false);
});
ok(defined poll_within('doomed', q{SELECT last_run IS NOT NULL AND last_status = 'ok' FROM hastecrm_perf.partition_config}, 10),
	'after CREATE EXTENSION the partition job runs again');
ok(defined poll_within('doomed', q{SELECT EXISTS (SELECT FROM hastecrm_perf.job_log WHERE target = 'public.visit_count' AND status = 'ok')}, 10),
	'and the refresh');
is(launcher_pid(), $launcher, 'the launcher is the same process');
is(count_matches(qr/no hastecrm_perf extension/, $offset), 1, 'the missing extension was logged once');
is(count_matches(qr/terminated by signal|was terminated|reinitializing/), 0, 'no process crashed');

# ---- DROP DATABASE of a listed database ----------------------------------
# Even in the middle of a long refresh: the launcher sees the DROP's lock on
# the database and stops the worker, as PostgreSQL stops autovacuum workers
# (DROP DATABASE waits 5 s for other sessions, then fails).
sql('doomed', q{
	CREATE FUNCTION slow_one() RETURNS int LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(30)';
	CREATE MATERIALIZED VIEW sleepy AS SELECT slow_one() AS x WITH NO DATA;
	SELECT hastecrm_perf.schedule_refresh('sleepy', '1 second');
});
ok(defined poll_within('postgres', q{SELECT EXISTS (SELECT FROM pg_stat_activity
	WHERE backend_type = 'hastecrm_perf worker' AND datname = 'doomed' AND query LIKE '%sleepy%')}, 10),
	'a worker is in the middle of a long refresh');
my $start = Time::HiRes::time();
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE doomed');
my $drop_time = Time::HiRes::time() - $start;
is($ret, 0, 'DROP DATABASE of a maintained database succeeds') or diag($err);
cmp_ok($drop_time, '<', 2, 'promptly, although a job was running');
$node->wait_for_log(qr/stopping the worker of database "doomed"/, $offset);
$node->wait_for_log(qr/database "doomed" listed in hastecrm_perf.worker_databases does not exist/, $offset);
ok(defined wait_runs(2, 15), 'the other databases are still maintained');

# ---- the launcher's memory stays flat ------------------------------------
# A reload starts a cycle at once: 150 reloads 200 ms apart make 150 cycles
# in 30 s instead of 150 s, each also re-reading the configuration.
my $before = rss_anon_kb($launcher);
my $runs_before = who_runs();
sql('postgres', q{DO $$ BEGIN
	FOR i IN 1 .. 150 LOOP PERFORM pg_reload_conf(); PERFORM pg_sleep(0.2); END LOOP;
END $$});
ok(defined wait_runs(1, 10), 'one more cycle');
my $after = rss_anon_kb($launcher);
my $cycles = who_runs() - $runs_before;
cmp_ok($cycles, '>=', 100, "reloads start cycles at once: $cycles in 30 s, each starting a worker");
cmp_ok($after - $before, '<', 512, "the launcher's RssAnon stays flat ($before kB -> $after kB)");
is(launcher_pid(), $launcher, 'still the same launcher');

# ---- SIGTERM and shutdown ------------------------------------------------
is(sql('postgres', "SELECT pg_terminate_backend($launcher)"), 't', 'the launcher is terminated');
$start = Time::HiRes::time();
ok(defined poll_within('postgres', qq{SELECT count(*) = 1 AND min(pid) <> $launcher FROM pg_stat_activity
	WHERE backend_type = 'hastecrm_perf launcher'}, 30), 'a new launcher comes back');
my $back = Time::HiRes::time() - $start;
cmp_ok($back, '>=', 8, 'after bgw_restart_time');
cmp_ok($back, '<', 20, 'and not much later');
my $relaunched = launcher_pid();
isnt($relaunched, $launcher, 'with a new pid');
ok(defined wait_runs(2, 15), 'jobs keep running');

$node->stop('fast');
my $log = slurp_file($node->logfile);
like($log, qr/database system is shut down\s*$/, 'a fast shutdown completes');
unlike($log, qr/PANIC|terminated by signal|was terminated/, 'no PANIC and no crash in the log');
is(count_matches(qr/hastecrm_perf launcher started/), 2, 'the launcher started twice: at startup and after SIGTERM');

done_testing();
