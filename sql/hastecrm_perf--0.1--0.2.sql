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

-- Thresholds and mutes a DBA sets. The defaults live in the library (see
-- health_checks), so the table holds only what was changed and pg_dump keeps
-- every row of it: a restore adds no second copy of a default to conflict with.
CREATE FUNCTION hastecrm_perf.health_setting_known(check_name text, parameter text)
RETURNS boolean
LANGUAGE C IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'health_setting_known';
COMMENT ON FUNCTION hastecrm_perf.health_setting_known(text, text) IS
  'Whether check_name is a health check and parameter one of its thresholds (or ''mute''): the CHECK of health_settings';

CREATE TABLE hastecrm_perf.health_settings (
    check_name text NOT NULL,
    parameter text NOT NULL DEFAULT 'mute',
    object text NOT NULL DEFAULT '',
    value float8,
    note text,
    PRIMARY KEY (check_name, parameter, object),
    CONSTRAINT health_settings_known CHECK (hastecrm_perf.health_setting_known(check_name, parameter)),
    CONSTRAINT health_settings_shape CHECK (
        (parameter = 'mute' AND value IS NULL)
        OR (parameter <> 'mute' AND object = '' AND value >= 0 AND value < 'Infinity'))
);
COMMENT ON TABLE hastecrm_perf.health_settings IS
  'Health thresholds changed from their defaults (parameter, value) and mutes (parameter ''mute'': object '''' mutes the whole check, else the findings with that object); kept by pg_dump';
SELECT pg_catalog.pg_extension_config_dump('hastecrm_perf.health_settings', '');

CREATE FUNCTION hastecrm_perf.health_catalog(
    OUT check_name text, OUT reports text, OUT needs_primary boolean, OUT needs_history boolean,
    OUT parameter text, OUT default_value float8, OUT unit text, OUT meaning text)
RETURNS SETOF record
LANGUAGE C IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'health_catalog';
COMMENT ON FUNCTION hastecrm_perf.health_catalog() IS
  'Every health check and its thresholds with their defaults, as the library knows them; read it through health_checks';

CREATE VIEW hastecrm_perf.health_checks AS
SELECT c.check_name AS "check", c.reports, c.parameter, c.default_value,
       coalesce(s.value, c.default_value) AS value, c.unit, c.meaning,
       c.needs_primary, c.needs_history,
       EXISTS (SELECT FROM hastecrm_perf.health_settings m
               WHERE m.check_name = c.check_name AND m.parameter = 'mute' AND m.object = '') AS muted,
       ARRAY(SELECT m.object FROM hastecrm_perf.health_settings m
             WHERE m.check_name = c.check_name AND m.parameter = 'mute' AND m.object <> ''
             ORDER BY m.object) AS muted_objects
FROM hastecrm_perf.health_catalog() c
LEFT JOIN hastecrm_perf.health_settings s
       ON s.check_name = c.check_name AND s.parameter = c.parameter AND s.object = '';
COMMENT ON VIEW hastecrm_perf.health_checks IS
  'Every check of health() with its thresholds: default and value in force (health_settings overrides), unit, meaning; whether it needs a primary or history; what is muted';

CREATE FUNCTION hastecrm_perf.health(
    OUT "check" text, OUT severity text, OUT object text, OUT value text, OUT threshold text,
    OUT detail text, OUT advice text, OUT since timestamptz)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'health';
COMMENT ON FUNCTION hastecrm_perf.health() IS
  'What is wrong with this server and database, worst first: one row per finding of every check in health_checks, with the statement that fixes it; reads no table page, takes no lock stronger than AccessShareLock';

REVOKE ALL ON FUNCTION hastecrm_perf.health() FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.health_catalog() FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.health_setting_known(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.health() TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.health_catalog() TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.health_setting_known(text, text) TO pg_monitor;
GRANT SELECT ON hastecrm_perf.health_settings, hastecrm_perf.health_checks TO pg_monitor;

-- (end of health)


-- Metrics for monitoring systems (SPEC §10) -----------------------------------



-- (end of metrics)


-- The report (SPEC §11) --------------------------------------------------------



-- (end of report)


-- Weekly maintenance: ANALYZE and REINDEX (SPEC §5) -----------------------------



-- (end of weekly maintenance)


-- Plans and index advice (SPEC §12) ---------------------------------------------



-- (end of advice)
