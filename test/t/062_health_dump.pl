# health_settings is the user's configuration: pg_dump keeps every row of
# it, and a restore (CREATE EXTENSION, then the data) neither loses a row
# nor conflicts with one; health() then judges by the restored thresholds.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('health_dump');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE DATABASE source;
	CREATE DATABASE target;
});
$node->safe_psql('source', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE parent (id int PRIMARY KEY);
	CREATE TABLE child (pid int REFERENCES parent);
	INSERT INTO hastecrm_perf.health_settings (check_name, parameter, value, note)
	VALUES ('sequences', 'warning_ratio', 0.5, 'we grow fast');
	INSERT INTO hastecrm_perf.health_settings (check_name, object) VALUES ('fk_without_index', 'public.child (pid)');
});
my $dump = "${PostgreSQL::Test::Utils::tmp_check}/health.dump";
$node->command_ok(['pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('source')], 'pg_dump of a database with health settings');
$node->command_ok(['pg_restore', '--exit-on-error', '-d', $node->connstr('target'), $dump], 'pg_restore of it, without conflicts');

is($node->safe_psql('target', q{
	SELECT string_agg(check_name || ' ' || parameter || ' ' || object || ' ' || coalesce(value::text, '-'), ', ' ORDER BY check_name)
	FROM hastecrm_perf.health_settings}),
	'fk_without_index mute public.child (pid) -, sequences warning_ratio  0.5', 'every setting came back, once');
is($node->safe_psql('target', q{SELECT value FROM hastecrm_perf.health_checks WHERE "check" = 'sequences' AND parameter = 'warning_ratio'}),
	'0.5', 'health_checks shows the restored threshold in force');
is($node->safe_psql('target', q{SELECT count(*) FROM hastecrm_perf.health() WHERE "check" = 'fk_without_index'}),
	'0', 'the restored mute still applies');

$node->stop;
done_testing();
