-- The many-tables case: small tables of 3 to 10 rows each, vacuumed and
-- analyzed (catalogs and tables in the steady state autovacuum leaves).
-- psql variables: tables, ioguix (the text of ioguix_table.sql).
--
-- A procedure, to commit every 100 tables: one transaction holding the locks
-- of thousands of new relations would overflow the lock table.
CREATE PROCEDURE make_tables(n int)
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    EXECUTE format('CREATE TABLE t_%s (id int PRIMARY KEY, a int, b text)', i);
    EXECUTE format('INSERT INTO t_%s SELECT g, g * 7, repeat(''x'', 10 + g) FROM generate_series(1, %s) g',
                   i, 3 + i % 8);
    IF i % 100 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END $$;
CALL make_tables(:tables);
VACUUM ANALYZE;

-- Both over every table of the database, catalogs included, as a DBA runs
-- them; each counts the tables it reports and the small ones it calls bloated
-- (none is: each fits in its one page).
INSERT INTO bench_variant VALUES
('many', 1, 'table_bloat()', $q$
  SELECT count(*) AS tables, count(*) FILTER (WHERE relname LIKE 't\_%' AND bloat_pct > 0) AS bloated
  FROM hastecrm_perf.table_bloat()$q$),
('many', 2, 'ioguix query', format($q$
  SELECT count(*) AS tables, count(*) FILTER (WHERE tblname LIKE 't\_%%' AND bloat_pct > 0) AS bloated
  FROM (%s
  ) i$q$, :'ioguix'));
