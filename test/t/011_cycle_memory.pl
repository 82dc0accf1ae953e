# A maintenance cycle's memory stays flat over its jobs: each job's reading
# of the view, its outcome and what its subtransaction allocates go with a
# context of its own that is reset once the job is recorded. 300 refresh jobs
# in one run_maintenance() (the cycle runs in the calling query's expression
# context, where 0.1 kept all of it until the call ended); each view's query
# records, while its refresh runs, how large the expression contexts of the
# backend are.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $views = 300;
my $node = PostgreSQL::Test::Cluster->new('worker_memory');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = ''
});
$node->start;

$node->safe_psql('postgres', qq{
CREATE EXTENSION hastecrm_perf;
CREATE TABLE base (v int);
INSERT INTO base VALUES (1);
CREATE TABLE probe (n int, bytes bigint);
CREATE FUNCTION probe(n int) RETURNS int LANGUAGE plpgsql AS \$\$
BEGIN
  INSERT INTO public.probe
  SELECT n, sum(total_bytes) FROM pg_catalog.pg_backend_memory_contexts
  WHERE name = 'ExprContext';
  RETURN n;
END \$\$;
DO \$\$
BEGIN
  FOR i IN 1..$views LOOP
    EXECUTE format('CREATE MATERIALIZED VIEW mv_%s AS SELECT public.probe(%s) AS n, sum(v) AS total FROM public.base WITH NO DATA', i, i);
    PERFORM hastecrm_perf.schedule_refresh(format('mv_%s', i)::regclass, '1 hour');
  END LOOP;
END \$\$;
});
is($node->safe_psql('postgres',
	q{SELECT count(*) FILTER (WHERE status = 'ok') FROM hastecrm_perf.run_maintenance()}),
	$views, 'one run_maintenance() refreshed every view');
is($node->safe_psql('postgres', 'SELECT count(bytes) FROM probe'), $views, 'every refresh measured');
my ($early, $late) = split /\|/, $node->safe_psql('postgres',
	q{SELECT (SELECT bytes FROM probe WHERE n = 20), (SELECT bytes FROM probe WHERE n = } . $views . q{)});
diag("expression contexts: $early bytes at job 20, $late bytes at job $views");
# What remains per job is its row of the result (a few hundred bytes); 0.1
# kept each job's outcome, reading and bookkeeping there: about 4 kB a job.
cmp_ok($late - $early, '<', 512 * 1024, 'the cycle\'s memory stays flat over 280 jobs');

$node->stop;
done_testing();
