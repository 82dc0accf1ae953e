-- Plan capture (SPEC §12): slow statements keep their plan, one row per plan
-- shape; constants never make a new plan; a plan change after a new index is
-- a second row with its own latency; literals never appear; text privileges.
CREATE EXTENSION hastecrm_perf;
CREATE TABLE plan_t (a int, b text);
INSERT INTO plan_t SELECT g, 'row ' || g FROM generate_series(1, 10000) g;
ANALYZE plan_t;
SET hastecrm_perf.plan_capture_ms = 15;

\o /dev/null
-- Slow by a 20 ms sleep per matching row; the constants differ every time.
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 5;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 6;
SELECT pg_sleep(0.02), b FROM plan_t WHERE b = 'secret-literal-4242' OR a = 7;
-- The same statement, fast: counted into its plan's entry all the same.
SELECT pg_sleep(0.0), b FROM plan_t WHERE a = 8;
\o

SELECT count(*) AS plans, sum(calls) AS calls,
       bool_and(plan ~ '^Seq Scan on plan_t') AS seq_scan_plan,
       bool_and(plan ~ 'Filter: \(a = \?\)') AS constant_masked,
       bool_and(p95_ms >= 15 AND mean_ms > 10 AND max_ms >= 20) AS latency_of_runs,
       bool_and(sample_ms >= 20 AND NOT sample_analyzed) AS sample_kept
FROM hastecrm_perf.query_plans
WHERE queryid IN (SELECT queryid FROM hastecrm_perf.query_latency WHERE query ~ '^SELECT pg_sleep\(\$1\), b FROM plan_t WHERE a = \$2$');

-- The OR query is another statement; its string literal is never kept.
SELECT count(*) AS plans_with_literals FROM hastecrm_perf.query_plans WHERE plan ~ 'secret|4242';
SELECT count(*) AS or_plans FROM hastecrm_perf.query_plans
WHERE queryid IN (SELECT queryid FROM hastecrm_perf.query_latency WHERE query ~ 'OR a = ');

-- A new index changes the plan: a second row, with its own latency.
CREATE INDEX plan_t_a ON plan_t (a);
ANALYZE plan_t;
\o /dev/null
-- A fast run on the new plan gets the new plan its row (with its own
-- latency), then a slow one counts into it.
SET hastecrm_perf.plan_capture_ms = -2;
SELECT pg_sleep(0.15);
SET hastecrm_perf.plan_capture_ms = 15;
SELECT pg_sleep(0.0), b FROM plan_t WHERE a = 10;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 9;
\o
SELECT plan ~ '^Seq Scan' AS seq_scan, plan ~ 'Index Scan using plan_t_a' AS index_scan, calls,
       max_ms >= 20 AS had_slow_run,
       plan ~ 'Index Cond: \(a = \?\)' AS constant_masked
FROM hastecrm_perf.query_plans
WHERE queryid IN (SELECT queryid FROM hastecrm_perf.query_latency WHERE query ~ '^SELECT pg_sleep\(\$1\), b FROM plan_t WHERE a = \$2$')
ORDER BY first_seen;

-- Sampled ANALYZE: with plan_capture_analyze, one in ten runs of a known slow
-- statement is instrumented, and its kept text has actual times and buffers.
SET hastecrm_perf.plan_capture_analyze = on;
\o /dev/null
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 10;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 11;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 12;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 13;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 14;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 15;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 16;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 17;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 18;
-- EXPLAIN runs at most 10 times a second server-wide: wait that out.
SET hastecrm_perf.plan_capture_ms = -2;
SELECT pg_sleep(0.15);
SET hastecrm_perf.plan_capture_ms = 15;
SELECT pg_sleep(0.02), b FROM plan_t WHERE a = 19;
\o
SELECT bool_or(sample_analyzed) AS analyzed_sample,
       bool_or(plan ~ 'actual time=' AND plan ~ 'Buffers: shared') AS actual_figures
FROM hastecrm_perf.query_plans
WHERE queryid IN (SELECT queryid FROM hastecrm_perf.query_latency WHERE query ~ '^SELECT pg_sleep\(\$1\), b FROM plan_t WHERE a = \$2$');
RESET hastecrm_perf.plan_capture_analyze;

-- Statements run by a function are captured when they are timed anyway
-- (track_nested), never otherwise.
CREATE FUNCTION pg_temp.slow_inside(k int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
  SELECT count(*) INTO n FROM plan_t, pg_sleep(0.02) WHERE a = k AND b IS NOT NULL;
  RETURN n;
END $$;
\o /dev/null
SELECT pg_temp.slow_inside(3);
SET hastecrm_perf.plan_capture_ms = -2;
SELECT pg_sleep(0.15);
SET hastecrm_perf.plan_capture_ms = 15;
SET hastecrm_perf.track_nested = on;
SELECT pg_temp.slow_inside(4);
RESET hastecrm_perf.track_nested;
\o
SELECT count(*) AS nested_plans, sum(calls) AS nested_calls FROM hastecrm_perf.query_plans WHERE plan ~ 'Function Scan on pg_sleep';

-- Off: nothing new is kept.
SET hastecrm_perf.plan_capture_ms = -2;
\o /dev/null
SELECT pg_sleep(0.02), a FROM plan_t WHERE b = 'row 3';
\o
SELECT count(*) AS captured_while_off FROM hastecrm_perf.query_plans
WHERE queryid IN (SELECT queryid FROM hastecrm_perf.query_latency WHERE query ~ '^SELECT pg_sleep\(\$1\), a FROM plan_t WHERE b = ');
RESET hastecrm_perf.plan_capture_ms;

-- Privileges: PUBLIC may not read plans; a role granted them sees its own
-- plans' text and only that (pg_monitor includes pg_read_all_stats, which
-- sees every text, as in pg_stat_activity).
CREATE ROLE plans_reader;
CREATE ROLE plans_nobody;
GRANT SELECT ON plan_t TO plans_reader;
GRANT SELECT ON hastecrm_perf.query_plans TO plans_reader;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_plan_entries() TO plans_reader;
GRANT USAGE ON SCHEMA hastecrm_perf TO plans_reader;
SET hastecrm_perf.plan_capture_ms = 15;
\o /dev/null
-- EXPLAIN runs at most 10 times a second server-wide: wait that out.
SET hastecrm_perf.plan_capture_ms = -2;
SELECT pg_sleep(0.15);
SET hastecrm_perf.plan_capture_ms = 15;
SET ROLE plans_reader;
SELECT pg_sleep(0.02), a FROM plan_t WHERE b = 'row 5';
\o
SELECT count(*) FILTER (WHERE plan ~ 'Filter: \(b = ') AS own_plan_visible,
       count(*) FILTER (WHERE plan = '<insufficient privilege>') > 0 AS others_hidden,
       count(*) FILTER (WHERE plan ~ 'plan_t' AND userid <> 'plans_reader'::regrole) AS others_shown
FROM hastecrm_perf.query_plans;
RESET ROLE;
SET ROLE plans_nobody;
SELECT count(*) FROM hastecrm_perf.query_plans;
RESET ROLE;
RESET hastecrm_perf.plan_capture_ms;
REVOKE ALL ON hastecrm_perf.query_plans FROM plans_reader;
REVOKE ALL ON FUNCTION hastecrm_perf.query_plan_entries() FROM plans_reader;
REVOKE ALL ON SCHEMA hastecrm_perf FROM plans_reader;
REVOKE ALL ON plan_t FROM plans_reader;
DROP ROLE plans_nobody;
DROP ROLE plans_reader;
DROP TABLE plan_t;
DROP EXTENSION hastecrm_perf;
