-- Locks run_maintenance() holds until its caller commits (a function cannot
-- commit per job): 200 parents, premake raised 1 -> 5, 800 partitions made.
-- Run by hand in a scratch database of a server with hastecrm_perf preloaded:
--   psql -X -q -f bench/partitions.d/locks_held.sql
CREATE EXTENSION hastecrm_perf;
DO $$ BEGIN
  FOR i IN 1..200 LOOP
    EXECUTE format('CREATE TABLE p%s (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at)', i);
    PERFORM hastecrm_perf.manage_partitions(format('p%s', i)::regclass, 'monthly', 1);
  END LOOP;
END $$;
UPDATE hastecrm_perf.partition_config SET premake = 5;
BEGIN;
SELECT status, count(*) AS jobs, sum((regexp_match(action, 'create (\d+)'))[1]::int) AS created
FROM hastecrm_perf.run_maintenance() GROUP BY status;
SELECT count(*) AS locks_held_before_commit FROM pg_locks WHERE pid = pg_backend_pid();
COMMIT;
SHOW max_locks_per_transaction;
