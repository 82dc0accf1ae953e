# The HTML report (SPEC §11) in a real browser: Debian's headless Chromium
# loads the page hastecrm_perf.report() wrote, with a workload, a hostile
# query text, a managed partitioned table and a live lock wait behind it.
# The DOM must hold every section and the charts' SVG, no script, the
# hostile text as text; the browser's console must stay silent (a page with
# a failing script proves that the check sees console errors); a screenshot
# and a PDF print must come out.
use strict;
use warnings;
use File::Spec;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# scripts/install-deps installs it; as root the test installs it itself.
my ($chromium) = grep { -x } map { "$_/chromium" } split /:/, $ENV{PATH} . ':/usr/bin';
if (!$chromium && $> == 0) {
	system('apt-get install -y -qq --no-install-recommends chromium >/dev/null') == 0
	  or system('apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null');
	$chromium = '/usr/bin/chromium' if -x '/usr/bin/chromium';
}
ok($chromium, 'Debian chromium is installed (scripts/install-deps)') or done_testing(), exit;

my $dir = PostgreSQL::Test::Utils::tempdir();

sub write_file {
	my ($path, $text) = @_;
	open my $fh, '>:raw', $path or die "$path: $!";
	print $fh $text;
	close $fh or die "$path: $!";
	return $path;
}

# Runs headless Chromium on a local file with the given extra flags;
# returns (stdout, stderr). Its profile lives in the test's own directory.
sub chromium {
	my ($file, @flags) = @_;
	my ($out, $err) = ('', '');
	local $ENV{HOME} = $dir;
	IPC::Run::run(
		[
			$chromium, '--headless', '--no-sandbox', '--disable-gpu',
			'--hide-scrollbars', "--user-data-dir=$dir/profile",
			'--enable-logging=stderr', '--v=0', @flags, "file://$file"
		],
		'>', \$out, '2>', \$err, IPC::Run::timeout(90));
	return ($out, $err);
}

sub console_lines { return grep { /CONSOLE/ } split /\n/, shift; }

# The console check can fail: a script error shows up in it.
my $broken = write_file("$dir/broken.html",
	"<!DOCTYPE html><html><body><p>x</p><script>no_such_function()</script></body></html>\n");
my (undef, $broken_log) = chromium($broken, '--dump-dom');
ok(scalar(grep { /Uncaught/ } console_lines($broken_log)),
	'a failing script is seen in the console log');

my $node = PostgreSQL::Test::Cluster->new('report');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'hastecrm_perf'\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE contacts (id int PRIMARY KEY, email text);
	INSERT INTO contacts SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 20000) g;
	CREATE TABLE emails (id bigint, sent_at timestamptz NOT NULL) PARTITION BY RANGE (sent_at);
	SELECT hastecrm_perf.manage_partitions('emails', 'daily', 3);
	ANALYZE;
});
$node->safe_psql('postgres', join '',
	map { "SELECT email FROM contacts WHERE id = $_;\n" } 1 .. 200);
$node->safe_psql('postgres', q{SELECT count(*) FROM contacts WHERE email LIKE '%7%'}) for 1 .. 20;
$node->safe_psql('postgres', q{SELECT 1 /* </script><svg onload=alert(1)> "q' ]]> */});
$node->safe_psql('postgres', q{SELECT pg_sleep(0.05)});

# A live lock wait: one session holds the table, another queues behind it.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE');
my $waiter = $node->background_psql('postgres');
$waiter->query_until(qr/waiting/, "\\echo waiting\nSELECT count(*) FROM contacts;\n");
$node->poll_query_until('postgres',
	q{SELECT count(*) > 0 FROM pg_locks WHERE NOT granted AND relation = 'contacts'::regclass})
  or die 'no lock wait';

my $html = $node->safe_psql('postgres', 'SELECT hastecrm_perf.report()');
my $page = write_file("$dir/report.html", "$html\n");
$holder->query_safe('COMMIT');
$holder->quit;
$waiter->quit;
note sprintf 'report: %d bytes', length $html;

my ($dom, $log) = chromium($page, '--dump-dom');
like($dom, qr{<h1>hastecrm_perf report</h1>}, 'the page renders: its title is in the DOM');
for my $section (qw(health over-time slowest regressions n-plus-one locks relations jobs)) {
	like($dom, qr{<section id="$section">}, "section $section is in the DOM");
}
my $charts = () = $dom =~ /<svg /g;
cmp_ok($charts, '>=', 3, "the charts' SVG is in the DOM ($charts charts)");
like($dom, qr{<rect [^>]*class="bar"}, 'bar charts have bars');
like($dom, qr{<rect [^>]*class="episode"}, 'the lock timeline shows the live wait');
like($dom, qr{public\.contacts}, 'the waited-on table is named');
unlike($dom, qr{could not be read}, 'no section failed or waited behind the exclusive lock');
unlike($dom, qr{<script}i, 'no script in the DOM');
unlike($dom, qr{<svg onload}, 'the hostile query text did not become an element');
like($dom, qr{&lt;/script&gt;&lt;svg onload=alert\(1\)&gt;}, 'the hostile query text is shown as text');
like($dom, qr{public\.emails}, 'the managed partitioned table is among the jobs');
is(join("\n", console_lines($log)), '', 'no console message (no error, no blocked script)');

my $png = "$dir/report.png";
chromium($page, "--screenshot=$png", '--window-size=1280,2400');
ok(-s $png && -s $png > 50_000, 'a screenshot of it was taken (' . (-s $png // 0) . ' bytes)');
open my $fh, '<:raw', $png or die $!;
read $fh, my $magic, 8;
close $fh;
is($magic, "\x89PNG\r\n\x1a\n", 'the screenshot is a PNG');

my $pdf = "$dir/report.pdf";
chromium($page, "--print-to-pdf=$pdf", '--no-pdf-header-footer');
ok(-s $pdf && -s $pdf > 20_000, 'it prints (PDF of ' . (-s $pdf // 0) . ' bytes)');

# On a hot standby (where reads go at scale) every section reads: nothing writes.
$node->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'backup', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby, 'replay', $node->lsn('insert'));
my $on_standby = $standby->safe_psql('postgres', 'SELECT hastecrm_perf.report()');
like($on_standby, qr{<section id="jobs">.*</html>}s, 'the report renders on a hot standby');
unlike($on_standby, qr{could not be read}, 'and every section reads there');
$standby->stop;
$node->stop;

# Without shared_preload_libraries the page still comes out; the sections
# that need the latency table say why in one line.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION hastecrm_perf');
my $without = $plain->safe_psql('postgres', 'SELECT hastecrm_perf.report()');
my @failed = $without =~ m{<p class="note failed">([^<]*)</p>}g;
is(scalar(@failed), 2, 'without preloading, two sections cannot be read');
like($_, qr/shared_preload_libraries/, "and say why: $_") for @failed;
like($without, qr{<section id="relations">.*class="bar"}s, 'the sections that need no shared memory still render');
$plain->stop;

done_testing();
