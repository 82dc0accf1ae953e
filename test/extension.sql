-- Installing, listing and removing the extension.
CREATE EXTENSION hastecrm_perf;

-- The schema is fixed and owned by the extension.
SELECT extname, extversion, extrelocatable, extnamespace::regnamespace AS schema
FROM pg_extension WHERE extname = 'hastecrm_perf';
SELECT obj_description('hastecrm_perf'::regnamespace, 'pg_namespace') IS NOT NULL AS schema_commented;

\dx+ hastecrm_perf

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
