-- The row every waiter queues on, where the timings and checks go, and the
-- procedure that times lock_chains() against the recursive CTE and the bare query.
CREATE EXTENSION hastecrm_perf;

CREATE TABLE bench_rows (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO bench_rows VALUES (1, 0);

CREATE TABLE bench_timing (scenario text, max_connections int, waiters int, variant text, form text, round int, ms float8);
CREATE TABLE bench_check (
  scenario text, max_connections int, waiters int, rows int,
  edge_mismatches int, pid_set_mismatches int, tree_mismatches int);

-- Alternates the three queries, one call per transaction as a DBA would run
-- them (each transaction gets its own activity snapshot), each parsed and
-- planned at every call as when typed into psql. Each is timed in two forms:
-- "count", count(*) of its rows (the work of computing them), and "text",
-- count(t::text) (every column also turned into text, as a client receives
-- it). Only the EXECUTE is timed. Two untimed rounds first fill the caches.
-- A last pass ("count, paired") alternates lock_chains() and the bare query
-- only.
CREATE PROCEDURE bench_compare(scenario text, max_connections int, waiters int, rounds int, cte text)
LANGUAGE plpgsql AS $$
DECLARE
  sources constant text[] := ARRAY[
    'hastecrm_perf.lock_chains()',
    '(' || cte || E'\n)',
    '(SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE wait_event_type = ''Lock'')'];
  variants constant text[] := ARRAY['lock_chains', 'recursive_cte', 'bare_query'];
  forms constant text[] := ARRAY['count', 'text'];
  aggregates constant text[] := ARRAY['count(*)', 'count(t::text)'];
  started timestamptz;
  total bigint;
  q int;
BEGIN
  FOR round IN -1..rounds LOOP
    FOR f IN 1..2 LOOP
      FOR q IN 1..3 LOOP
        started := clock_timestamp();
        EXECUTE format('SELECT %s FROM %s t', aggregates[f], sources[q]) INTO total;
        IF round > 0 THEN
          INSERT INTO bench_timing VALUES (scenario, max_connections, waiters, variants[q], forms[f], round,
                                           1000 * extract(epoch FROM clock_timestamp() - started)::float8);
        END IF;
        COMMIT;
      END LOOP;
    END LOOP;
  END LOOP;
  -- Then lock_chains() and the bare query alone, in alternation: the two
  -- compared without the recursive CTE's tens of milliseconds between them
  -- (which leave every cache cold for the next query).
  FOR round IN -1..rounds LOOP
    FOREACH q IN ARRAY ARRAY[1, 3] LOOP
      started := clock_timestamp();
      EXECUTE format('SELECT count(*) FROM %s t', sources[q]) INTO total;
      IF round > 0 THEN
        INSERT INTO bench_timing VALUES (scenario, max_connections, waiters, variants[q], 'count, paired', round,
                                         1000 * extract(epoch FROM clock_timestamp() - started)::float8);
      END IF;
      COMMIT;
    END LOOP;
  END LOOP;
END $$;
