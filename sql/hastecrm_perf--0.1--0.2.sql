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

CREATE FUNCTION hastecrm_perf.query_plan_entries(
    OUT userid oid, OUT dbid oid, OUT queryid bigint, OUT planid bigint, OUT plan text,
    OUT calls bigint, OUT mean_ms float8, OUT p95_ms float8, OUT max_ms float8,
    OUT first_seen timestamptz, OUT last_seen timestamptz, OUT sample_ms float8,
    OUT sampled_at timestamptz, OUT sample_analyzed boolean)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_plan_entries';

COMMENT ON FUNCTION hastecrm_perf.query_plan_entries() IS
  'Captured plans, one row per statement and plan shape (the rows of hastecrm_perf.query_plans)';
REVOKE ALL ON FUNCTION hastecrm_perf.query_plan_entries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_plan_entries() TO pg_monitor;

CREATE VIEW hastecrm_perf.query_plans AS
SELECT queryid, planid, plan, calls, mean_ms, p95_ms, first_seen, last_seen,
       userid, dbid, max_ms, sample_ms, sampled_at, sample_analyzed
FROM hastecrm_perf.query_plan_entries();

COMMENT ON VIEW hastecrm_perf.query_plans IS
  'Plans of statements slower than hastecrm_perf.plan_capture_ms: one row per statement and plan shape (a hash of the plan tree without constants), with the latency of every run that used that shape since, and the EXPLAIN text of one slow run with its literals masked';
REVOKE ALL ON hastecrm_perf.query_plans FROM PUBLIC;
GRANT SELECT ON hastecrm_perf.query_plans TO pg_monitor;

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
