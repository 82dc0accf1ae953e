-- :statements distinct statements (one queryid each), each run :calls times:
-- 50 tables × up to 100 shapes (1..k equal conditions), nested in PL/pgSQL,
-- so both trackers must count nested statements.
SET bench.statements = :statements;
SET bench.calls = :calls;
DO $$
DECLARE
  wanted int := current_setting('bench.statements')::int;
  per_table int := greatest(1, ceil(wanted / 50.0)::int);
  done int := 0;
  sql text;
BEGIN
  FOR t IN 0..49 LOOP
    FOR k IN 1..per_table LOOP
      EXIT WHEN done >= wanted;
      sql := format('SELECT count(*) FROM bench_t%s WHERE %s', t,
                    (SELECT string_agg('c = 1', ' AND ') FROM generate_series(1, k)));
      FOR r IN 1..current_setting('bench.calls')::int LOOP
        EXECUTE sql;
      END LOOP;
      done := done + 1;
    END LOOP;
  END LOOP;
END $$;
