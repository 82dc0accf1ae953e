# table_bloat()'s TOAST estimate against what VACUUM FULL gives back (SPEC §3):
# values of two chunks, the second a quarter full, 30% deleted, VACUUM. The
# estimate must find at least half of the real reclaimable TOAST space and
# never more than is there; look-alike tables that are not bloated (the same
# values, and values whose last chunk is nearly full) must report little.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('toast_bloat');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION hastecrm_perf');

# 20,000 values stored out of line and uncompressed (STORAGE EXTERNAL), so
# their chunks are exactly 1,996 bytes and a remainder: 2,560 bytes make one
# full chunk and 564 bytes, 3,900 bytes a full one and 1,904.
sub make_table {
	my ($name, $bytes) = @_;
	$node->safe_psql('postgres', qq{
		CREATE TABLE $name (id int PRIMARY KEY, body text);
		ALTER TABLE $name ALTER body SET STORAGE EXTERNAL;
		INSERT INTO $name SELECT i, repeat(md5(i::text), $bytes / 32 + 1)::varchar($bytes)
		FROM generate_series(1, 20000) i;
	});
	# In a session of its own: the inserting one reports its rows when it
	# ends, and they would count as modified since this ANALYZE.
	$node->safe_psql('postgres', "VACUUM ANALYZE $name");
}

sub sizes {
	my ($name) = @_;
	return split /\|/, $node->safe_psql('postgres', qq{
		SELECT pg_relation_size(c.oid), pg_relation_size(c.reltoastrelid)
		FROM pg_class c WHERE c.oid = '$name'::regclass});
}

sub estimate {
	my ($name) = @_;
	return split /\|/, $node->safe_psql('postgres', qq{
		SELECT bloat_bytes, toast_bytes, estimate FROM hastecrm_perf.table_bloat()
		WHERE relid = '$name'::regclass});
}

make_table('bloated', 2560);
make_table('packed', 2560);
make_table('full_last', 3900);

# The deletion, in its own session: its statistics reach the server when it ends.
$node->safe_psql('postgres', 'DELETE FROM bloated WHERE id % 10 < 3');
$node->safe_psql('postgres', 'VACUUM ANALYZE bloated');
$node->safe_psql('postgres', 'VACUUM full_last');

my ($bloat, $toast_bytes, $quality) = estimate('bloated');
my ($heap_before, $toast_before) = sizes('bloated');
$node->safe_psql('postgres', 'VACUUM FULL bloated');
my ($heap_after, $toast_after) = sizes('bloated');
my $toast_truth = $toast_before - $toast_after;
my $heap_truth = $heap_before - $heap_after;
note sprintf('bloated: TOAST %.1f MB, VACUUM FULL gives back %.1f MB of it and %.2f MB of the heap; '
	  . 'table_bloat() reports %.1f MB (%s)',
	$toast_before / 2**20, $toast_truth / 2**20, $heap_truth / 2**20, $bloat / 2**20, $quality);

is($quality, 'ok', 'bloated: estimate ok');
is($toast_bytes, $toast_before, 'bloated: toast_bytes is the TOAST relation size');
cmp_ok($toast_truth, '>', 0.25 * $toast_before, 'bloated: the rewrite gives back over a quarter of the TOAST table');
cmp_ok($bloat, '>=', $toast_truth / 2, 'bloated: at least half of the reclaimable TOAST space found');
cmp_ok($bloat, '<=', $toast_truth + $heap_truth, 'bloated: no more than the rewrite gives back');
cmp_ok($bloat, '<=', $toast_before + $heap_before, 'bloated: no more than the table holds');

for my $name ('packed', 'full_last') {
	my ($b, $t, $q) = estimate($name);
	note sprintf('%s: TOAST %.1f MB, table_bloat() reports %.2f MB (%s)', $name, $t / 2**20, $b / 2**20, $q);
	is($q, 'ok', "$name: estimate ok");
	cmp_ok($b, '<=', 0.02 * $t, "$name: not bloated, and reported under 2% of its TOAST size");
}

$node->stop;
done_testing();
