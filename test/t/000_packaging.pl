# Packaging facts no server is needed for: META.json follows the PGXN meta
# spec 1.0.0 and agrees with the control file and the install script.
use strict;
use warnings;
use JSON::PP;
use Test::More;

sub slurp { my ($path) = @_; open my $fh, '<', $path or die "$path: $!"; local $/; return <$fh>; }

my $meta = decode_json(slurp('META.json'));
my $control = slurp('hastecrm_perf.control');
my ($default_version) = $control =~ /^default_version\s*=\s*'([^']+)'/m;
my $semver = qr/^\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+)?$/;

for my $key (qw(name abstract version maintainer license provides meta-spec)) {
	ok(exists $meta->{$key}, "META.json has required key $key");
}
is($meta->{'meta-spec'}{version}, '1.0.0', 'meta-spec version 1.0.0');
is($meta->{name}, 'hastecrm_perf', 'distribution name');
like($meta->{version}, $semver, 'distribution version is semantic');
ok(ref $meta->{maintainer} eq 'ARRAY' || !ref $meta->{maintainer}, 'maintainer is a string or list');
like($meta->{license}, qr/^(postgresql|apache_2_0|bsd|mit|gpl_3|lgpl_3_0|perl_5|restricted|open_source|unknown)$/,
	'license is one the spec names');

my $ext = $meta->{provides}{hastecrm_perf};
ok($ext, 'provides the extension');
like($ext->{version}, $semver, 'extension version is semantic');
ok(-f $ext->{file}, "provided file $ext->{file} exists");
# The provided file is the base install script; update scripts lead from it to
# default_version (PostgreSQL installs the base and applies the updates).
my ($base_version) = $ext->{file} =~ /^sql\/hastecrm_perf--([0-9.]+)\.sql$/;
ok(defined $base_version, 'provided file is a base install script');
my $version = $base_version // '';
while ($version ne $default_version) {
	my ($next) = map { /--\Q$version\E--([0-9.]+)\.sql$/ ? $1 : () } glob('sql/hastecrm_perf--*--*.sql');
	last unless defined $next;
	$version = $next;
}
is($version, $default_version, 'update scripts lead from the provided file to default_version');
is($ext->{version}, "$default_version.0", 'META version matches default_version');

my $pg = $meta->{prereqs}{runtime}{requires}{PostgreSQL};
ok(defined $pg, 'PostgreSQL prerequisite named');
my ($major, $minor) = split /\./, ($pg // '0.0');
ok($major > 15 || ($major == 15 && $minor >= 4), "PostgreSQL prerequisite $pg is at least 15.4");

like($control, qr/^relocatable\s*=\s*false/m, 'control: not relocatable');
like($control, qr/^schema\s*=\s*hastecrm_perf/m, 'control: fixed schema hastecrm_perf');

done_testing();
