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



-- (end of advice)
