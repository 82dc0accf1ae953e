# Code of a table's owner that a maintenance job runs (a statement trigger on
# a DEFAULT partition while rows move out of it, a materialized view's
# function during a refresh) runs in a settings nest level that is rolled
# back (SPEC §5): what it sets with set_config(..., false) reaches neither the
# session that called manage_partitions() / run_maintenance() nor the next
# job of the worker.
use strict;
use warnings;
use Time::HiRes ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('owner_code');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'hastecrm_perf'
hastecrm_perf.naptime = 1
hastecrm_perf.worker_databases = ''
});
$node->start;

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub poll_within {
	my ($query, $limit) = @_;
	my $start = Time::HiRes::time();
	while (Time::HiRes::time() - $start < $limit) {
		my ($ret, $out) = $node->psql('postgres', $query);
		return 1 if $ret == 0 && $out eq 't';
		Time::HiRes::sleep(0.1);
	}
	diag("not true after $limit s: $query");
	return 0;
}

# The tenant owns a partitioned table whose DEFAULT partition has a statement
# trigger that changes settings for the rest of the session (and notes that
# it ran), a materialized view whose function does the same, and a second
# table whose trigger records the settings it runs with.
sql(q{
CREATE EXTENSION hastecrm_perf;
CREATE ROLE tenant;
CREATE SCHEMA t AUTHORIZATION tenant;
SET ROLE tenant;
CREATE TABLE t.fired (what text, at timestamptz DEFAULT clock_timestamp());
CREATE TABLE t.seen (work_mem text, read_only text, search_path text);
CREATE FUNCTION t.meddle() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('search_path', 't, pg_catalog', false);
  PERFORM set_config('default_transaction_read_only', 'on', false);
  PERFORM set_config('work_mem', '77kB', false);
END $$;
CREATE FUNCTION t.meddle_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO t.fired (what) VALUES (TG_TABLE_NAME);
  PERFORM t.meddle();
  RETURN NULL;
END $$;
CREATE FUNCTION t.meddle_value(v int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t.meddle();
  RETURN v;
END $$;
CREATE FUNCTION t.spy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO t.seen VALUES (current_setting('work_mem'),
    current_setting('transaction_read_only'), current_setting('search_path'));
  RETURN NULL;
END $$;

CREATE TABLE t.evil (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE t.evil_default PARTITION OF t.evil DEFAULT;
CREATE TRIGGER meddle AFTER DELETE ON t.evil_default
  FOR EACH STATEMENT EXECUTE FUNCTION t.meddle_trigger();
CREATE MATERIALIZED VIEW t.evil_mv AS SELECT sum(t.meddle_value(v)) AS total FROM t.evil;

CREATE TABLE t.spied (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE t.spied_default PARTITION OF t.spied DEFAULT;
CREATE TRIGGER spy AFTER DELETE ON t.spied_default
  FOR EACH STATEMENT EXECUTE FUNCTION t.spy();
});

# Rows of now()'s month wait in the DEFAULT partitions; the partitions made
# for them drain them (and fire the triggers).
sub rows_in_default {
	sql(q{
SET ROLE tenant;
DO $$
DECLARE p regclass;
BEGIN
  FOR p IN SELECT i.inhrelid::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent IN ('t.evil'::regclass, 't.spied'::regclass) AND NOT c.relpartbound::text LIKE '%is_default true%'
  LOOP EXECUTE format('DROP TABLE %s', p); END LOOP;
END $$;
INSERT INTO t.evil VALUES (now(), 1);
INSERT INTO t.spied VALUES (now(), 1);
});
}

my $settings_after = q{SHOW search_path; SHOW default_transaction_read_only; SHOW work_mem;};
my $untouched = qq{"\$user", public\noff\n4MB};

# 1. The caller of manage_partitions() (a superuser here) keeps its settings.
sql(q{INSERT INTO t.evil VALUES (now(), 1)});
my $out = sql(q{SELECT hastecrm_perf.manage_partitions('t.evil', 'monthly', 1) > 0;} . $settings_after);
is($out, "t\n$untouched", 'manage_partitions(): the trigger\'s settings stay in the job');
# One DELETE per partition made (the second finds no rows): statement
# triggers fire for each.
my $fired = sql(q{SELECT count(*) FROM t.fired});
ok($fired > 0, 'the trigger did run during the move');

# 2. The caller of run_maintenance(): the trigger runs during the partition
# job's move, the view's function during the refresh.
sql(q{SELECT hastecrm_perf.manage_partitions('t.spied', 'monthly', 1);
      SELECT hastecrm_perf.schedule_refresh('t.evil_mv', '1 microsecond', skip_unchanged => false)});
rows_in_default();
$out = sql(q{SELECT string_agg(status, ',' ORDER BY target) FROM hastecrm_perf.run_maintenance();}
	  . $settings_after);
is($out, "ok,ok,ok\n$untouched", 'run_maintenance(): every job ok, the caller\'s settings untouched');
ok(sql(q{SELECT count(*) FROM t.fired}) > $fired, 'the trigger ran again');
$fired = sql(q{SELECT count(*) FROM t.fired});
is(sql(q{SELECT string_agg(DISTINCT work_mem || ' ' || read_only || ' ' || search_path, '; ') FROM t.seen}),
	'4MB off pg_catalog, pg_temp', 'the job after it saw no setting of the trigger');

# 3. The worker: one session runs the jobs one after the other.
sql(q{TRUNCATE t.seen});
rows_in_default();
$node->append_conf('postgresql.conf', q{hastecrm_perf.worker_databases = 'postgres'});
$node->reload;
ok(poll_within(q{SELECT count(*) > 0 FROM t.seen}, 30), 'the worker moved the spied rows');
is(sql(q{SELECT string_agg(DISTINCT work_mem || ' ' || read_only, '; ') FROM t.seen}), '4MB off',
	'in the worker, the next job saw no setting of the trigger');
ok(sql(q{SELECT count(*) FROM t.fired}) > $fired, 'the worker ran the trigger');
ok(poll_within(q{SELECT count(*) >= 2 FROM hastecrm_perf.job_log
	WHERE target = 't.evil_mv' AND status = 'ok' AND started_at > (SELECT max(at) FROM t.fired)}, 30),
	'refreshes after the move still succeed (no read-only transaction left behind)');
is(sql(q{SELECT count(*) FROM hastecrm_perf.job_log WHERE status = 'error'}), '0', 'no job failed');

$node->stop;
done_testing();
