-- The GUCs of SPEC §6: names, defaults, units, contexts and bounds.
-- (The library is preloaded in the test server, so all of them exist.)
SELECT name, setting, unit, vartype, context, min_val, max_val, boot_val
FROM pg_settings WHERE name LIKE 'hastecrm\_perf.%' ORDER BY name;

-- Every GUC has a description.
SELECT count(*) AS undocumented FROM pg_settings
WHERE name LIKE 'hastecrm\_perf.%' AND coalesce(short_desc, '') = '';

-- User-settable ones: set, show, reset; bad values rejected by PostgreSQL.
SET hastecrm_perf.slow_query_ms = 250.5;
SHOW hastecrm_perf.slow_query_ms;
SET hastecrm_perf.slow_query_ms = '2s';
SET hastecrm_perf.slow_query_ms = -1;
SET hastecrm_perf.slow_query_ms = 'fast';
RESET hastecrm_perf.slow_query_ms;
SET hastecrm_perf.n_plus_one_threshold = 25;
SHOW hastecrm_perf.n_plus_one_threshold;
SET hastecrm_perf.n_plus_one_threshold = 1;
SET hastecrm_perf.n_plus_one_threshold = 2.5;  -- rounded, as for every integer GUC
SHOW hastecrm_perf.n_plus_one_threshold;
RESET hastecrm_perf.n_plus_one_threshold;

-- Superuser-only tracking switches.
SET hastecrm_perf.track_nested = on;
SHOW hastecrm_perf.track_nested;
SET hastecrm_perf.track_latency = 'maybe';
RESET hastecrm_perf.track_nested;

-- Plan capture: -1 follows slow_query_ms, -2 is off, other negatives are refused.
SET hastecrm_perf.plan_capture_ms = -2;
SHOW hastecrm_perf.plan_capture_ms;
SET hastecrm_perf.plan_capture_ms = 250;
SET hastecrm_perf.plan_capture_ms = -1.5;
SET hastecrm_perf.plan_capture_ms = -3;
RESET hastecrm_perf.plan_capture_ms;

-- Server-wide ones cannot be changed in a session.
SET hastecrm_perf.naptime = 5;
SET hastecrm_perf.worker_databases = 'crm';
SET hastecrm_perf.max_queries = 100;
SET hastecrm_perf.history_interval = 300;
SET hastecrm_perf.lock_episode_ms = 0;

-- Unknown names under our prefix are rejected, not silently kept.
SET hastecrm_perf.no_such_setting = 1;

-- A plain role can change user-level settings, not superuser-level ones.
CREATE ROLE hastecrm_settings_user;
SET ROLE hastecrm_settings_user;
SET hastecrm_perf.slow_query_ms = 10;
SET hastecrm_perf.track_latency = off;
SET hastecrm_perf.plan_capture_ms = 0;
RESET ROLE;
DROP ROLE hastecrm_settings_user;
