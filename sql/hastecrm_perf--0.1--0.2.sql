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

-- Not STRICT: a NULL window gets a clear error, not a NULL page. VOLATILE
-- and PARALLEL UNSAFE: each section runs in a subtransaction of its own.
-- It reads no table and takes no lock beyond the catalogs' own; should a
-- source still queue behind a lock, a lock_timeout of its own (2 s) fails
-- that section only.
CREATE FUNCTION hastecrm_perf.report(
    during tstzrange DEFAULT pg_catalog.tstzrange(pg_catalog.now() - interval '1 day', pg_catalog.now()))
RETURNS text
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'report';
COMMENT ON FUNCTION hastecrm_perf.report(tstzrange) IS
  'One self-contained HTML page (inline SVG charts, no script) for the window: health findings, latency over time, slowest statements, regressions, N+1 suspects, lock waits, largest and fastest-growing relations with bloat, partitions and jobs; psql -XAtc "SELECT hastecrm_perf.report()" > report.html';
REVOKE ALL ON FUNCTION hastecrm_perf.report(tstzrange) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.report(tstzrange) TO pg_monitor;

-- (end of report)


-- Weekly maintenance: ANALYZE and REINDEX (SPEC §5) -----------------------------



-- (end of weekly maintenance)


-- Plans and index advice (SPEC §12) ---------------------------------------------



-- (end of advice)
