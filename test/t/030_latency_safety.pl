# Latency tracking must never leave a backend deaf to cancel and terminate,
# and must never evict the entry of a statement that is running.
#
# 1. An ERROR while a report is read (here: its result spills to a temporary
#    file beyond temp_file_limit, as a full disk would fail it) must leave the
#    session answering pg_cancel_backend() and pg_terminate_backend(). (0.1
#    built the tuples under the table's LWLock and released the lock from C++
#    after the error, wrapping the interrupt holdoff count: both were ignored.)
# 2. A long statement keeps its entry (and its history) while a full table
#    churns through new statements. (0.1 ranked entries by the start time of
#    their last execution and could evict a running one.)
# 3. What the maintenance worker runs is not a top-level statement: no entry
#    of its own, nothing for the N+1 detector. (0.1 counted its utility
#    statements, run through SPI at depth 0, as top level.)
use strict;
use warnings;
use IPC::Run ();
use Time::HiRes ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $capacity = 100;

# Distinct statements: the queryid ignores constants and aliases, so vary the
# tree. Statement $n chains 11 operators, '+' or '-' after the bits of $n.
sub shape {
	my ($n, $padding) = @_;
	my $sql = 'SELECT 1';
	$sql .= (($n >> $_) & 1) ? ' + 1' : ' - 1' for 0 .. 10;
	return $sql . ($padding ? ' /* ' . ('x' x 900) . ' */' : '') . ' AS shape';
}

# Polls $sql on $node until it returns $want, for $seconds at most.
sub wait_for {
	my ($node, $sql, $want, $seconds) = @_;
	my $deadline = Time::HiRes::time() + $seconds;
	while (Time::HiRes::time() < $deadline) {
		return 1 if $node->safe_psql('postgres', $sql) eq $want;
		Time::HiRes::sleep(0.1);
	}
	return 0;
}

my $node = PostgreSQL::Test::Cluster->new('latency_safety');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.max_queries = $capacity
hastecrm_perf.worker_databases = 'postgres'
hastecrm_perf.naptime = 1
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION hastecrm_perf');

# --- 1. an error while the report is read -------------------------------------

# A full table of entries with 1 kB texts: the report's rows (~100 kB) spill
# past work_mem = 64 kB into a temporary file.
$node->safe_psql('postgres', join('', map { shape($_, 1) . ";\n" } 0 .. $capacity - 1));
my $entries = $node->safe_psql('postgres',
	'SELECT count(*) FROM hastecrm_perf.query_latency WHERE length(query) > 900');
cmp_ok($entries, '>=', 80, "the table holds $entries long entries");

my $session = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $session->query_safe('SELECT pg_backend_pid()');
$session->query_safe("SET work_mem = '64kB'; SET temp_file_limit = '1kB'");
my (undef, $failed) = $session->query('SELECT count(*) FROM hastecrm_perf.query_latency');
ok($failed && $session->{stderr} =~ /temp_file_limit/,
	'reading the report fails: its result exceeds temp_file_limit')
  or diag("stderr: $session->{stderr}");
$session->{stderr} = '';
is($session->query_safe('SELECT 42'), '42', 'the session goes on after the error');

my $sleeping = "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid AND state = 'active'"
  . " AND query LIKE 'SELECT pg_sleep(60)%'";
$session->query_until(qr/sleeping/, "\\echo sleeping\nSELECT pg_sleep(60);\n");
ok(wait_for($node, $sleeping, '1', 10), 'the session sleeps');
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
my $canceled = wait_for($node, $sleeping, '0', 10);
ok($canceled, 'pg_cancel_backend() ends its statement');
pump_until($session->{run}, IPC::Run::timeout(10), \$session->{stderr}, qr/canceling statement/)
  if $canceled;
like($session->{stderr}, qr/canceling statement due to user request/,
	'the statement was canceled');
$session->{stderr} = '';
$session->query_until(qr/sleeping/, "\\echo sleeping\nSELECT pg_sleep(60);\n") if $canceled;
ok(wait_for($node, $sleeping, '1', 10), 'the session sleeps again');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
my $ended = wait_for($node, "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid", '0', 10);
ok($ended, 'pg_terminate_backend() ends the backend');
$session->{run}->kill_kill;
# A backend deaf to SIGTERM would hold up a fast shutdown: only SIGQUIT stops it.
$node->restart(mode => 'immediate') unless $ended;

# --- 2. a running statement keeps its entry -------------------------------------

$node->safe_psql('postgres', 'SELECT hastecrm_perf.query_latency_reset()');
my $long = $node->background_psql('postgres');
$long->query_safe('SELECT pg_sleep(0.01)');    # one call before
$long->query_until(qr/sleeping/, "\\echo sleeping\nSELECT pg_sleep(4.0);\n");
my $long_running = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
  . " AND query = 'SELECT pg_sleep(4.0);'";
ok(wait_for($node, $long_running, '1', 10), 'the long statement runs');
# Three times the table's capacity in new statements, each evicting one.
my $evictions_before = $node->safe_psql('postgres', 'SELECT count(*) FROM hastecrm_perf.query_latency');
$node->safe_psql('postgres', join('', map { shape(1024 + $_, 0) . ";\n" } 0 .. 3 * $capacity - 1));
is($node->safe_psql('postgres', $long_running), '1',
	'the churn ended while the long statement still ran');
my $churned = $node->safe_psql('postgres',
	"SELECT count(*) FROM hastecrm_perf.query_latency WHERE query LIKE '%AS shape'");
cmp_ok($churned, '>=', $capacity / 2, "the churn filled the table ($churned of its entries)");
# The per-database histogram keeps what evicted entries counted: a counter
# for Prometheus that never goes down while entries come and go.
my $database_calls = $node->safe_psql('postgres',
	"SELECT count FROM hastecrm_perf.query_latency_database_buckets()"
	  . " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'postgres')");
cmp_ok($database_calls, '>=', 3 * $capacity,
	"the database's count keeps the evicted entries' calls ($database_calls)");
ok(wait_for($node, $long_running, '0', 10), 'the long statement ended');
$long->quit;
is( $node->safe_psql('postgres',
		"SELECT calls FROM hastecrm_perf.query_latency WHERE query = 'SELECT pg_sleep(\$1)'"),
	'2',
	'its entry survived the churn: both calls counted');

# --- 3. the worker's statements are not top level -------------------------------

$node->safe_psql('postgres', q{
	CREATE TABLE refreshed_base (x int);
	CREATE MATERIALIZED VIEW refreshed_view AS SELECT count(*) FROM refreshed_base;
	SELECT hastecrm_perf.query_latency_reset();
	SELECT hastecrm_perf.schedule_refresh('refreshed_view', '1 second');
});
ok( wait_for(
		$node,
		q{SELECT count(*) > 0 FROM hastecrm_perf.job_log
		  WHERE target = 'public.refreshed_view' AND status = 'ok' AND action LIKE 'refresh%'},
		't', 30),
	'the worker refreshed the view');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM hastecrm_perf.query_latency WHERE query LIKE 'REFRESH MATERIALIZED VIEW%'}),
	'0',
	"the worker's REFRESH is not a top-level statement");

$node->stop;
done_testing();
