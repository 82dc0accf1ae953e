-- The row every waiter queues on, where the timings and checks go, and the
-- procedure that times lock_chains() against the recursive CTE.
CREATE EXTENSION hastecrm_perf;

CREATE TABLE bench_rows (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO bench_rows VALUES (1, 0);

CREATE TABLE bench_timing (scenario text, waiters int, variant text, round int, ms float8);
CREATE TABLE bench_check (
  scenario text, waiters int, rows int,
  edge_mismatches int, pid_set_mismatches int, tree_mismatches int);

-- Alternates the two queries, one call per transaction as a DBA would run them
-- (each transaction gets its own activity snapshot), each parsed and planned
-- at every call as when typed into psql. Only the EXECUTE is timed. Two
-- untimed rounds first fill the caches.
CREATE PROCEDURE bench_compare(scenario text, waiters int, rounds int, cte text)
LANGUAGE plpgsql AS $$
DECLARE
  a_sql constant text := 'SELECT sum(length(l::text)) FROM hastecrm_perf.lock_chains() l';
  b_sql constant text := 'SELECT sum(length(t::text)) FROM (' || cte || E'\n) t';
  a_ms float8[] := '{}';
  b_ms float8[] := '{}';
  started timestamptz;
  total bigint;
BEGIN
  FOR round IN -1..rounds LOOP
    started := clock_timestamp();
    EXECUTE a_sql INTO total;
    IF round > 0 THEN
      a_ms := a_ms || 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
    END IF;
    COMMIT;
    started := clock_timestamp();
    EXECUTE b_sql INTO total;
    IF round > 0 THEN
      b_ms := b_ms || 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
    END IF;
    COMMIT;
  END LOOP;
  INSERT INTO bench_timing
  SELECT scenario, waiters, 'lock_chains', r, ms FROM unnest(a_ms) WITH ORDINALITY AS t(ms, r)
  UNION ALL
  SELECT scenario, waiters, 'recursive_cte', r, ms FROM unnest(b_ms) WITH ORDINALITY AS t(ms, r);
END $$;
