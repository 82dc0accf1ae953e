# The replication check on both ends of a streaming standby: lag on the
# primary, the WAL receiver on the standby; a standby that stops shows as
# gone (not as "0 lag"), its slot retaining WAL; a standby whose primary
# stops shows its receiver down. health() runs on the standby, where the
# checks that need a primary say so.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('health_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "shared_preload_libraries = 'hastecrm_perf'");
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION hastecrm_perf;
	SELECT pg_create_physical_replication_slot('standby_slot');
	-- Small thresholds so that a test-sized lag and retention are findings.
	INSERT INTO hastecrm_perf.health_settings VALUES
	    ('replication', 'warning_lag_bytes', '', 0), ('replication', 'warning_retained_bytes', '', 1048576);
	CREATE TABLE filler (pad text);
});
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('health_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', "primary_slot_name = 'standby_slot'");
$standby->start;
$primary->wait_for_catchup($standby);

sub replication_findings {
	my ($node) = @_;
	return $node->safe_psql('postgres', q{
		SELECT coalesce(string_agg(severity || ' | ' || object || ' | ' || detail, E'\n' ORDER BY object), '')
		FROM hastecrm_perf.health() WHERE "check" = 'replication'});
}

my $on_primary = replication_findings($primary);
note $on_primary;
like($on_primary, qr/^warning \| standby health_standby \| replay lag of a async standby/m,
	'the primary reports its connected standby with its lag');
unlike($on_primary, qr/standby_slot/, 'an active slot retaining little is no finding');

my $on_standby = replication_findings($standby);
note $on_standby;
# (warning_lag_bytes = 0 replicated too: a caught-up replay of 0 bytes is
# at that threshold, so only the receiver is asserted here.)
unlike($on_standby, qr/WAL receiver/, 'on a streaming standby the WAL receiver is up');
is($standby->safe_psql('postgres', q{SELECT detail FROM hastecrm_perf.health() WHERE "check" = 'autovacuum'}),
	'not judged on a standby: this check needs a primary\'s statistics', 'autovacuum says it needs a primary');
my ($ret, $out, $err) = $standby->psql('postgres', 'SELECT count(*) FROM hastecrm_perf.health()');
is($ret, 0, 'health() runs on the standby') or diag $err;

# The standby stops: it is gone, its slot keeps the WAL written meanwhile.
$standby->stop;
$primary->safe_psql('postgres', q{
	INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 5000);
	SELECT pg_switch_wal();
	CHECKPOINT;
});
$on_primary = replication_findings($primary);
note $on_primary;
unlike($on_primary, qr/standby health_standby/, 'a stopped standby is not reported with a lag of 0');
like($on_primary, qr/^warning \| physical slot standby_slot \| no standby streams from this slot: the standby is gone/m,
	'its inactive physical slot shows the standby as gone');
like($on_primary, qr/slot retains [0-9.]+ MB of WAL/, 'with the WAL the slot retains');
like($primary->safe_psql('postgres', q{SELECT advice FROM hastecrm_perf.health() WHERE object = 'physical slot standby_slot'}),
	qr/^SELECT pg_catalog\.pg_drop_replication_slot\('standby_slot'\);/, 'the advice drops that slot');

# The standby comes back and the primary stops: its receiver is down.
$standby->start;
$primary->wait_for_catchup($standby);
$primary->stop;
$on_standby = replication_findings($standby);
note $on_standby;
like($on_standby, qr/^critical \| WAL receiver \| this standby is not receiving WAL from its primary/m,
	'a standby whose primary is gone reports its WAL receiver down');

my $log = slurp_file($standby->logfile) . slurp_file($primary->logfile);
unlike($log, qr/terminated by signal|PANIC/, 'no crash on either node');
$standby->stop;
done_testing();
