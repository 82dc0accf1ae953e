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

-- The database-wide jobs: one row per kind, set by schedule_analyze() and
-- schedule_reindex(), which only the database owner (or a superuser) may call.
CREATE TABLE hastecrm_perf.maintenance_config (
    kind text PRIMARY KEY CHECK (kind IN ('analyze', 'reindex')),
    every interval NOT NULL,
    "window" text CHECK ("window" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$'),
    min_bloat_pct float8 CHECK (min_bloat_pct BETWEEN 0 AND 100),
    min_bytes bigint CHECK (min_bytes >= 0),
    next_run timestamptz,
    last_run timestamptz,
    last_status text,
    last_error text,
    consecutive_failures int NOT NULL DEFAULT 0
);
COMMENT ON TABLE hastecrm_perf.maintenance_config IS
  'The weekly maintenance of the database: ANALYZE of stale tables and REINDEX CONCURRENTLY of bloated indexes (see schedule_analyze, schedule_reindex)';
SELECT pg_catalog.pg_extension_config_dump('hastecrm_perf.maintenance_config', '');
REVOKE ALL ON hastecrm_perf.maintenance_config FROM PUBLIC;

-- WINDOW is a reserved word: the argument is named "window" in quotes.
CREATE FUNCTION hastecrm_perf.schedule_analyze(every interval DEFAULT '1 day',
    "window" text DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'schedule_analyze';
COMMENT ON FUNCTION hastecrm_perf.schedule_analyze(interval, text) IS
  'Analyzes, every interval (inside the HH:MM-HH:MM window of partition_timezone), the tables whose statistics are stale by the autoanalyze rule and every partitioned parent that needs it';

CREATE FUNCTION hastecrm_perf.schedule_reindex(min_bloat_pct float8 DEFAULT 30,
    min_bytes bigint DEFAULT 104857600, every interval DEFAULT '7 days',
    "window" text DEFAULT NULL)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'schedule_reindex';
COMMENT ON FUNCTION hastecrm_perf.schedule_reindex(float8, bigint, interval, text) IS
  'Rebuilds CONCURRENTLY, every interval (inside the window), the B-trees whose measured bloat and size reach the minimums; the worker runs it';

CREATE FUNCTION hastecrm_perf.unschedule_analyze()
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'unschedule_analyze';
COMMENT ON FUNCTION hastecrm_perf.unschedule_analyze() IS
  'Stops the scheduled ANALYZE of the database';

CREATE FUNCTION hastecrm_perf.unschedule_reindex()
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'unschedule_reindex';
COMMENT ON FUNCTION hastecrm_perf.unschedule_reindex() IS
  'Stops the scheduled rebuilds of bloated indexes';

-- The jobs view as in 0.1, with the database-wide jobs (target: the database).
CREATE OR REPLACE VIEW hastecrm_perf.jobs AS
SELECT 'partitions'::text AS kind,
       coalesce(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
                p.parent::oid::text) AS target,
       p.step || ', premake ' || p.premake
         || coalesce(', retention ' || p.retention || ' (' || p.retention_action || ')', '')
         AS schedule,
       p.next_run, p.last_run, p.last_status, p.last_error, p.consecutive_failures
FROM hastecrm_perf.partition_config p
LEFT JOIN pg_catalog.pg_class c ON c.oid = p.parent
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
UNION ALL
SELECT 'refresh',
       coalesce(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
                r.view::oid::text),
       'every ' || r.every
         || CASE r."concurrently" WHEN true THEN ', concurrently' WHEN false THEN ', plain' ELSE '' END
         || CASE WHEN r.skip_unchanged THEN ', skip unchanged' ELSE '' END,
       r.next_run, r.last_run, r.last_status, r.last_error, r.consecutive_failures
FROM hastecrm_perf.refresh_config r
LEFT JOIN pg_catalog.pg_class c ON c.oid = r.view
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
UNION ALL
SELECT m.kind,
       pg_catalog.quote_ident(pg_catalog.current_database()),
       'every ' || m.every
         || CASE WHEN m.kind = 'reindex'
                 THEN ', bloat >= ' || m.min_bloat_pct || '%, size >= '
                      || pg_catalog.pg_size_pretty(m.min_bytes)
                 ELSE '' END
         || coalesce(', window ' || m."window", ''),
       m.next_run, m.last_run, m.last_status, m.last_error, m.consecutive_failures
FROM hastecrm_perf.maintenance_config m;



-- (end of weekly maintenance)


-- Plans and index advice (SPEC §12) ---------------------------------------------



-- (end of advice)
