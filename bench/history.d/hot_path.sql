-- Nested statements timed by the hooks (track_nested = on): the cost per
-- statement, in ns, of 300,000 of them.
SET bench.loops = :loops;
DO $$
DECLARE
  loops int := current_setting('bench.loops')::int;
  started timestamptz := clock_timestamp();
BEGIN
  FOR i IN 1..loops LOOP PERFORM 1; END LOOP;
  RAISE NOTICE 'ns_per_statement %', round(extract(epoch FROM clock_timestamp() - started) * 1e9 / loops);
END $$;
