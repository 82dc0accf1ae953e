# After a crash restart every statistics counter starts again from zero and
# could climb back to the values a refresh stored: the next check refreshes
# rather than trusting them, and the worker comes back with the server.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = 'postgres'
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE deals (id int PRIMARY KEY, amount int);
	INSERT INTO deals SELECT g, g FROM generate_series(1, 5) g;
	CREATE MATERIALIZED VIEW deal_total AS SELECT count(*) AS n, sum(amount) AS total FROM deals;
	CREATE UNIQUE INDEX ON deal_total (n);
	SELECT hastecrm_perf.schedule_refresh('deal_total', '1 second');
});

my $status_count = sub {
	my ($status) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM hastecrm_perf.job_log WHERE target = 'public.deal_total' AND status = '$status'");
};
ok($node->poll_query_until('postgres',
	q{SELECT count(*) >= 2 FROM hastecrm_perf.job_log WHERE target = 'public.deal_total' AND status = 'skipped'}),
	'refreshed once, then skipped while nothing changes');
my $refreshes = $status_count->('ok');

# A backend killed by SIGKILL makes the postmaster reinitialize shared memory.
my $victim = $node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf launcher'});
kill 'KILL', $victim;
ok($node->poll_query_until('postgres', q{SELECT pg_is_in_recovery() = false}), 'the server is back');
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'hastecrm_perf launcher'}),
	'the launcher is back');

# Five more rows: counted from zero again, the counters read what the first
# refresh stored (five inserts), although the table now holds ten rows.
$node->safe_psql('postgres', q{INSERT INTO deals SELECT g, 100 + g FROM generate_series(6, 10) g});
is($node->safe_psql('postgres', q{SELECT n_tup_ins || '/' || n_tup_upd || '/' || n_tup_del
	FROM pg_stat_user_tables WHERE relname = 'deals'}), '5/0/0', 'the counters read as at the first refresh');
ok($node->poll_query_until('postgres',
	qq{SELECT count(*) > $refreshes FROM hastecrm_perf.job_log WHERE target = 'public.deal_total' AND status = 'ok'}),
	'a refresh follows the crash restart');
ok($node->poll_query_until('postgres',
	q{SELECT total = (SELECT sum(amount) FROM deals) FROM deal_total}),
	'and the view holds the new data');
like($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time() < now()'), qr/t/, 'the postmaster never restarted');

$node->stop('fast');
done_testing();
