-- lock_chains() and lock_tree: shape, privileges and the quiet case.
-- (Real chains need concurrent sessions: see specs/lock_chains*.spec.)
CREATE EXTENSION hastecrm_perf;

-- The columns of SPEC §2, in order, with their types.
SELECT a.name, format_type(a.type, NULL) AS type
FROM pg_proc p, unnest(p.proargnames, p.proallargtypes) WITH ORDINALITY AS a(name, type, n)
WHERE p.oid = 'hastecrm_perf.lock_chains()'::regprocedure ORDER BY a.n;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'hastecrm_perf.lock_tree'::regclass AND attnum > 0 ORDER BY attnum;

-- The lock objects are documented and pin their search_path (extension.sql
-- checks every other member).
SELECT p.proname, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented, p.proconfig
FROM pg_proc p WHERE p.pronamespace = 'hastecrm_perf'::regnamespace AND p.proname IN ('lock_chains') ORDER BY 1;
SELECT c.relname, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented
FROM pg_class c WHERE c.relnamespace = 'hastecrm_perf'::regnamespace AND c.relname IN ('lock_tree') ORDER BY 1;

-- Nothing waits: no rows (and no error).
SELECT count(*) AS rows_when_quiet FROM hastecrm_perf.lock_chains();
SELECT count(*) AS tree_lines_when_quiet FROM hastecrm_perf.lock_tree;

-- It takes no relation lock: after a call in an open transaction, this
-- session holds only what the pg_locks query itself needs.
BEGIN;
SELECT count(*) FROM hastecrm_perf.lock_chains();
SELECT relation::regclass FROM pg_locks
WHERE pid = pg_backend_pid() AND locktype = 'relation' ORDER BY 1;
COMMIT;

-- Arguments are not accepted.
SELECT * FROM hastecrm_perf.lock_chains(NULL);
SELECT * FROM hastecrm_perf.lock_chains(1);

-- Privileges: PUBLIC has nothing; pg_monitor members may call it.
SELECT has_function_privilege('public', 'hastecrm_perf.lock_chains()', 'EXECUTE') AS public_execute,
       has_function_privilege('pg_monitor', 'hastecrm_perf.lock_chains()', 'EXECUTE') AS monitor_execute,
       has_table_privilege('pg_monitor', 'hastecrm_perf.lock_tree', 'SELECT') AS monitor_select;
CREATE ROLE lock_chains_plain;
CREATE ROLE lock_chains_monitor IN ROLE pg_monitor;
SET ROLE lock_chains_plain;
SELECT count(*) FROM hastecrm_perf.lock_chains();
SELECT count(*) FROM hastecrm_perf.lock_tree;
RESET ROLE;
-- With schema usage but no EXECUTE the refusal names the function.
GRANT USAGE ON SCHEMA hastecrm_perf TO lock_chains_plain;
SET ROLE lock_chains_plain;
\set VERBOSITY sqlstate
SELECT count(*) FROM hastecrm_perf.lock_chains();
\set VERBOSITY default
SELECT count(*) FROM hastecrm_perf.lock_chains();
RESET ROLE;
SET ROLE lock_chains_monitor;
SELECT count(*) AS monitor_rows FROM hastecrm_perf.lock_chains();
SELECT count(*) AS monitor_tree_lines FROM hastecrm_perf.lock_tree;
RESET ROLE;
REVOKE USAGE ON SCHEMA hastecrm_perf FROM lock_chains_plain;
DROP ROLE lock_chains_plain;
DROP ROLE lock_chains_monitor;

DROP EXTENSION hastecrm_perf;
