# Query latency tracking on a real server (SPEC §4): a table of the minimum
# capacity filled past its end by concurrent pgbench clients, with a hot
# statement that sampled eviction must keep; sane counters and ordered
# percentiles; no literal stored; errors counted; reset; privileges; cheap
# eviction while full; and the SQLSTATE 55000 error without preloading.
use strict;
use warnings;
use IPC::Run;
use Time::HiRes ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $capacity = 100;

# Distinct statements: the queryid ignores constants and column aliases, so
# vary the tree instead. Statement $n chains 11 operators, '+' or '-' after the
# bits of $n: 2048 shapes, each its own queryid, all returning one row.
sub shape {
	my ($n, $alias) = @_;
	my $sql = 'SELECT 1';
	$sql .= (($n >> $_) & 1) ? ' + 1' : ' - 1' for 0 .. 10;
	return "$sql AS $alias";
}
my $cold_shapes = 300;    # shapes 0 .. 299 under pgbench
my $churn_first = 1024;   # shapes 1024 .. 1523 for the eviction batch
my $churn_count = 500;

sub write_file {
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh or die "$path: $!";
	return $path;
}

# Runs psql on $node, returning ($exit_code, $stderr); VERBOSITY verbose puts
# the SQLSTATE into the error line.
sub psql_error {
	my ($node, $sql, @params) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql",
		stdout => \$out, stderr => \$err, on_error_stop => 1, @params);
	return ($rc, $err);
}

my $node = PostgreSQL::Test::Cluster->new('latency');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.max_queries = $capacity
max_connections = 20
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE hot_items (id int);
	INSERT INTO hot_items SELECT generate_series(1, 10);
});
is($node->safe_psql('postgres', 'SHOW hastecrm_perf.max_queries'), $capacity, 'capacity at its minimum');
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
my $before_run = $node->safe_psql('postgres', 'SELECT clock_timestamp()');

# --- Fill the table past capacity under concurrent clients ----------------------

# The hot statement: nine transactions in ten. Its literal must never be stored.
my $workdir = PostgreSQL::Test::Utils::tempdir;  # fresh: no stale pgbench logs
my $hot_sql = q{SELECT count(*) FROM hot_items WHERE 'secret-4242' <> ''};
my $hot_text = 'SELECT count(*) FROM hot_items WHERE $1 <> $2';
my $hot_file = write_file("$workdir/latency_hot.sql", "$hot_sql;\n");
# The cold script: one of 300 distinct statements at random.
my $cold = "\\set r random(0, " . ($cold_shapes - 1) . ")\n";
for my $n (0 .. $cold_shapes - 1) {
	$cold .= ($n == 0 ? '\if' : '\elif') . " :r = $n\n" . shape($n, 'cold_shape') . ";\n";
}
$cold .= "\\endif\n";
my $cold_file = write_file("$workdir/latency_cold.sql", $cold);

my $clients = 4;
my $per_client = 2500;
# pgbench's per-script summary is not reliable with several threads (they add
# to it unlocked), so count each script's transactions from its per-transaction
# log instead: "client_id transaction_no time script_no epoch us", one file per thread.
my $log_prefix = "$workdir/latency_bench";
my ($bench_out, $bench_err) = ('', '');
my $bench_ok = IPC::Run::run(
	[ 'pgbench', '-n', '-h', $node->host, '-p', $node->port, '-c', $clients, '-j', 2,
	  '-t', $per_client, '--random-seed=4242', '-l', "--log-prefix=$log_prefix",
	  '-f', "$hot_file\@9", '-f', "$cold_file\@1", 'postgres' ],
	'>', \$bench_out, '2>', \$bench_err);
ok($bench_ok, 'pgbench ran') or diag("pgbench stdout:\n$bench_out\nstderr:\n$bench_err");
like($bench_out, qr/number of transactions actually processed: ${\($clients * $per_client)}\/${\($clients * $per_client)}/,
	'every pgbench transaction went through');
my @runs = (0, 0);
for my $log (glob("$log_prefix.*")) {
	open my $fh, '<', $log or die "$log: $!";
	while (<$fh>) {
		my @field = split ' ';
		die "$log: unexpected line: $_" unless @field >= 6 && $field[3] =~ /^[01]$/;
		$runs[ $field[3] ]++;
	}
	close $fh;
}
my ($hot_runs, $cold_runs) = @runs;
is($hot_runs + $cold_runs, $clients * $per_client, 'the transaction logs hold every transaction');
cmp_ok($cold_runs, '>', 3 * $capacity, 'enough cold statements to fill the table several times over');
note("hot transactions: $hot_runs, cold transactions: $cold_runs");

# The server survived.
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server answers after the run');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started, 'postmaster did not restart');
ok(!$node->log_contains(qr/terminated by signal|PANIC|server process .* was terminated/),
	'no backend crashed');

my $count_sql = 'SELECT count(*) FROM hastecrm_perf.query_latency';
my $rows = $node->safe_psql('postgres', $count_sql);
cmp_ok($rows, '<=', $capacity, "at most $capacity entries ($rows)");
# Only an entry parsed and never finished (this very statement) is hidden.
cmp_ok($rows, '>=', $capacity - 5, 'the table is full');

# The hot statement is seen constantly: sampled eviction keeps it.
my $hot = $node->safe_psql('postgres', qq{
	SELECT calls, rows = calls, errors, mean_ms > 0 AND max_ms >= mean_ms
	FROM hastecrm_perf.query_latency WHERE query = '$hot_text'});
my ($hot_calls, $hot_rows_ok, $hot_errors, $hot_times_ok) = split /\|/, $hot;
ok(defined $hot_calls, 'the hot statement is still tracked') or diag($node->safe_psql('postgres',
	'SELECT calls, query FROM hastecrm_perf.query_latency ORDER BY calls DESC LIMIT 5'));
$hot_calls //= 0;
cmp_ok($hot_calls, '>=', $hot_runs / 2, "hot calls ($hot_calls) at least half of pgbench's $hot_runs");
cmp_ok($hot_calls, '<=', $hot_runs, 'hot calls no more than pgbench ran');
is($hot_rows_ok, 't', 'one row per hot call');
is($hot_errors, '0', 'no hot errors');
is($hot_times_ok, 't', 'hot timings positive, max at least the mean');

# The cold statements still tracked have sane numbers.
my ($cold_rows, $cold_bad, $cold_calls) = split /\|/, $node->safe_psql('postgres', qq{
	SELECT count(*),
	       count(*) FILTER (WHERE NOT (
	           calls >= 1 AND rows = calls AND errors = 0 AND total_ms >= 0
	           AND abs(total_ms - mean_ms * calls) <= 0.001 + 1e-9 * total_ms
	           AND max_ms >= mean_ms AND first_seen <= last_seen
	           AND first_seen >= '$before_run' AND last_seen <= now()
	           AND query ~ '^SELECT \\\$1( [+-] \\\$[0-9]+){11} AS cold_shape\$')),
	       coalesce(sum(calls), 0)
	FROM hastecrm_perf.query_latency WHERE query LIKE '% AS cold_shape'});
cmp_ok($cold_rows, '>', 0, "cold statements tracked ($cold_rows)");
is($cold_bad, '0', 'every cold entry has sane counters, times and normalized text')
  or diag($node->safe_psql('postgres',
	q{SELECT query, calls, rows, errors, total_ms, mean_ms, max_ms, first_seen, last_seen
	  FROM hastecrm_perf.query_latency WHERE query LIKE '% AS cold_shape' LIMIT 10}));
cmp_ok($cold_calls, '<=', $cold_runs, 'cold calls no more than pgbench ran');

my $percentiles_sql = q{
	SELECT count(*) FILTER (WHERE calls > 0 AND NOT coalesce(
	           0 <= p50_ms AND p50_ms <= p95_ms AND p95_ms <= p99_ms AND p99_ms <= max_ms, false)),
	       count(*) FILTER (WHERE calls = 0 AND num_nonnulls(p50_ms, p95_ms, p99_ms) > 0)
	FROM hastecrm_perf.query_latency};
is($node->safe_psql('postgres', $percentiles_sql), '0|0',
	'p50 <= p95 <= p99 <= max for every entry (NULL when never finished)');

is($node->safe_psql('postgres', q{
	SELECT count(*) FROM hastecrm_perf.query_latency
	WHERE query LIKE '%secret%' OR query LIKE '%4242%'}), '0', 'no literal stored in any text');

# --- Eviction stays cheap while the table is full --------------------------------

my $churn = join('', map { shape($_, 'churn_shape') . ";\n" } $churn_first .. $churn_first + $churn_count - 1);
my $t0 = [Time::HiRes::gettimeofday()];
$node->safe_psql('postgres', $churn);
my $elapsed = Time::HiRes::tv_interval($t0);
note(sprintf('%d new statements through a full table in %.3f s', $churn_count, $elapsed));
cmp_ok($elapsed, '<', 10, "$churn_count new statements into a full table in under 10 s");
# The newest statement of the batch, as stored: every constant a $n.
my $last_text = shape($churn_first + $churn_count - 1, 'churn_shape');
my $param = 0;
$last_text =~ s/\b1\b/'$' . ++$param/ge;
my ($after_rows, $churn_rows, $last_churn) = split /\|/, $node->safe_psql('postgres', qq{
	SELECT count(*), count(*) FILTER (WHERE query LIKE '% AS churn_shape'),
	       count(*) FILTER (WHERE query = '$last_text' AND calls = 1 AND rows = 1 AND errors = 0)
	FROM hastecrm_perf.query_latency});
cmp_ok($after_rows, '<=', $capacity, "still at most $capacity entries after the batch ($after_rows)");
cmp_ok($churn_rows, '>', 0, "the batch's statements replaced older entries ($churn_rows tracked)");
is($last_churn, '1', 'the newest statement of the batch is tracked once');
is($node->safe_psql('postgres', $percentiles_sql), '0|0', 'percentiles still ordered after the batch');

# --- Reset, errors, privileges ----------------------------------------------------

$node->safe_psql('postgres', 'SELECT hastecrm_perf.query_latency_reset()');
# The reset call itself is timed after it ran: it may come back with one call.
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM hastecrm_perf.query_latency
	WHERE NOT (query LIKE '%query_latency_reset%' AND calls = 1)}), '0',
	'query_latency_reset() empties the view');

my $failing = 'SELECT 1/(x-x) FROM generate_series(1,1) x';
for my $i (1 .. 3) {
	my ($rc, $err) = psql_error($node, $failing);
	isnt($rc, 0, "failing statement $i fails");
	like($err, qr/ERROR:\s+22012:\s+division by zero/, "failing statement $i: division by zero");
}
is($node->safe_psql('postgres', q{
	SELECT calls, errors, rows, num_nulls(p50_ms, p95_ms, p99_ms)
	FROM hastecrm_perf.query_latency WHERE query = 'SELECT $1/(x-x) FROM generate_series($2,$3) x'}),
	'0|3|0|3', 'three errors counted, no completed call, no percentiles');

$node->safe_psql('postgres', q{
	CREATE ROLE plain LOGIN;
	CREATE ROLE monitor LOGIN IN ROLE pg_monitor;
});
my ($rc, $err) = psql_error($node, 'SELECT * FROM hastecrm_perf.query_latency', extra_params => [ '-U', 'plain' ]);
isnt($rc, 0, 'a plain role cannot read query_latency');
like($err, qr/ERROR:\s+42501:\s+permission denied/, 'a plain role gets SQLSTATE 42501');
($rc, $err) = psql_error($node, 'SELECT hastecrm_perf.query_latency_reset()', extra_params => [ '-U', 'plain' ]);
like($err, qr/ERROR:\s+42501:\s+permission denied/, 'a plain role cannot reset');
($rc, $err) = psql_error($node, 'SELECT hastecrm_perf.query_latency_reset()', extra_params => [ '-U', 'monitor' ]);
like($err, qr/ERROR:\s+42501:\s+permission denied/, 'pg_monitor cannot reset either');

my ($mon_rc, $mon_out, $mon_err) = (0, '', '');
$mon_rc = $node->psql('postgres', q{
	SELECT errors FROM hastecrm_perf.query_latency
	WHERE query = 'SELECT $1/(x-x) FROM generate_series($2,$3) x'},
	stdout => \$mon_out, stderr => \$mon_err, extra_params => [ '-U', 'monitor' ]);
is($mon_rc, 0, 'a pg_monitor member can read query_latency') or diag($mon_err);
is($mon_out, '3', "and sees the other role's statement text and counters");
is($node->psql('postgres', 'SELECT count(*) FROM hastecrm_perf.n_plus_one', extra_params => [ '-U', 'monitor' ]),
	0, 'a pg_monitor member can read n_plus_one');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started, 'postmaster never restarted');
ok(!$node->log_contains(qr/terminated by signal|PANIC|server process .* was terminated/),
	'no backend crashed during the whole test');
$node->stop;

# --- Without shared_preload_libraries ---------------------------------------------

my $plain = PostgreSQL::Test::Cluster->new('not_preloaded');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION hastecrm_perf');
# Each statement in a fresh session, so the library is not loaded yet: the
# error must not depend on what the session ran before. (slow_queries() with
# its default threshold reads hastecrm_perf.slow_query_ms before any C function
# has loaded the library that defines it.)
for my $sql ('SELECT * FROM hastecrm_perf.query_latency',
	'SELECT hastecrm_perf.query_latency_reset()',
	'SELECT * FROM hastecrm_perf.slow_queries()',
	'SELECT * FROM hastecrm_perf.slow_queries(0)',
	'SELECT * FROM hastecrm_perf.n_plus_one',
	'SELECT * FROM hastecrm_perf.query_histogram(1)',
	'SELECT * FROM hastecrm_perf.query_plans',
	'SELECT * FROM hastecrm_perf.index_advice()')
{
	my ($rc, $err) = psql_error($plain, $sql);
	isnt($rc, 0, "without preloading: $sql fails");
	like($err, qr/ERROR:\s+55000:.*shared_preload_libraries/, "without preloading: $sql raises 55000 naming shared_preload_libraries");
}
$plain->stop;

done_testing();
