-- hastecrm_perf 0.1 -> 0.2
-- PostgreSQL installs 0.1 and applies this script, so it serves fresh installs
-- and upgrades alike: everything here must keep the user's jobs, history and
-- settings of a 0.1 database.
\echo Use "ALTER EXTENSION hastecrm_perf UPDATE" to load this file. \quit

-- Truth and safety (SPEC §1-§5) ---------------------------------------------



-- (end of truth and safety)


-- History (SPEC §8) -----------------------------------------------------------



-- (end of history)


-- Health (SPEC §9) ------------------------------------------------------------



-- (end of health)


-- Metrics for monitoring systems (SPEC §10) -----------------------------------



-- (end of metrics)


-- The report (SPEC §11) --------------------------------------------------------



-- (end of report)


-- Weekly maintenance: ANALYZE and REINDEX (SPEC §5) -----------------------------



-- (end of weekly maintenance)


-- Plans and index advice (SPEC §12) ---------------------------------------------

CREATE FUNCTION hastecrm_perf.index_advice(
    OUT relid regclass, OUT index_ddl text, OUT queries int, OUT calls bigint,
    OUT time_ms float8, OUT cost_before float8, OUT cost_after float8,
    OUT est_size_bytes bigint, OUT write_penalty text)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'index_advice';

COMMENT ON FUNCTION hastecrm_perf.index_advice() IS
  'B-tree indexes that would serve the slow statements of this database (equality columns first, then the sort keys of an ORDER BY ... LIMIT or one range column, INCLUDE for an index-only scan), each validated by planning the statement with the index present hypothetically and kept only when the planner uses it and its cost falls by at least 30%';
REVOKE ALL ON FUNCTION hastecrm_perf.index_advice() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.index_advice() TO pg_monitor;



-- (end of advice)
