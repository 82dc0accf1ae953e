# Metrics for Prometheus (SPEC §10) tested with the real programs: Debian's
# prometheus-postgres-exporter with contrib/prometheus/hastecrm_perf.yaml, and
# Prometheus scraping it every second, on loopback ports, for a primary and its
# standby. A workload of known latencies must come back through Prometheus'
# HTTP API: histogram_quantile() over rate() lands in the same `le` bucket as
# query_latency's percentile and the workload's exact one.
use strict;
use warnings;
use File::Path qw(make_path);
use HTTP::Tiny;
use IPC::Run;
use JSON::PP;
use Time::HiRes qw(sleep time);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $exporter_bin = '/usr/bin/prometheus-postgres-exporter';
my $prometheus_bin = '/usr/bin/prometheus';
for my $bin ($exporter_bin, $prometheus_bin) {
	BAIL_OUT("$bin is missing: scripts/install-deps installs Debian's prometheus and "
		  . 'prometheus-postgres-exporter') unless -x $bin;
}
my $query_file = "$ENV{TESTDIR}/contrib/prometheus/hastecrm_perf.yaml";
ok(-f $query_file, 'the query file ships in contrib/prometheus');

# Every program this test starts is stopped when it ends, however it ends.
my @programs;
END { $_->kill_kill for grep { $_ } @programs; }

sub write_file {
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh or die "$path: $!";
	return $path;
}

my $primary = PostgreSQL::Test::Cluster->new('metrics_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
max_connections = 30
});
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE ROLE metrics_scraper LOGIN IN ROLE pg_monitor;
	CREATE DATABASE app;
});
$primary->safe_psql('app', 'CREATE TABLE hot (id int)');
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('metrics_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

# One exporter per server, connected as a plain pg_monitor member.
my $dir = "${PostgreSQL::Test::Utils::tmp_check}/prometheus";
make_path("$dir/data");
my %exporter_port;
for my $node ($primary, $standby) {
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	$exporter_port{ $node->name } = $port;
	local $ENV{DATA_SOURCE_NAME} = sprintf('host=%s port=%d user=metrics_scraper dbname=postgres sslmode=disable',
		$node->host, $node->port);
	push @programs, IPC::Run::start(
		[ $exporter_bin, "--extend.query-path=$query_file", "--web.listen-address=127.0.0.1:$port",
		  '--log.level=warn' ],
		'<', \undef, '>', "$dir/exporter_" . $node->name . '.log', '2>&1');
}
my $prometheus_port = PostgreSQL::Test::Cluster::get_free_port();
my $config = write_file("$dir/prometheus.yml", <<"EOC");
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: postgres
    static_configs:
      - targets: ['127.0.0.1:$exporter_port{metrics_primary}']
        labels: {node: primary}
      - targets: ['127.0.0.1:$exporter_port{metrics_standby}']
        labels: {node: standby}
EOC
push @programs, IPC::Run::start(
	[ $prometheus_bin, "--config.file=$config", "--storage.tsdb.path=$dir/data",
	  "--web.listen-address=127.0.0.1:$prometheus_port", '--log.level=warn' ],
	'<', \undef, '>', "$dir/prometheus.log", '2>&1');

my $http = HTTP::Tiny->new(timeout => 5);
# An instant PromQL query: a list of [labels, value] pairs.
sub promql {
	my ($expr) = @_;
	my $response = $http->post_form("http://127.0.0.1:$prometheus_port/api/v1/query", { query => $expr });
	return undef unless $response->{success};
	my $body = decode_json($response->{content});
	return undef unless $body->{status} eq 'success';
	return [ map { [ $_->{metric}, $_->{value}[1] ] } @{ $body->{data}{result} } ];
}
# The value of a query with one result, or undef.
sub promql_value {
	my $result = promql(@_);
	return $result && @$result == 1 ? $result->[0][1] : undef;
}
sub wait_for {
	my ($what, $test) = @_;
	my $deadline = time + 40;
	while (time < $deadline) {
		return 1 if $test->();
		sleep 0.25;
	}
	diag("gave up waiting for $what");
	return 0;
}

# A statement with a known latency distribution, run on the primary in
# database app: 240 × 6 ms, 51 × 15 ms, 9 × 65 ms (80% / 17% / 3%), so p50,
# p95 and p99 fall inside the buckets [5, 10], [10, 25] and [50, 100] ms of
# the default ladder, with room for the time a loaded machine adds to a
# sleep. One call first, so that its series exist before the workload and
# rate() sees the whole of it.
sub sleeps {
	my (@groups) = @_;
	my @lines;
	while (my ($count, $seconds) = splice(@groups, 0, 2)) {
		push @lines, ("SELECT 1 FROM pg_sleep($seconds);") x $count;
	}
	return join("\n", @lines) . "\n";
}
$primary->safe_psql('app', sleeps(1, 0.006));
my $queryid = $primary->safe_psql('postgres',
	q{SELECT queryid FROM hastecrm_perf.query_latency WHERE query = 'SELECT $1 FROM pg_sleep($2)'});
like($queryid, qr/^-?\d+$/, 'the workload statement has one entry');
my $selector = qq{queryid="$queryid",node="primary"};
ok(wait_for('two scrapes of the warm-up',
	sub { (promql_value("count_over_time(hastecrm_perf_statement_latency_seconds_count{$selector}[1m])") // 0) >= 2 }),
	'Prometheus scrapes the statement histogram through the exporter');

# More than 50 other statements, so the top-50 cap matters.
$primary->safe_psql('app', join("\n", map { "SELECT 1 FROM hot WHERE id = 1" . (' + 0' x $_) . ';' } 1 .. 60));
$primary->safe_psql('app', sleeps(240, 0.006, 51, 0.015, 9, 0.065));
my $calls = $primary->safe_psql('postgres', "SELECT calls FROM hastecrm_perf.query_latency WHERE queryid = $queryid");
is($calls, 301, 'query_latency counts every call');
ok(wait_for('the scrape of the workload',
	sub { (promql_value("hastecrm_perf_statement_latency_seconds_count{$selector}") // 0) == $calls }),
	'Prometheus has the workload');
sleep 2.5;    # two more samples of the final counts

my %ladder_bucket = (0.5 => [ 0.005, 0.010 ], 0.95 => [ 0.010, 0.025 ], 0.99 => [ 0.050, 0.100 ]);
my %column = (0.5 => 'p50_ms', 0.95 => 'p95_ms', 0.99 => 'p99_ms');
# The workload's exact percentiles (nearest rank of the 301 calls, warm-up
# included), before what the machine adds to each sleep.
my @durations = ((0.006) x 241, (0.015) x 51, (0.065) x 9);
my %exact = map { $_ => $durations[ int($_ * @durations + 0.999999) - 1 ] } keys %ladder_bucket;
for my $q (sort keys %ladder_bucket) {
	my ($low, $high) = @{ $ladder_bucket{$q} };
	ok($exact{$q} >= $low && $exact{$q} <= $high, "the workload's exact p$q ($exact{$q} s) is in [$low, $high] s");
	my $from_rate = promql_value("histogram_quantile($q, rate(hastecrm_perf_statement_latency_seconds_bucket{$selector}[1m]))");
	my $ours_ms = $primary->safe_psql('postgres',
		"SELECT $column{$q} FROM hastecrm_perf.query_latency WHERE queryid = $queryid");
	ok(defined $from_rate && $from_rate >= $low && $from_rate <= $high,
		"p$q of rate() by statement is in the workload's bucket [$low, $high] s")
	  or diag('got ' . ($from_rate // 'nothing'));
	ok($ours_ms / 1000 >= $low && $ours_ms / 1000 <= $high,
		"query_latency.$column{$q} ($ours_ms ms) is in the same bucket");
	ok(defined $from_rate && abs($from_rate - $ours_ms / 1000) <= $high - $low,
		"they agree within that bucket's width");
	my $by_database = promql_value(
		qq{histogram_quantile($q, sum by (le) (rate(hastecrm_perf_database_latency_seconds_bucket{datname="app",node="primary"}[1m])))});
	ok(defined $by_database && $by_database >= $low && $by_database <= $high,
		"p$q of rate() by database is in the same bucket")
	  or diag('got ' . ($by_database // 'nothing'));
}
# Cumulative counts as exposed: the count is the +Inf bucket and the sum the
# time query_latency measured.
is(promql_value(qq{hastecrm_perf_statement_latency_seconds_bucket{$selector,le="+Inf"}}), $calls,
	'the +Inf bucket is the call count');
my $total_ms = $primary->safe_psql('postgres', "SELECT total_ms FROM hastecrm_perf.query_latency WHERE queryid = $queryid");
my $sum = promql_value("hastecrm_perf_statement_latency_seconds_sum{$selector}");
ok(defined $sum && abs($sum - $total_ms / 1000) < 0.001, "the sum is query_latency's total time ($sum s)");

# The scrape: no error, fast, and within the series cap (50 statements of 17
# series each: 14 bounds, +Inf, sum, count).
for my $server ('primary', 'standby') {
	is(promql_value(qq{up{node="$server"}}), 1, "the ${server}'s exporter is up");
	is(promql_value(qq{pg_up{node="$server"}}), 1, "its exporter reaches the $server");
	is(promql_value(qq{max_over_time(pg_exporter_last_scrape_error{node="$server"}[1m])}), 0,
		"no scrape of the ${server} failed");
	my $duration = promql_value(qq{max_over_time(scrape_duration_seconds{node="$server"}[1m])});
	ok(defined $duration && $duration < 1, "every scrape of the $server took under a second ($duration s)");
}
is(promql_value('count(hastecrm_perf_statement_latency_seconds_count{node="primary"})'), 50,
	'at most the top 50 statements are exported');
my $series = promql_value('count({__name__=~"hastecrm_perf_.*", node="primary"})');
my $databases = promql_value('count(hastecrm_perf_database_latency_seconds_count{node="primary"})');
ok($series <= 50 * 17 + $databases * 17 + 30, "$series hastecrm_perf series: within the cap");
ok(promql_value(qq{hastecrm_perf_statement_latency_seconds_count{$selector}}),
	'the busiest statement is among them');

# A lock wait shows in the gauges.
my $holder = $primary->background_psql('app');
$holder->query_safe('BEGIN; LOCK TABLE hot IN ACCESS EXCLUSIVE MODE;');
my $waiter = $primary->background_psql('app', wait => 0);
$waiter->query_until(qr/^$/, "SELECT count(*) FROM hot;\n");
ok(wait_for('the lock wait', sub {
	(promql_value('hastecrm_perf_locks_waiters{node="primary"}') // 0) == 1
	  && (promql_value('hastecrm_perf_locks_oldest_wait_seconds{node="primary"}') // 0) > 0 }),
	'Prometheus sees the waiter and the age of its wait');
$holder->query_safe('COMMIT;');
$holder->quit;
$waiter->quit;

# The standby is scraped the same way and times its own statements.
$primary->wait_for_catchup($standby);
$standby->safe_psql('app', sleeps(20, 0.006));
my $standby_id = $standby->safe_psql('postgres',
	q{SELECT queryid FROM hastecrm_perf.query_latency WHERE query = 'SELECT $1 FROM pg_sleep($2)'});
ok(wait_for('the standby workload', sub {
	(promql_value(qq{hastecrm_perf_statement_latency_seconds_count{queryid="$standby_id",node="standby"}}) // 0) == 20 }),
	'the standby\'s statements reach Prometheus');
my $standby_p50 = promql_value(
	qq{histogram_quantile(0.5, hastecrm_perf_statement_latency_seconds_bucket{queryid="$standby_id",node="standby"})});
ok(defined $standby_p50 && $standby_p50 >= 0.005 && $standby_p50 <= 0.010, 'and its p50 is in the 6 ms bucket');
is(promql_value('hastecrm_perf_locks_waiters{node="standby"}'), 0, 'the standby reports its lock gauges');

# The Grafana dashboard beside the query file: every query uses only our
# metrics and runs on this Prometheus; the latency panels have data.
my $dashboard = decode_json(slurp_file("$ENV{TESTDIR}/contrib/prometheus/grafana-dashboard.json"));
my @exprs = map { map { $_->{expr} } @{ $_->{targets} } } @{ $dashboard->{panels} };
ok(@exprs >= 10, scalar(@exprs) . ' dashboard queries');
for my $expr (@exprs) {
	my @metrics = $expr =~ /([a-z_:]+)\{/g;
	ok(@metrics && !grep({ !/^hastecrm_perf_/ } @metrics), "only hastecrm_perf metrics in: $expr");
	(my $runnable = $expr) =~ s/\$__rate_interval/1m/g;
	$runnable =~ s/\$instance/.*/g;
	my $result = promql($runnable);
	ok(defined $result, 'it runs on Prometheus');
	ok(@$result > 0, 'and has data') if $expr =~ /histogram_quantile/;
}

$_->kill_kill for @programs;
@programs = ();
for my $log (glob("$dir/*.log")) {
	my $text = slurp_file($log);
	unlike($text, qr/level=error/, "no error in " . ($log =~ s{.*/}{}r));
}
$standby->stop;

# Without the library preloaded the latency functions say what is missing.
$primary->append_conf('postgresql.conf', "shared_preload_libraries = ''");
$primary->restart;
for my $function ('query_latency_buckets()', 'query_latency_database_buckets()', 'latency_table_usage()') {
	my ($ret, $out, $err) = $primary->psql('postgres', "SELECT * FROM hastecrm_perf.$function",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($err, qr/ERROR:  55000: hastecrm_perf must be loaded via shared_preload_libraries/,
		"$function without preloading: SQLSTATE 55000 naming the setting");
}
is($primary->safe_psql('postgres', 'SELECT waiters FROM hastecrm_perf.metrics_locks'), 0,
	'the lock gauges need no preloading');
$primary->stop;
done_testing();
