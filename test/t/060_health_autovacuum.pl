# health()'s autovacuum check against autovacuum itself: a table it calls
# overdue (by dead tuples, by inserts alone, by a per-table scale factor) is
# vacuumed by autovacuum within a few naptimes; one it calls not due is
# left alone. And a session idle in transaction that holds the xmin horizon
# is named.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('health_av');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
autovacuum = off
autovacuum_naptime = 1s
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE by_dead (id int);
	CREATE TABLE by_inserts (id int);
	CREATE TABLE by_own_factor (id int) WITH (autovacuum_vacuum_scale_factor = 0.01);
	CREATE TABLE not_due (id int);
	INSERT INTO by_dead SELECT generate_series(1, 10000);
	INSERT INTO by_inserts SELECT generate_series(1, 10000);
	INSERT INTO by_own_factor SELECT generate_series(1, 10000);
	INSERT INTO not_due SELECT generate_series(1, 10000);
});
# Counters reach the shared statistics when a session ends.
$node->safe_psql('postgres', 'VACUUM (ANALYZE) by_dead, by_inserts, by_own_factor, not_due');
$node->safe_psql('postgres', q{
	DELETE FROM by_dead WHERE id <= 3000;          -- 3000 dead > 50 + 0.2 x 10000
	INSERT INTO by_inserts SELECT generate_series(10001, 14000);  -- 4000 inserts > 1000 + 0.2 x 10000
	DELETE FROM by_own_factor WHERE id <= 500;     -- 500 dead > 50 + 0.01 x 10000
	DELETE FROM not_due WHERE id <= 900;           -- 900 dead < 2050, changes 900 < 1050
});

my $findings = $node->safe_psql('postgres', q{
	SELECT string_agg(object || ' ' || value, E'\n' ORDER BY object) FROM hastecrm_perf.health()
	WHERE "check" = 'autovacuum' AND object LIKE 'public.%'});
note $findings;
like($findings, qr/^public\.by_dead dead tuples 3,000/m, 'dead tuples past the threshold: overdue');
like($findings, qr/^public\.by_inserts inserts since vacuum 4,000/m, 'inserts alone past the insert threshold: overdue');
like($findings, qr/^public\.by_own_factor dead tuples 500/m, 'past the per-table scale factor: overdue');
unlike($findings, qr/not_due/, 'below every threshold: not due');
is($node->safe_psql('postgres', q{SELECT severity FROM hastecrm_perf.health() WHERE "check" = 'autovacuum' AND object = 'autovacuum'}),
	'critical', 'the server-wide autovacuum = off is critical');

# Now let autovacuum judge the same tables.
$node->safe_psql('postgres', 'ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf()');
ok($node->poll_query_until('postgres', q{
	SELECT count(*) = 3 FROM pg_stat_user_tables
	WHERE relname IN ('by_dead', 'by_inserts', 'by_own_factor') AND autovacuum_count > 0}),
	'autovacuum vacuums every table the check called overdue');
# Three more naptimes: the one called not due stays untouched.
sleep 3;
is($node->safe_psql('postgres', q{
	SELECT autovacuum_count || ' ' || autoanalyze_count FROM pg_stat_user_tables WHERE relname = 'not_due'}),
	'0 0', 'autovacuum leaves the table the check called not due alone');
is($node->safe_psql('postgres', q{SELECT count(*) FROM hastecrm_perf.health()
	WHERE "check" = 'autovacuum' AND object IN ('public.by_dead', 'public.by_own_factor')}),
	'0', 'after the vacuum the check finds nothing overdue');

# An idle-in-transaction session that holds the xmin horizon is named.
$node->safe_psql('postgres', q{INSERT INTO hastecrm_perf.health_settings VALUES ('long_transactions', 'idle_in_transaction_s', '', 1)});
my $idle = $node->background_psql('postgres');
$idle->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $idle_pid = $idle->query_safe('SELECT pg_backend_pid()');
$node->safe_psql('postgres', 'CREATE TABLE churn (id int)');  # an XID after its snapshot
sleep 2;
my $named = $node->safe_psql('postgres', q{
	SELECT object || ' | ' || severity || ' | ' || detail || ' | ' || advice FROM hastecrm_perf.health()
	WHERE "check" = 'long_transactions'});
note $named;
like($named, qr/^pid $idle_pid \| warning \| idle in transaction for/, 'the idle-in-transaction session is reported by pid');
like($named, qr/holds the xmin horizon/, 'and named as the holder of the xmin horizon');
like($named, qr/pg_terminate_backend\($idle_pid\)/, 'with the call that ends it');
$idle->quit;

$node->stop;
done_testing();
