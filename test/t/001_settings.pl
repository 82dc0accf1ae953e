# The GUCs on a real server: defaults when preloaded, changes by reload, bad
# values rejected with PostgreSQL's own errors, postmaster-level ones only
# taking effect on restart; and CREATE EXTENSION without preloading.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'hastecrm_perf'");
$node->start;

sub setting { my ($name) = @_; return $node->safe_psql('postgres', "SHOW hastecrm_perf.$name"); }

my %defaults = (
	worker_databases => '', naptime => '1min', worker_role => '',
	lock_timeout => '1s', refresh_timeout => '0', partition_timezone => 'UTC',
	job_log_days => '7', track_latency => 'on', track_nested => 'off',
	max_queries => '5000', slow_query_ms => '100', n_plus_one_threshold => '10');
is(setting($_), $defaults{$_}, "default of hastecrm_perf.$_") for sort keys %defaults;

# A reload applies sighup settings.
$node->append_conf('postgresql.conf', qq{
hastecrm_perf.naptime = 5
hastecrm_perf.worker_databases = 'crm, "Sales DB"'
hastecrm_perf.partition_timezone = 'Europe/Paris'
hastecrm_perf.lock_timeout = '250ms'
});
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('hastecrm_perf.naptime') = '5s'")
  or die 'reload not seen';
is(setting('worker_databases'), 'crm, "Sales DB"', 'worker_databases reloaded');
is(setting('partition_timezone'), 'Europe/Paris', 'partition_timezone reloaded');
is(setting('lock_timeout'), '250ms', 'lock_timeout reloaded');

# Bad values in postgresql.conf are refused at reload; the old value stays.
my $log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', qq{
hastecrm_perf.worker_databases = 'crm,,billing'
hastecrm_perf.partition_timezone = 'Mars/Olympus_Mons'
hastecrm_perf.naptime = 0
hastecrm_perf.max_queries = 200
});
$node->reload;
$node->wait_for_log(qr/parameter "hastecrm_perf.max_queries" cannot be changed without restarting/, $log_offset);
ok($node->log_contains(qr/invalid value for parameter "hastecrm_perf.worker_databases".*\n.*empty name in list/, $log_offset),
	'an empty database name is rejected with a reason');
ok($node->log_contains(qr/invalid value for parameter "hastecrm_perf.partition_timezone"/, $log_offset),
	'an unknown time zone is rejected');
ok($node->log_contains(qr/0 s? ?is outside the valid range for parameter "hastecrm_perf.naptime"/, $log_offset),
	'naptime below 1 s is rejected');
is(setting('worker_databases'), 'crm, "Sales DB"', 'worker_databases kept its valid value');
is(setting('partition_timezone'), 'Europe/Paris', 'partition_timezone kept its valid value');
is(setting('naptime'), '5s', 'naptime kept its valid value');
is(setting('max_queries'), '5000', 'max_queries needs a restart');

# Fix the bad lines, restart: the postmaster-level setting now applies.
$node->append_conf('postgresql.conf', qq{
hastecrm_perf.worker_databases = 'crm'
hastecrm_perf.partition_timezone = 'UTC'
hastecrm_perf.naptime = 5
});
$node->restart;
is(setting('max_queries'), '200', 'max_queries applied on restart');
is(setting('worker_databases'), 'crm', 'worker_databases after restart');
$node->stop;

# Without shared_preload_libraries the extension still installs and its
# library loads on demand.
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION hastecrm_perf');
is($plain->safe_psql('postgres', "SELECT extversion = default_version FROM pg_extension, pg_available_extensions WHERE extname = 'hastecrm_perf' AND name = extname"),
	't', 'CREATE EXTENSION works without preloading, at the default version');
is($plain->safe_psql('postgres', q{
	CREATE FUNCTION pg_temp.live() RETURNS int AS 'hastecrm_perf', 'bridge_selftest_live_objects' LANGUAGE C;
	SELECT pg_temp.live();
	SHOW hastecrm_perf.naptime;}), "0\n1min", 'library loads on demand and defines its settings');
$plain->stop;

done_testing();
