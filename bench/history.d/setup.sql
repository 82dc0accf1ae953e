CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION btree_gist;
CREATE EXTENSION powa;
CREATE EXTENSION hastecrm_perf;
DO $$ BEGIN
  FOR t IN 0..49 LOOP EXECUTE format('CREATE TABLE bench_t%s (c int)', t); END LOOP;
END $$;
