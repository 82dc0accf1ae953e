-- Installing, listing and removing the extension.
CREATE EXTENSION hastecrm_perf;

-- The schema is fixed and owned by the extension.
SELECT extname, extversion, extrelocatable, extnamespace::regnamespace AS schema
FROM pg_extension WHERE extname = 'hastecrm_perf';
SELECT obj_description('hastecrm_perf'::regnamespace, 'pg_namespace') IS NOT NULL AS schema_commented;

-- Every member documents itself, and every function pins its search_path
-- (SPEC §1): each query lists the offenders, so it must return no rows.
SELECT p.oid::regprocedure AS function_without_comment
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hastecrm_perf')
  AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT p.oid::regprocedure AS function_without_search_path
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hastecrm_perf')
  AND p.prorettype <> 'event_trigger'::regtype
  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false);
SELECT c.oid::regclass AS relation_without_comment
FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hastecrm_perf')
  AND c.relkind IN ('r', 'v', 'm', 'p') AND obj_description(c.oid, 'pg_class') IS NULL;
-- Executable by PUBLIC: only the maintenance API, which checks ownership of its
-- target itself. Reports go to pg_monitor, the rest to superusers.
SELECT p.oid::regprocedure AS function_public
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hastecrm_perf')
  AND has_function_privilege('public', p.oid, 'EXECUTE');

-- It cannot move: relocatable = false.
CREATE SCHEMA elsewhere;
ALTER EXTENSION hastecrm_perf SET SCHEMA elsewhere;
DROP SCHEMA elsewhere;

-- A second CREATE fails cleanly; IF NOT EXISTS is a no-op.
CREATE EXTENSION hastecrm_perf;
CREATE EXTENSION IF NOT EXISTS hastecrm_perf;

-- DROP removes every object of the extension. The schema PostgreSQL created
-- for it is not an extension member (true of every fixed-schema extension):
-- it stays, empty, and a later CREATE EXTENSION reuses it.
DROP EXTENSION hastecrm_perf;
SELECT count(*) AS objects_left FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND NOT EXISTS (SELECT FROM pg_extension WHERE oid = refobjid);
SELECT count(*) AS relations_left FROM pg_class WHERE relnamespace = 'hastecrm_perf'::regnamespace;
SELECT count(*) AS functions_left FROM pg_proc WHERE pronamespace = 'hastecrm_perf'::regnamespace;
CREATE EXTENSION hastecrm_perf;

-- A user's own objects in that schema are never dropped with the extension.
CREATE TABLE hastecrm_perf.user_data (id int);
INSERT INTO hastecrm_perf.user_data VALUES (1);
DROP EXTENSION hastecrm_perf;
SELECT count(*) AS user_rows_kept FROM hastecrm_perf.user_data;
DROP SCHEMA hastecrm_perf CASCADE;
