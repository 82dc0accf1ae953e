-- Run in each benchmark database: where the queries to compare, their
-- timings and their figures go, and the procedure that times them.
CREATE EXTENSION hastecrm_perf;

-- One row per query compared in a part; `sql` returns one row, whose columns
-- (pages_read, dead_free_pct, figure_pct, margin_pct, density_pct, ...) the
-- report reads by name.
CREATE TABLE bench_variant (part text, position int, variant text, sql text);
CREATE TABLE bench_timing (part text, variant text, round int, ms float8);
CREATE TABLE bench_result (part text, variant text, result jsonb);
-- Sizes before and after the rewrite that gives the truth.
CREATE TABLE bench_truth (relation text PRIMARY KEY, before_bytes bigint, after_bytes bigint);

-- Alternates a part's queries, one call per transaction, each parsed and
-- planned at every call as when typed into psql. Only the EXECUTE is timed.
-- Round 0 is untimed: it loads the library into the session and brings the
-- pages into the caches. The result of the last call of each query is kept.
CREATE PROCEDURE bench_compare(which text, rounds int)
LANGUAGE plpgsql AS $$
DECLARE
  v record;
  started timestamptz;
  elapsed float8;
  result jsonb;
BEGIN
  FOR round IN 0..rounds LOOP
    FOR v IN SELECT b.variant, b.sql FROM bench_variant b WHERE b.part = which ORDER BY b.position LOOP
      started := clock_timestamp();
      EXECUTE 'SELECT to_jsonb(q) FROM (' || v.sql || E'\n) q' INTO result;
      elapsed := 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
      IF round > 0 THEN
        INSERT INTO bench_timing VALUES (which, v.variant, round, elapsed);
      END IF;
      DELETE FROM bench_result r WHERE r.part = which AND r.variant = v.variant;
      INSERT INTO bench_result VALUES (which, v.variant, result);
      COMMIT;
    END LOOP;
  END LOOP;
END $$;
