-- The weekly maintenance (SPEC §5): schedule_analyze(), schedule_reindex(),
-- unschedule_analyze(), unschedule_reindex(), their rows in the jobs view and
-- what run_maintenance() does with them. The worker is not running here
-- (no worker_databases): run_maintenance() drives the jobs by hand.
CREATE EXTENSION hastecrm_perf;
\set SHOW_CONTEXT never

SELECT p.oid::regprocedure AS function, pg_get_function_arguments(p.oid) AS arguments
FROM pg_proc p
WHERE p.pronamespace = 'hastecrm_perf'::regnamespace
  AND p.proname IN ('schedule_analyze', 'schedule_reindex', 'unschedule_analyze', 'unschedule_reindex')
ORDER BY 1;

-- Defaults, then shown in jobs (target: the database).
SELECT hastecrm_perf.schedule_analyze();
SELECT hastecrm_perf.schedule_reindex();
SELECT kind, target = quote_ident(current_database()) AS target_is_database, schedule,
       next_run, last_status, consecutive_failures
FROM hastecrm_perf.jobs WHERE kind IN ('analyze', 'reindex') ORDER BY kind;

-- Named arguments; WINDOW is a reserved word, so the name is quoted.
SELECT hastecrm_perf.schedule_analyze(every => '12 hours', "window" => '22:00-02:00');
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 40, min_bytes => 8192,
                                      every => '1 day', "window" => '01:00-05:00');
SELECT kind, schedule FROM hastecrm_perf.jobs WHERE kind IN ('analyze', 'reindex') ORDER BY kind;
SELECT kind, every, "window", min_bloat_pct, min_bytes FROM hastecrm_perf.maintenance_config ORDER BY kind;

-- Bad input: a clear error, nothing changed.
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => -1);
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 100.5);
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 'NaN');
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 'Infinity');
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => NULL);
SELECT hastecrm_perf.schedule_reindex(min_bytes => -1);
SELECT hastecrm_perf.schedule_reindex(min_bytes => NULL);
SELECT hastecrm_perf.schedule_reindex(every => NULL);
SELECT hastecrm_perf.schedule_reindex(every => '0 days');
SELECT hastecrm_perf.schedule_analyze(every => '-1 hour');
SELECT hastecrm_perf.schedule_analyze(every => '1 month -30 days');
SELECT hastecrm_perf.schedule_analyze(NULL);
SELECT hastecrm_perf.schedule_analyze("window" => '1:00-05:00');
SELECT hastecrm_perf.schedule_analyze("window" => '24:00-05:00');
SELECT hastecrm_perf.schedule_analyze("window" => '01:00-05:60');
SELECT hastecrm_perf.schedule_analyze("window" => '01:00 - 05:00');
SELECT hastecrm_perf.schedule_analyze("window" => '');
SELECT hastecrm_perf.schedule_analyze("window" => 'nightly');
SELECT hastecrm_perf.schedule_analyze("window" => '01:00-05:00'' OR ''1''=''1');
SELECT kind, every, "window", min_bloat_pct, min_bytes FROM hastecrm_perf.maintenance_config ORDER BY kind;
-- The table itself also refuses what the functions refuse.
UPDATE hastecrm_perf.maintenance_config SET "window" = '25:00-01:00' WHERE kind = 'analyze';
UPDATE hastecrm_perf.maintenance_config SET min_bloat_pct = 101 WHERE kind = 'reindex';

-- Only the database owner or a superuser; nothing changes otherwise.
CREATE ROLE weekly_other;
CREATE ROLE weekly_monitor IN ROLE pg_monitor;
SET ROLE weekly_other;
SELECT hastecrm_perf.schedule_analyze();
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 1, min_bytes => 0);
SELECT hastecrm_perf.unschedule_analyze();
SELECT hastecrm_perf.unschedule_reindex();
SELECT * FROM hastecrm_perf.maintenance_config;
SELECT count(*) FROM hastecrm_perf.jobs;
RESET ROLE;
SET ROLE weekly_monitor;
SELECT kind, schedule FROM hastecrm_perf.jobs WHERE kind IN ('analyze', 'reindex') ORDER BY kind;
SELECT hastecrm_perf.schedule_analyze();
RESET ROLE;
SELECT kind, every, "window", min_bloat_pct, min_bytes FROM hastecrm_perf.maintenance_config ORDER BY kind;

-- run_maintenance(): ANALYZE of what is stale, in this session. A window that
-- excludes now makes it not due; without a window it runs.
CREATE TABLE weekly_fresh (id int PRIMARY KEY, v text);
CREATE TABLE weekly_stale (id int PRIMARY KEY, v text);
CREATE TABLE weekly_events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE weekly_events_2020 PARTITION OF weekly_events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE "weekly ""odd"" name" (id int);
INSERT INTO weekly_fresh SELECT g, 'x' FROM generate_series(1, 1000) g;
INSERT INTO weekly_stale SELECT g, 'x' FROM generate_series(1, 1000) g;
INSERT INTO weekly_events SELECT g, date '2020-01-01' + g % 300 FROM generate_series(1, 500) g;
INSERT INTO "weekly ""odd"" name" VALUES (1);
-- The counters of the inserts must reach the statistics before ANALYZE
-- resets them, or they would count as changes after it.
SELECT pg_stat_force_next_flush();
ANALYZE weekly_fresh, weekly_stale, weekly_events_2020, "weekly ""odd"" name";
UPDATE weekly_stale SET v = 'y' WHERE id <= 500;
UPDATE weekly_fresh SET v = 'y' WHERE id <= 10;
SELECT pg_stat_force_next_flush();
SELECT hastecrm_perf.unschedule_reindex();
-- A window far from now (in UTC, partition_timezone's default).
SELECT hastecrm_perf.schedule_analyze("window" => to_char(now() AT TIME ZONE 'UTC' + interval '6 hours', 'HH24:MI')
       || '-' || to_char(now() AT TIME ZONE 'UTC' + interval '7 hours', 'HH24:MI'));
SELECT count(*) FROM hastecrm_perf.run_maintenance() WHERE kind = 'analyze';
SELECT hastecrm_perf.schedule_analyze();
SELECT kind, action, status FROM hastecrm_perf.run_maintenance() WHERE kind = 'analyze';
-- Ground truth: the stale table (500 of 1000 rows changed) and the parent
-- (never analyzed) were analyzed once more, the fresh ones (10 changed) not;
-- the partition was, by its parent's ANALYZE (PostgreSQL 15 recurses).
SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname LIKE 'weekly%' ORDER BY relname;
SELECT detail ~ 'public\.weekly_stale\M' AS stale, detail ~ 'public\.weekly_events($|,)' AS parent,
       detail ~ 'weekly_fresh' AS fresh, detail ~ 'weekly_events_2020' AS partition
FROM hastecrm_perf.job_log WHERE kind = 'analyze' ORDER BY id DESC LIMIT 1;
SELECT count(*) > 0 AS parent_has_statistics FROM pg_stats
WHERE schemaname = 'public' AND tablename = 'weekly_events' AND inherited;
SELECT last_status, consecutive_failures, next_run > now() + interval '23 hours' AS next_tomorrow
FROM hastecrm_perf.jobs WHERE kind = 'analyze';
-- Not due again.
SELECT count(*) FROM hastecrm_perf.run_maintenance() WHERE kind = 'analyze';

-- REINDEX CONCURRENTLY cannot run in run_maintenance()'s transaction: it says
-- the worker does it, and leaves the schedule as it was.
SELECT hastecrm_perf.schedule_reindex(min_bloat_pct => 0, min_bytes => 0);
SELECT kind, action, status, detail FROM hastecrm_perf.run_maintenance() WHERE kind = 'reindex';
SELECT next_run IS NULL AS still_due, last_run IS NULL AS never_ran FROM hastecrm_perf.jobs WHERE kind = 'reindex';

-- Inside a transaction block too, and a caller who owns nothing runs nothing.
BEGIN;
SELECT count(*) FROM hastecrm_perf.run_maintenance() WHERE kind = 'analyze';
COMMIT;
SET ROLE weekly_other;
SELECT kind FROM hastecrm_perf.run_maintenance() WHERE kind IN ('analyze', 'reindex');
RESET ROLE;

-- Unscheduling.
SELECT hastecrm_perf.unschedule_analyze();
SELECT hastecrm_perf.unschedule_analyze();
SELECT hastecrm_perf.unschedule_reindex();
SELECT hastecrm_perf.unschedule_reindex();
SELECT count(*) FROM hastecrm_perf.jobs WHERE kind IN ('analyze', 'reindex');

DROP TABLE weekly_fresh, weekly_stale, weekly_events, "weekly ""odd"" name";
DROP EXTENSION hastecrm_perf;
DROP ROLE weekly_other, weekly_monitor;
