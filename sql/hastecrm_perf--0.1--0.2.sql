-- hastecrm_perf 0.1 -> 0.2
-- PostgreSQL installs 0.1 and applies this script, so it serves fresh installs
-- and upgrades alike: everything here must keep the user's jobs, history and
-- settings of a 0.1 database.
\echo Use "ALTER EXTENSION hastecrm_perf UPDATE" to load this file. \quit

-- Truth and safety (SPEC §1-§5) ---------------------------------------------

-- Maintenance jobs (SPEC §5). Error texts can quote row data ("Key (email)=
-- (...) already exists"): pg_monitor members see a job's status and SQLSTATE,
-- the message only superusers and the target's owner. job_log becomes a view
-- over the table that keeps the rows, which now also records the SQLSTATE and
-- the owner of the target at the time (the target may be gone when read).
ALTER TABLE hastecrm_perf.job_log RENAME TO job_log_entries;
ALTER TABLE hastecrm_perf.job_log_entries ADD COLUMN sqlstate text, ADD COLUMN target_owner oid;
COMMENT ON TABLE hastecrm_perf.job_log_entries IS
  'The rows of hastecrm_perf.job_log, error texts unmasked; superusers only';
ALTER TABLE hastecrm_perf.partition_config ADD COLUMN last_sqlstate text;
ALTER TABLE hastecrm_perf.refresh_config ADD COLUMN last_sqlstate text;

CREATE FUNCTION hastecrm_perf.may_read_job_error(owner oid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) THEN true
    WHEN owner IS NULL THEN false
    -- A dropped role: pg_has_role() would fail on it.
    WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = owner) THEN false
    ELSE pg_catalog.pg_has_role(owner, 'USAGE')
  END
$$;
COMMENT ON FUNCTION hastecrm_perf.may_read_job_error(oid) IS
  'Whether the current user may read the error texts of jobs whose target this role owns: superusers and members of the owner';
REVOKE ALL ON FUNCTION hastecrm_perf.may_read_job_error(oid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.may_read_job_error(oid) TO pg_monitor;

CREATE VIEW hastecrm_perf.job_log AS
SELECT l.id, l.kind, l.target, l.started_at, l.finished_at, l.status,
       CASE WHEN l.status NOT IN ('error', 'lock_timeout') THEN l.detail
            WHEN hastecrm_perf.may_read_job_error(l.target_owner) THEN l.detail
            ELSE '<insufficient privilege>'
       END AS detail,
       l.action, l.sqlstate
FROM hastecrm_perf.job_log_entries l;
COMMENT ON VIEW hastecrm_perf.job_log IS
  'History of maintenance jobs that did something, skipped or failed; pruned after hastecrm_perf.job_log_days. Error texts only for superusers and the target''s owner';

CREATE OR REPLACE VIEW hastecrm_perf.jobs AS
SELECT 'partitions'::text AS kind,
       coalesce(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
                p.parent::oid::text) AS target,
       p.step || ', premake ' || p.premake
         || coalesce(', retention ' || p.retention || ' (' || p.retention_action || ')', '')
         AS schedule,
       p.next_run, p.last_run, p.last_status,
       CASE WHEN p.last_error IS NULL OR hastecrm_perf.may_read_job_error(c.relowner) THEN p.last_error
            ELSE '<insufficient privilege>' END AS last_error,
       p.consecutive_failures, p.last_sqlstate
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
       r.next_run, r.last_run, r.last_status,
       CASE WHEN r.last_error IS NULL OR hastecrm_perf.may_read_job_error(c.relowner) THEN r.last_error
            ELSE '<insufficient privilege>' END,
       r.consecutive_failures, r.last_sqlstate
FROM hastecrm_perf.refresh_config r
LEFT JOIN pg_catalog.pg_class c ON c.oid = r.view
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace;

REVOKE ALL ON hastecrm_perf.job_log_entries, hastecrm_perf.job_log FROM PUBLIC;
REVOKE ALL ON hastecrm_perf.job_log_entries FROM pg_monitor;
GRANT SELECT ON hastecrm_perf.job_log TO pg_monitor;

-- A job goes with its target (SPEC §5): jobs are keyed by OID, and a reused
-- OID must never inherit a dropped table's retention. ENABLE ALWAYS: it fires
-- under session_replication_role = replica too. The function runs as the
-- extension's owner (the dropping user has no rights on the job tables), and
-- a failure of it must never fail the user's DROP: the next cycle then
-- removes the job instead, as 0.1 did.
CREATE FUNCTION hastecrm_perf.forget_jobs_of_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  dropped oid[];
BEGIN
  SELECT pg_catalog.array_agg(d.objid) INTO dropped
  FROM pg_catalog.pg_event_trigger_dropped_objects() AS d
  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0;
  IF dropped IS NULL THEN
    RETURN;
  END IF;
  WITH gone_parts AS (
    DELETE FROM hastecrm_perf.partition_config c
    WHERE c.parent::pg_catalog.oid = ANY (dropped)
    RETURNING 'partitions'::pg_catalog.text AS kind, c.parent::pg_catalog.oid AS target
  ), gone_refreshes AS (
    DELETE FROM hastecrm_perf.refresh_config c
    WHERE c.view::pg_catalog.oid = ANY (dropped)
    RETURNING 'refresh'::pg_catalog.text AS kind, c.view::pg_catalog.oid AS target
  ), gone AS (
    SELECT * FROM gone_parts UNION ALL SELECT * FROM gone_refreshes
  )
  INSERT INTO hastecrm_perf.job_log_entries (kind, target, started_at, finished_at, status, action, detail)
  SELECT g.kind, coalesce(d.object_identity, g.target::pg_catalog.text),
         pg_catalog.clock_timestamp(), pg_catalog.clock_timestamp(), 'skipped', 'remove',
         'the target was dropped: job removed'
  FROM gone g
  LEFT JOIN pg_catalog.pg_event_trigger_dropped_objects() AS d
    ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0 AND d.objid = g.target;
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'hastecrm_perf: could not remove the maintenance jobs of dropped relations: %', SQLERRM;
END
$$;
COMMENT ON FUNCTION hastecrm_perf.forget_jobs_of_dropped() IS
  'Event trigger: the maintenance jobs of dropped tables and views go with them';
REVOKE ALL ON FUNCTION hastecrm_perf.forget_jobs_of_dropped() FROM PUBLIC;
CREATE EVENT TRIGGER hastecrm_perf_forget_jobs_of_dropped ON sql_drop
  EXECUTE FUNCTION hastecrm_perf.forget_jobs_of_dropped();
ALTER EVENT TRIGGER hastecrm_perf_forget_jobs_of_dropped ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER hastecrm_perf_forget_jobs_of_dropped IS
  'Removes the maintenance jobs of dropped tables and views at once';



-- (end of truth and safety)


-- History (SPEC §8) -----------------------------------------------------------



-- (end of history)


-- Health (SPEC §9) ------------------------------------------------------------



-- (end of health)


-- Metrics for monitoring systems (SPEC §10) -----------------------------------
--
-- For Prometheus through postgres_exporter (contrib/prometheus/): base units
-- (seconds, bytes, ratios 0-1), text labels, a few rows each. Every family is
-- its own small view, so that one that cannot be computed here is absent
-- instead of faked, and a scrape reads only what it asks for.

CREATE FUNCTION hastecrm_perf.query_latency_buckets(
    OUT userid oid, OUT dbid oid, OUT queryid bigint,
    INOUT le float8[] DEFAULT '{0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10}',
    OUT cumulative bigint[], OUT sum_seconds float8, OUT count bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_latency_buckets';
COMMENT ON FUNCTION hastecrm_perf.query_latency_buckets(float8[]) IS
  'Every statement''s latency as a Prometheus histogram: cumulative counts at each le bound (seconds; +Inf is count) that only ever grow, within one of our buckets of the exact count; sum_seconds and count of its calls';

CREATE FUNCTION hastecrm_perf.query_latency_buckets_top(max_rows int DEFAULT 50,
    OUT userid oid, OUT dbid oid, OUT queryid bigint,
    INOUT le float8[] DEFAULT '{0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10}',
    OUT cumulative bigint[], OUT sum_seconds float8, OUT count bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_latency_buckets_top';
COMMENT ON FUNCTION hastecrm_perf.query_latency_buckets_top(int, float8[]) IS
  'query_latency_buckets() of the max_rows statements with the most total time, most first (what an exporter scrapes)';

CREATE FUNCTION hastecrm_perf.latency_table_usage(
    OUT statements bigint, OUT capacity bigint, OUT evictions bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'latency_table_usage';
COMMENT ON FUNCTION hastecrm_perf.latency_table_usage() IS
  'Entries in the shared latency table, its capacity (hastecrm_perf.max_queries) and how many entries were evicted since the server started';

CREATE FUNCTION hastecrm_perf.query_latency_database_buckets(
    OUT dbid oid,
    INOUT le float8[] DEFAULT '{0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10}',
    OUT cumulative bigint[], OUT sum_seconds float8, OUT count bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_latency_database_buckets';
COMMENT ON FUNCTION hastecrm_perf.query_latency_database_buckets(float8[]) IS
  'query_latency_buckets() summed per database';

-- The per-database histogram is the sum over the database's entries: an
-- entry evicted from a full table (or query_latency_reset()) takes its calls
-- with it, which Prometheus reads as a counter reset; evictions_total says
-- when. rate() of the per-statement series, summed, has no such step.
CREATE VIEW hastecrm_perf.metrics_database_latency AS
SELECT coalesce(d.datname::text, b.dbid::text) AS datname, b.le, b.cumulative, b.sum_seconds, b.count
FROM hastecrm_perf.query_latency_database_buckets() b
LEFT JOIN pg_catalog.pg_database d ON d.oid = b.dbid;
COMMENT ON VIEW hastecrm_perf.metrics_database_latency IS
  'Latency histogram per database (seconds, default le ladder): the sum of its statements'' query_latency_buckets()';

CREATE VIEW hastecrm_perf.metrics_latency_table AS
SELECT u.statements, u.capacity, u.evictions AS evictions_total
FROM hastecrm_perf.latency_table_usage() u;
COMMENT ON VIEW hastecrm_perf.metrics_latency_table IS
  'The shared latency table: statements tracked, capacity, entries evicted (a counter since server start)';

CREATE VIEW hastecrm_perf.metrics_locks AS
SELECT pg_catalog.count(*) FILTER (WHERE c.depth > 0) AS waiters,
       pg_catalog.count(*) FILTER (WHERE c.depth = 0) AS root_blockers,
       coalesce(pg_catalog.date_part('epoch', pg_catalog.max(c.waiting_for)), 0)::float8
         AS oldest_wait_seconds
FROM hastecrm_perf.lock_chains() c;
COMMENT ON VIEW hastecrm_perf.metrics_locks IS
  'Heavyweight lock waits on the server now (from lock_chains()): sessions waiting, root blockers, the oldest wait in seconds (0 when none waits)';

-- Failures are gauges: job_log is pruned after job_log_days and
-- consecutive_failures restarts at a success, so neither is a counter.
CREATE VIEW hastecrm_perf.metrics_jobs AS
SELECT pg_catalog.current_database()::text AS datname, j.kind,
       pg_catalog.count(*) AS jobs,
       pg_catalog.count(*) FILTER (WHERE j.consecutive_failures > 0) AS failing,
       coalesce(pg_catalog.max(j.consecutive_failures), 0) AS max_consecutive_failures,
       (SELECT pg_catalog.count(*) FROM hastecrm_perf.job_log l
        WHERE l.kind = j.kind AND l.status IN ('error', 'lock_timeout')
          AND l.started_at > pg_catalog.now() - interval '1 hour') AS failures_last_hour
FROM hastecrm_perf.jobs j
GROUP BY j.kind;
COMMENT ON VIEW hastecrm_perf.metrics_jobs IS
  'Maintenance jobs of this database per kind: how many, how many failed their last run, the longest failure streak, failed runs in the last hour';

-- The periods a partition job keeps made: the one holding now and `premake`
-- after it, in hastecrm_perf.partition_timezone. A period is missing when no
-- partition (other than DEFAULT) holds its point now + k steps.
CREATE VIEW hastecrm_perf.metrics_partitions AS
WITH managed AS (
    SELECT p.parent, p.premake,
           CASE p.step WHEN 'daily' THEN interval '1 day' WHEN 'weekly' THEN interval '7 days'
                       WHEN 'monthly' THEN interval '1 month' WHEN 'quarterly' THEN interval '3 months'
                       ELSE interval '1 year' END AS step,
           coalesce(pg_catalog.current_setting('hastecrm_perf.partition_timezone', true), 'UTC') AS zone,
           (SELECT a.atttypid = 'pg_catalog.timestamptz'::pg_catalog.regtype
            FROM pg_catalog.pg_partitioned_table pt
            JOIN pg_catalog.pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
            WHERE pt.partrelid = p.parent) AS zoned_key
    FROM hastecrm_perf.partition_config p
), bounds AS (
    SELECT i.inhparent AS parent, m[1] AS low, m[2] AS high
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
        '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m
    WHERE i.inhparent IN (SELECT parent FROM managed)
), ranges AS (
    SELECT b.parent,
           CASE WHEN b.low = 'MINVALUE' THEN '-infinity'::timestamp
                WHEN m.zoned_key THEN pg_catalog.btrim(b.low, '''')::timestamptz AT TIME ZONE m.zone
                ELSE pg_catalog.btrim(b.low, '''')::timestamp END AS low,
           CASE WHEN b.high = 'MAXVALUE' THEN 'infinity'::timestamp
                WHEN m.zoned_key THEN pg_catalog.btrim(b.high, '''')::timestamptz AT TIME ZONE m.zone
                ELSE pg_catalog.btrim(b.high, '''')::timestamp END AS high
    FROM bounds b JOIN managed m ON m.parent = b.parent
)
SELECT pg_catalog.current_database()::text AS datname,
       coalesce(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
                m.parent::oid::text) AS parent,
       m.premake AS premake,
       (SELECT pg_catalog.count(*)
        FROM pg_catalog.generate_series(0, m.premake) AS k
        WHERE NOT EXISTS (
            SELECT FROM ranges r
            WHERE r.parent = m.parent
              AND r.low <= (pg_catalog.now() AT TIME ZONE m.zone) + k * m.step
              AND (pg_catalog.now() AT TIME ZONE m.zone) + k * m.step < r.high)) AS missing_ahead
FROM managed m
LEFT JOIN pg_catalog.pg_class c ON c.oid = m.parent
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace;
COMMENT ON VIEW hastecrm_perf.metrics_partitions IS
  'Per managed partitioned table of this database: premake, and how many of the periods it should hold now (the current one and premake ahead) have no partition';

-- health() comes with the health checks: counted only where it exists.
CREATE FUNCTION hastecrm_perf.metrics_health_findings(
    OUT "check" text, OUT severity text, OUT findings bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.to_regprocedure('hastecrm_perf.health()') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT h."check"::text, h.severity::text, pg_catalog.count(*)
         FROM hastecrm_perf.health() h GROUP BY 1, 2 ORDER BY 1, 2';
END
$$;
COMMENT ON FUNCTION hastecrm_perf.metrics_health_findings() IS
  'Findings of hastecrm_perf.health() per check and severity (no rows where health() does not exist)';

CREATE VIEW hastecrm_perf.metrics_health AS
SELECT f."check", f.severity, f.findings FROM hastecrm_perf.metrics_health_findings() f;
COMMENT ON VIEW hastecrm_perf.metrics_health IS
  'Health findings per check and severity, from health()';

-- The history tables come with the snapshot job (SPEC §8): their age is
-- reported only where they exist and hold a snapshot (the history database).
CREATE FUNCTION hastecrm_perf.metrics_history_snapshot(
    OUT datname text, OUT last_snapshot_age_seconds float8)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    history regclass := pg_catalog.to_regclass('hastecrm_perf.database_history');
    last timestamptz;
BEGIN
    IF history IS NULL OR NOT EXISTS (
        SELECT FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = history AND a.attname = 'snapshot_at'
          AND a.atttypid = 'pg_catalog.timestamptz'::pg_catalog.regtype AND NOT a.attisdropped) THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT pg_catalog.max(snapshot_at) FROM hastecrm_perf.database_history' INTO last;
    IF last IS NULL THEN
        RETURN;
    END IF;
    datname := pg_catalog.current_database();
    last_snapshot_age_seconds := pg_catalog.date_part('epoch', pg_catalog.now() - last);
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION hastecrm_perf.metrics_history_snapshot() IS
  'Seconds since the last history snapshot of this database''s history tables (no row where there is none)';

CREATE VIEW hastecrm_perf.metrics_history AS
SELECT h.datname, h.last_snapshot_age_seconds FROM hastecrm_perf.metrics_history_snapshot() h;
COMMENT ON VIEW hastecrm_perf.metrics_history IS
  'Age of the last history snapshot kept in this database, in seconds';

REVOKE ALL ON FUNCTION hastecrm_perf.query_latency_buckets(float8[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.query_latency_buckets_top(int, float8[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.query_latency_database_buckets(float8[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.latency_table_usage() FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.metrics_health_findings() FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.metrics_history_snapshot() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_latency_buckets(float8[]) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_latency_buckets_top(int, float8[]) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_latency_database_buckets(float8[]) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.latency_table_usage() TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.metrics_health_findings() TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.metrics_history_snapshot() TO pg_monitor;
REVOKE ALL ON hastecrm_perf.metrics_database_latency, hastecrm_perf.metrics_latency_table,
    hastecrm_perf.metrics_locks, hastecrm_perf.metrics_jobs, hastecrm_perf.metrics_partitions,
    hastecrm_perf.metrics_health, hastecrm_perf.metrics_history FROM PUBLIC;
GRANT SELECT ON hastecrm_perf.metrics_database_latency, hastecrm_perf.metrics_latency_table,
    hastecrm_perf.metrics_locks, hastecrm_perf.metrics_jobs, hastecrm_perf.metrics_partitions,
    hastecrm_perf.metrics_health, hastecrm_perf.metrics_history TO pg_monitor;

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
