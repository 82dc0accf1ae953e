-- The row every waiter queues on, where the timings and checks go, and the
-- procedure that times lock_chains() against the recursive CTE and the bare query.
CREATE EXTENSION hastecrm_perf;

CREATE TABLE bench_rows (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO bench_rows VALUES (1, 0);

CREATE TABLE bench_timing (scenario text, max_connections int, waiters int, variant text, round int, ms float8);
CREATE TABLE bench_check (
  scenario text, max_connections int, waiters int, rows int,
  edge_mismatches int, pid_set_mismatches int, tree_mismatches int);

-- Alternates the three queries, one call per transaction as a DBA would run
-- them (each transaction gets its own activity snapshot), each parsed and
-- planned at every call as when typed into psql, each result turned into
-- text whole (what a client receives). Only the EXECUTE is timed. Two
-- untimed rounds first fill the caches.
CREATE PROCEDURE bench_compare(scenario text, max_connections int, waiters int, rounds int, cte text)
LANGUAGE plpgsql AS $$
DECLARE
  queries constant text[] := ARRAY[
    'SELECT sum(length(l::text)) FROM hastecrm_perf.lock_chains() l',
    'SELECT sum(length(t::text)) FROM (' || cte || E'\n) t',
    'SELECT sum(length(t::text)) FROM (SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity'
      ' WHERE wait_event_type = ''Lock'') t'];
  variants constant text[] := ARRAY['lock_chains', 'recursive_cte', 'bare_query'];
  started timestamptz;
  total bigint;
BEGIN
  FOR round IN -1..rounds LOOP
    FOR q IN 1..3 LOOP
      started := clock_timestamp();
      EXECUTE queries[q] INTO total;
      IF round > 0 THEN
        INSERT INTO bench_timing VALUES (scenario, max_connections, waiters, variants[q], round,
                                         1000 * extract(epoch FROM clock_timestamp() - started)::float8);
      END IF;
      COMMIT;
    END LOOP;
  END LOOP;
END $$;
