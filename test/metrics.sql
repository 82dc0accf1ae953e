-- Metrics for monitoring systems (SPEC §10): query_latency_buckets() on a
-- known workload, monotone across recordings, its bad input; the metrics
-- views (jobs, partitions missing ahead, locks, health) and their privileges.
CREATE EXTENSION hastecrm_perf;
\set VERBOSITY terse

-- 8 sleeps of 3 ms, 2 of 20 ms, 1 of 80 ms: one statement, each sleep far
-- from the bounds of the ladder {2 ms, 15 ms, 60 ms, 5 s} (a loaded machine
-- makes a sleep longer, never shorter).
\o /dev/null
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.003);
SELECT 1 FROM pg_sleep(0.020);
SELECT 1 FROM pg_sleep(0.020);
SELECT 1 FROM pg_sleep(0.080);
\o
CREATE TEMP TABLE sleeper AS
SELECT queryid FROM hastecrm_perf.query_latency WHERE query = 'SELECT $1 FROM pg_sleep($2)';
SELECT count(*) AS sleeper_entries FROM sleeper;

-- Cumulative counts at each bound; count is every call (the +Inf bucket);
-- sum and count agree with query_latency.
SELECT b.le, b.cumulative, b.count, l.calls = b.count AS count_is_calls,
       abs(b.sum_seconds * 1000 - l.total_ms) < 0.001 AS sum_is_total_time,
       b.sum_seconds BETWEEN 0.140 AND 0.5 AS sum_plausible
FROM hastecrm_perf.query_latency_buckets('{0.002,0.015,0.060,5}') b
JOIN hastecrm_perf.query_latency l USING (userid, dbid, queryid)
WHERE b.queryid = (SELECT queryid FROM sleeper);
-- Within the stated error: each cumulative count lies between the calls of
-- our buckets wholly at or below the bound and those starting below it.
SELECT bool_and(c >= (SELECT coalesce(sum(h.calls), 0) FROM hastecrm_perf.query_histogram(s.queryid) h
                      WHERE h.upper_ms <= u.le * 1000)
            AND c <= (SELECT coalesce(sum(h.calls), 0) FROM hastecrm_perf.query_histogram(s.queryid) h
                      WHERE h.lower_ms < u.le * 1000)) AS within_one_bucket
FROM sleeper s,
     hastecrm_perf.query_latency_buckets('{0.001,0.0025,0.003,0.004,0.01,0.02,0.025,0.07,0.1}') b,
     unnest(b.le, b.cumulative) AS u(le, c)
WHERE b.queryid = s.queryid;

-- The default ladder is SPEC §10's, in seconds; every row is cumulative
-- (never falls with le) and ends at most at count.
SELECT DISTINCT le FROM hastecrm_perf.query_latency_buckets();
SELECT bool_and(ok) AS every_row_cumulative
FROM (SELECT (SELECT bool_and(c >= coalesce(prev, 0))
              FROM (SELECT c, lag(c) OVER (ORDER BY i) AS prev
                    FROM unnest(b.cumulative) WITH ORDINALITY u(c, i)) s)
             AND b.cumulative[array_upper(b.cumulative, 1)] <= b.count AS ok
      FROM hastecrm_perf.query_latency_buckets() b) r;

-- More calls only ever raise the buckets (a fixed share of each of ours).
CREATE TEMP TABLE before AS
SELECT cumulative FROM hastecrm_perf.query_latency_buckets()
WHERE queryid = (SELECT queryid FROM sleeper);
\o /dev/null
SELECT 1 FROM pg_sleep(0.0045);
SELECT 1 FROM pg_sleep(0.012);
SELECT 1 FROM pg_sleep(0.001);
\o
SELECT bool_and(now_count >= then_count) AS never_lower, sum(now_count - then_count) > 0 AS some_higher
FROM (SELECT unnest(b.cumulative) AS now_count, unnest(x.cumulative) AS then_count
      FROM hastecrm_perf.query_latency_buckets() b, before x
      WHERE b.queryid = (SELECT queryid FROM sleeper)) d;

-- The per-database histogram is the sum of the database's statements.
SELECT d.count = s.count AS database_count_is_sum,
       d.cumulative = s.cumulative AS database_buckets_are_sum,
       abs(d.sum_seconds - s.sum_seconds) < 1e-9 AS database_sum_is_sum
FROM hastecrm_perf.metrics_database_latency d,
     (SELECT sum(b.count) AS count, sum(b.sum_seconds) AS sum_seconds,
             (SELECT array_agg(t ORDER BY i) FROM (
                SELECT i, sum(c)::bigint AS t
                FROM hastecrm_perf.query_latency_buckets() x, unnest(x.cumulative) WITH ORDINALITY u(c, i)
                WHERE x.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                GROUP BY i) q) AS cumulative
      FROM hastecrm_perf.query_latency_buckets() b
      WHERE b.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())) s
WHERE d.datname = current_database();
-- The same sum on another ladder, straight from query_latency_database_buckets().
SELECT d.le, d.cumulative = (SELECT array_agg(t ORDER BY i) FROM (
         SELECT i, sum(c)::bigint AS t
         FROM hastecrm_perf.query_latency_buckets('{0.002,0.010}') x,
              unnest(x.cumulative) WITH ORDINALITY u(c, i)
         WHERE x.dbid = d.dbid GROUP BY i) q) AS buckets_are_sum
FROM hastecrm_perf.query_latency_database_buckets('{0.002,0.010}') d
WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database());
-- The top statements by total time, as an exporter scrapes them: the same
-- rows as sorting query_latency_buckets() (ties in key order).
SELECT (SELECT array_agg(ROW(userid, dbid, queryid, cumulative, count)::text)
        FROM hastecrm_perf.query_latency_buckets_top(5, '{0.002,0.010}'))
       = (SELECT array_agg(ROW(userid, dbid, queryid, cumulative, count)::text)
          FROM (SELECT * FROM hastecrm_perf.query_latency_buckets('{0.002,0.010}')
                ORDER BY sum_seconds DESC, dbid, userid, queryid LIMIT 5) x) AS top_is_sorted,
       (SELECT count(*) FROM hastecrm_perf.query_latency_buckets_top()) <= 50 AS fifty_by_default,
       (SELECT count(*) FROM hastecrm_perf.query_latency_buckets_top(100000))
       = (SELECT count(*) FROM hastecrm_perf.query_latency_buckets()) AS all_when_fewer;
SELECT * FROM hastecrm_perf.query_latency_buckets_top(NULL);
SELECT * FROM hastecrm_perf.query_latency_buckets_top(0);
SELECT * FROM hastecrm_perf.query_latency_buckets_top(-1);
SELECT * FROM hastecrm_perf.query_latency_buckets_top(100001);
SELECT * FROM hastecrm_perf.query_latency_buckets_top(5, '{0.5,NaN}');
SELECT statements > 0 AND statements <= capacity AS statements_counted, capacity, evictions_total >= 0 AS evictions
FROM hastecrm_perf.metrics_latency_table;

-- Bad ladders: each a clear error with its SQLSTATE.
CREATE FUNCTION pg_temp.ladder_error(le float8[]) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM * FROM hastecrm_perf.query_latency_buckets(le);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT ladder, pg_temp.ladder_error(ladder::float8[])
FROM (VALUES (NULL), ('{}'), ('{0.1,0.01}'), ('{0.1,0.1}'), ('{-0.1,1}'), ('{0.1,NaN}'),
             ('{0.1,Infinity}'), ('{-Infinity,0.1}'), ('{0.1,NULL}'), ('{{0.1,1},{2,3}}')) v(ladder);
SELECT pg_temp.ladder_error(array(SELECT g * 0.01 FROM generate_series(1, 101) g)) AS ladder_of_101;
SELECT * FROM hastecrm_perf.query_latency_database_buckets(NULL);
SELECT * FROM hastecrm_perf.query_latency_database_buckets('{1,0.5}');
SELECT count(*) > 0 AS hundred_bounds_work
FROM hastecrm_perf.query_latency_buckets(array(SELECT g * 0.01 FROM generate_series(1, 100) g));
-- A bound of zero or far beyond the histogram's top (134 s) is allowed.
SELECT cumulative FROM hastecrm_perf.query_latency_buckets('{0,1e300}')
WHERE queryid = (SELECT queryid FROM sleeper);

-- Lock waits: none now.
SELECT * FROM hastecrm_perf.metrics_locks;

-- Jobs and partitions missing ahead: a daily table made 3 days ahead.
CREATE TABLE metrics_events (at timestamptz NOT NULL, note text) PARTITION BY RANGE (at);
CREATE TABLE metrics_days (day date NOT NULL) PARTITION BY RANGE (day);
SELECT hastecrm_perf.manage_partitions('metrics_events', 'daily', 3) AS made_events,
       hastecrm_perf.manage_partitions('metrics_days', 'weekly', 2) AS made_days;
SELECT datname = current_database() AS this_database, parent, premake, missing_ahead
FROM hastecrm_perf.metrics_partitions ORDER BY parent;
-- Drop the farthest and the current day: two periods missing. A DEFAULT
-- partition holds their rows but is no partition ahead.
DO $$
BEGIN
    EXECUTE (SELECT format('DROP TABLE %s', c.oid::regclass)
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'metrics_events'::regclass
             ORDER BY pg_get_expr(c.relpartbound, c.oid) DESC LIMIT 1);
    INSERT INTO metrics_events VALUES (now(), 'now');
    EXECUTE (SELECT format('DROP TABLE %s', tableoid::regclass) FROM metrics_events);
END
$$;
CREATE TABLE metrics_events_default PARTITION OF metrics_events DEFAULT;
SELECT parent, premake, missing_ahead FROM hastecrm_perf.metrics_partitions ORDER BY parent;

SELECT datname = current_database() AS this_database, kind, jobs, failing, max_consecutive_failures,
       failures_last_hour
FROM hastecrm_perf.metrics_jobs ORDER BY kind;
UPDATE hastecrm_perf.partition_config SET consecutive_failures = 3, last_status = 'error'
WHERE parent = 'metrics_days'::regclass;
INSERT INTO hastecrm_perf.job_log_entries (kind, target, started_at, finished_at, status, detail)
VALUES ('partitions', 'public.metrics_days', now(), now(), 'error', 'test'),
       ('partitions', 'public.metrics_days', now() - interval '2 hours', now(), 'error', 'old');
SELECT kind, jobs, failing, max_consecutive_failures, failures_last_hour
FROM hastecrm_perf.metrics_jobs ORDER BY kind;

-- Health findings per check and severity: counted from health() where it
-- exists (else a stand-in for the test), none where it does not.
DO $$
DECLARE
    stand_in boolean := to_regprocedure('hastecrm_perf.health()') IS NULL;
    agree boolean;
BEGIN
    IF stand_in THEN
        IF EXISTS (SELECT FROM hastecrm_perf.metrics_health) THEN
            RAISE EXCEPTION 'findings without health()';
        END IF;
        CREATE FUNCTION hastecrm_perf.health(OUT "check" text, OUT severity text, OUT object text)
        RETURNS SETOF record LANGUAGE sql
        AS $f$ VALUES ('bloat', 'warning', 'a'), ('bloat', 'warning', 'b'), ('sequences', 'critical', 'c') $f$;
    END IF;
    EXECUTE $q$
        SELECT (SELECT array_agg(ROW(m."check", m.severity, m.findings)::text
                                 ORDER BY ROW(m."check", m.severity, m.findings)::text)
                FROM hastecrm_perf.metrics_health m)
               IS NOT DISTINCT FROM
               (SELECT array_agg(ROW(h."check", h.severity, h.n)::text
                                 ORDER BY ROW(h."check", h.severity, h.n)::text)
                FROM (SELECT "check"::text, severity::text, count(*) AS n
                      FROM hastecrm_perf.health() GROUP BY 1, 2) h)$q$ INTO agree;
    IF stand_in THEN
        DROP FUNCTION hastecrm_perf.health();
    END IF;
    RAISE NOTICE 'metrics_health counts health() per check and severity: %', agree;
END
$$;

-- History snapshot age: from database_history where it exists (else a
-- stand-in for the test), no row where it does not or holds nothing.
DO $$
DECLARE
    stand_in boolean := to_regclass('hastecrm_perf.database_history') IS NULL;
    agree boolean;
BEGIN
    IF stand_in THEN
        IF EXISTS (SELECT FROM hastecrm_perf.metrics_history) THEN
            RAISE EXCEPTION 'a snapshot age without history';
        END IF;
        CREATE TABLE hastecrm_perf.database_history (snapshot_at timestamptz NOT NULL);
        IF EXISTS (SELECT FROM hastecrm_perf.metrics_history) THEN
            RAISE EXCEPTION 'a snapshot age without a snapshot';
        END IF;
        INSERT INTO hastecrm_perf.database_history VALUES (now() - interval '90 seconds'), (now() - interval '1 hour');
    END IF;
    EXECUTE $q$
        SELECT (SELECT ROW(datname, last_snapshot_age_seconds)::text FROM hastecrm_perf.metrics_history)
               IS NOT DISTINCT FROM
               (SELECT ROW(current_database(), date_part('epoch', now() - max(snapshot_at)))::text
                FROM hastecrm_perf.database_history HAVING max(snapshot_at) IS NOT NULL)$q$ INTO agree;
    IF stand_in THEN
        agree := agree AND (SELECT last_snapshot_age_seconds = 90 FROM hastecrm_perf.metrics_history);
        DROP TABLE hastecrm_perf.database_history;
    END IF;
    RAISE NOTICE 'metrics_history is the age of the last snapshot: %', agree;
END
$$;

-- Privileges: pg_monitor reads every family; others nothing.
CREATE ROLE metrics_plain;
CREATE ROLE metrics_monitor IN ROLE pg_monitor;
SET ROLE metrics_plain;
SELECT count(*) FROM hastecrm_perf.query_latency_buckets();
SELECT count(*) FROM hastecrm_perf.query_latency_buckets_top();
SELECT * FROM hastecrm_perf.metrics_database_latency;
SELECT * FROM hastecrm_perf.metrics_locks;
SELECT * FROM hastecrm_perf.metrics_jobs;
SELECT * FROM hastecrm_perf.metrics_partitions;
SELECT * FROM hastecrm_perf.metrics_health;
SELECT * FROM hastecrm_perf.metrics_latency_table;
SELECT * FROM hastecrm_perf.metrics_history;
RESET ROLE;
SET ROLE metrics_monitor;
SELECT (SELECT count(*) > 0 FROM hastecrm_perf.query_latency_buckets()) AS buckets,
       (SELECT count(*) > 0 FROM hastecrm_perf.query_latency_buckets_top()) AS top_buckets,
       (SELECT count(*) > 0 FROM hastecrm_perf.metrics_database_latency) AS database_latency,
       (SELECT waiters FROM hastecrm_perf.metrics_locks) AS waiters,
       (SELECT count(*) FROM hastecrm_perf.metrics_jobs) AS job_kinds,
       (SELECT count(*) FROM hastecrm_perf.metrics_partitions) AS partitioned_tables,
       (SELECT count(*) >= 0 FROM hastecrm_perf.metrics_health) AS health_readable,
       (SELECT count(*) >= 0 FROM hastecrm_perf.metrics_history) AS history_readable,
       (SELECT capacity FROM hastecrm_perf.metrics_latency_table) AS capacity;
RESET ROLE;
DROP ROLE metrics_plain, metrics_monitor;

-- The long view holds every scalar family, with finite values; the lock
-- figures agree with metrics_locks; a plain role may not read it.
SELECT metric, count(*) > 0 AS present, bool_and(value = value AND value < 'infinity') AS finite
FROM hastecrm_perf.metrics
WHERE metric IN ('latency_seconds_count', 'latency_seconds_sum', 'latency_table_capacity',
                 'lock_waiters', 'lock_oldest_wait_seconds', 'jobs', 'partitions_missing_ahead')
GROUP BY metric ORDER BY metric;
SELECT (SELECT value FROM hastecrm_perf.metrics WHERE metric = 'lock_waiters')
       = (SELECT waiters FROM hastecrm_perf.metrics_locks) AS waiters_agree,
       (SELECT count(*) FROM hastecrm_perf.metrics WHERE metric = 'partitions_missing_ahead')
       = (SELECT count(*) FROM hastecrm_perf.metrics_partitions) AS one_per_parent;
CREATE ROLE metrics_nobody;
SET ROLE metrics_nobody;
SELECT count(*) FROM hastecrm_perf.metrics;
RESET ROLE;
DROP ROLE metrics_nobody;

SELECT hastecrm_perf.unmanage_partitions('metrics_events');
SELECT hastecrm_perf.unmanage_partitions('metrics_days');
DROP TABLE metrics_events, metrics_days;
DELETE FROM hastecrm_perf.job_log WHERE detail IN ('test', 'old');
DROP EXTENSION hastecrm_perf;
