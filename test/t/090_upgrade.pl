# Versions (SPEC §1): ALTER EXTENSION UPDATE of a 0.1 database that has jobs,
# job history and settings keeps all of them and gives exactly the objects of a
# fresh install; a pg_dump/restore of the upgraded database keeps the user's
# configuration.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'hastecrm_perf'");
$node->start;

sub sql { my ($db, $query) = @_; return $node->safe_psql($db, $query); }

my ($default_version) = sql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'hastecrm_perf'});
isnt($default_version, '0.1', "default version $default_version is past the released 0.1");

# Every member of the extension, described by what a user or a dump sees of it:
# signatures, result types, settings, volatility, privileges, comments, columns,
# view definitions, indexes, constraints, triggers and configuration tables.
my $members = q{
WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'hastecrm_perf'),
member AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e')
SELECT 'function ' || p.oid::regprocedure || ' returns ' || pg_get_function_result(p.oid)
       || ' ' || p.provolatile::text || p.proparallel::text || p.prosecdef::text || ' ' || coalesce(p.proconfig::text, '-')
       || ' ' || coalesce(p.proacl::text, '-') || ' ' || md5(p.prosrc || coalesce(p.probin, ''))
       || ' ' || coalesce(md5(obj_description(p.oid, 'pg_proc')), 'no comment')
FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
UNION ALL
SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '-')
       || ' ' || coalesce(md5(obj_description(c.oid, 'pg_class')), 'no comment')
       || ' ' || coalesce(md5(pg_get_viewdef(c.oid)), '')
       || ' (' || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''), ', ' ORDER BY a.attnum)
                            FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'
FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
FROM member m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
UNION ALL
SELECT 'constraint ' || co.conrelid::regclass || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
FROM member m JOIN pg_constraint co ON m.classid = 'pg_class'::regclass AND co.conrelid = m.objid
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
FROM member m JOIN pg_trigger t ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid AND NOT t.tgisinternal
UNION ALL
SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0)
FROM member m WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_class'::regclass)
UNION ALL
SELECT 'config ' || cfg::regclass || ' ' || coalesce(cond, '')
FROM ext, unnest(ext.extconfig, ext.extcondition) AS u(cfg, cond)
ORDER BY 1};

# The user's state in a 0.1 database, as the 0.1 library left it: a managed
# partition parent with its partitions, a scheduled refresh, their job
# history, and settings of their own. (The 0.2 library runs no job in a 0.1
# database, so the state is written as 0.1 wrote it.)
my $user_state = q{
CREATE TABLE events (id bigint, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE events_2026_01 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE events_2026_02 PARTITION OF events FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
INSERT INTO hastecrm_perf.partition_config (parent, step, premake, retention, retention_action, last_run, last_status)
VALUES ('events', 'monthly', 2, interval '100 years', 'detach', now(), 'ok');
CREATE TABLE contacts (id int PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO contacts SELECT g, now() FROM generate_series(1, 10) g;
CREATE MATERIALIZED VIEW contact_count AS SELECT count(*) AS n FROM contacts;
CREATE UNIQUE INDEX ON contact_count (n);
INSERT INTO hastecrm_perf.refresh_config (view, every, "concurrently", skip_unchanged, last_run, last_status)
VALUES ('contact_count', interval '10 minutes', NULL, true, now(), 'ok');
INSERT INTO hastecrm_perf.job_log (kind, target, started_at, finished_at, status, detail, action)
VALUES ('partitions', 'public.events', now(), now(), 'ok', 'created 2 partitions', 'create'),
       ('refresh', 'public.contact_count', now(), now(), 'error', 'relation "x" does not exist', 'refresh');
ALTER DATABASE old SET hastecrm_perf.slow_query_ms = 42;
};
my $config = q{
SELECT (SELECT string_agg(format('%s %s', kind, target), '; ' ORDER BY kind, target) FROM hastecrm_perf.jobs),
       (SELECT count(*) FROM hastecrm_perf.job_log),
       (SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass)};

sql('postgres', 'CREATE DATABASE fresh');
sql('postgres', 'CREATE DATABASE old');
sql('fresh', 'CREATE EXTENSION hastecrm_perf');
sql('old', q{CREATE EXTENSION hastecrm_perf VERSION '0.1'});
sql('old', $user_state);
my $before = sql('old', $config);
like($before, qr/^.*events.*contact_count.*\|[1-9]\d*\|[1-9]/, "0.1 database has jobs, job history and partitions: $before");

# Until the update, the 0.2 library runs no job there and says what to do.
my ($ret, $out, $err) = $node->psql('old', 'SELECT count(*) FROM hastecrm_perf.run_maintenance()');
isnt($ret, 0, 'run_maintenance() refuses a 0.1 database');
like($err, qr/at version 0\.1 in this database, its library at \S+: run ALTER EXTENSION hastecrm_perf UPDATE/,
	'with the update to run as the hint');

sql('old', 'ALTER EXTENSION hastecrm_perf UPDATE');
is(sql('old', q{SELECT extversion FROM pg_extension WHERE extname = 'hastecrm_perf'}),
	$default_version, 'updated to the default version');
is(sql('old', $config), $before, 'jobs, job history and partitions kept by the update');
is(sql('old', q{SELECT setting FROM pg_db_role_setting, unnest(setconfig) AS setting
                WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = 'old')}),
	'hastecrm_perf.slow_query_ms=42', 'database setting kept by the update');

my $fresh_members = sql('fresh', $members);
my $old_members = sql('old', $members);
ok(length $fresh_members > 1000, 'fresh install has members to compare');
is($old_members, $fresh_members, 'updated 0.1 has exactly the objects of a fresh install');

# The jobs run after the update: the refresh, and partitions up to now + 2
# months (the 0.1 state had only January and February 2026).
($ret, $out, $err) = $node->psql('old', 'SELECT count(*) FROM hastecrm_perf.run_maintenance()');
is($ret, 0, "run_maintenance() works after the update $err");
ok(sql('old', q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass}) > 3,
	'the updated partition job made the partitions that were missing');
is(sql('old', q{SELECT count(*) FROM hastecrm_perf.job_log WHERE target = 'public.contact_count' AND status = 'ok'}),
	1, 'the updated refresh job ran and logged');

# pg_dump / restore of the updated database keeps the user's configuration.
my $dump = $node->basedir . '/old.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('old'), '-f', $dump ], 'pg_dump of the updated database');
sql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ], 'pg_restore into a new database');
my $jobs = q{SELECT string_agg(format('%s %s %s', kind, target, schedule), '; ' ORDER BY kind, target) FROM hastecrm_perf.jobs};
is(sql('restored', $jobs), sql('old', $jobs), 'restored database has the same jobs');
is(sql('restored', $members), $fresh_members, 'restored database has exactly the objects of a fresh install');
is(sql('restored', q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass}),
	sql('old', q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass}), 'restored partitions');

$node->stop;
done_testing();
