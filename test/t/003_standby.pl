# Every report works on a hot standby, where reads go at scale.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "shared_preload_libraries = 'hastecrm_perf'");
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	CREATE TABLE contacts (id int PRIMARY KEY, workspace_id int, note text);
	INSERT INTO contacts SELECT g, g % 7, repeat('n', 30) FROM generate_series(1, 5000) g;
	CREATE INDEX contacts_workspace ON contacts (workspace_id);
	DELETE FROM contacts WHERE id % 3 = 0;
	ANALYZE contacts;
});
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

my %reports = (
	'lock_chains()'       => 'SELECT count(*) >= 0 FROM hastecrm_perf.lock_chains()',
	'lock_tree'           => 'SELECT count(*) >= 0 FROM hastecrm_perf.lock_tree',
	'table_bloat()'       => q{SELECT estimate IS NOT NULL FROM hastecrm_perf.table_bloat() WHERE relname = 'contacts'},
	'index_bloat()'       => q{SELECT bool_and(estimate IS NOT NULL) FROM hastecrm_perf.index_bloat() WHERE relname = 'contacts'},
	'table_bloat_scan()'  => q{SELECT dead_pct > 0 AND method = 'full' FROM hastecrm_perf.table_bloat_scan('contacts')},
	'index_bloat_scan()'  => q{SELECT live_items > 0 FROM hastecrm_perf.index_bloat_scan('contacts_workspace')},
	'query_latency'       => 'SELECT count(*) > 0 FROM hastecrm_perf.query_latency',
	'slow_queries()'      => 'SELECT count(*) >= 0 FROM hastecrm_perf.slow_queries(0)',
	'n_plus_one'          => 'SELECT count(*) >= 0 FROM hastecrm_perf.n_plus_one',
	'query_histogram()'   => 'SELECT count(*) >= 0 FROM hastecrm_perf.query_histogram(1)',
);
for my $name (sort keys %reports) {
	my ($ret, $out, $err) = $standby->psql('postgres', $reports{$name});
	is($ret, 0, "$name runs on the standby") or diag($err);
	is($out, 't', "$name answers on the standby");
}

# The standby times its own statements (shared memory, no WAL).
$standby->safe_psql('postgres', 'SELECT count(*) FROM contacts WHERE workspace_id = 3') for 1 .. 3;
is($standby->safe_psql('postgres',
	q{SELECT calls FROM hastecrm_perf.query_latency WHERE query LIKE 'SELECT count(*) FROM contacts WHERE workspace_id = $1'}),
	'3', 'statements run on the standby are timed there');

my $log = slurp_file($standby->logfile);
unlike($log, qr/ERROR|FATAL|PANIC|terminated by signal/, 'no error in the standby log');

$standby->stop;
$primary->stop;
done_testing();
