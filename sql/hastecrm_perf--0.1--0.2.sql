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
-- The snapshot job (kind 'snapshot', in hastecrm_perf.history_database) fills
-- these tables. Each is partitioned by day (relation sizes by month) and
-- retained by dropping partitions, never by DELETE; the job creates the
-- partitions it writes into.

CREATE TABLE hastecrm_perf.statement_history (
    snapshot_at timestamptz NOT NULL,
    interval_start timestamptz NOT NULL,
    userid oid,
    dbid oid NOT NULL,
    queryid bigint,
    calls bigint NOT NULL,
    errors bigint NOT NULL,
    rows bigint NOT NULL,
    total_ms float8 NOT NULL,
    max_ms float8,
    histogram bytea NOT NULL
) PARTITION BY RANGE (snapshot_at);
-- No index on the history tables: a window is read by partition pruning (a
-- day holds at most 288 snapshots of history_top + 1 rows); an index would
-- add ~40% to every snapshot's bytes, and its copy on each partition would
-- collide at a pg_dump restore with the one ATTACH makes from the parent's.
COMMENT ON TABLE hastecrm_perf.statement_history IS
  'Per snapshot and statement, what it did since the previous snapshot (interval_start): the top hastecrm_perf.history_top statements by time, plus one row per database with NULL userid and queryid for all the others; histogram is the latency histogram delta (read it with histogram_buckets(), merge with histogram_merge(array_agg(histogram))); max_ms is NULL when the interval''s maximum is not known';

CREATE TABLE hastecrm_perf.statement_history_hourly (
    hour timestamptz NOT NULL,
    userid oid,
    dbid oid NOT NULL,
    queryid bigint,
    snapshots int NOT NULL,
    calls bigint NOT NULL,
    errors bigint NOT NULL,
    rows bigint NOT NULL,
    total_ms float8 NOT NULL,
    max_ms float8,
    histogram bytea NOT NULL
) PARTITION BY RANGE (hour);
COMMENT ON TABLE hastecrm_perf.statement_history_hourly IS
  'statement_history merged per hour (histograms merged exactly), kept hastecrm_perf.history_hourly_days';

CREATE TABLE hastecrm_perf.statement_text (
    userid oid NOT NULL,
    dbid oid NOT NULL,
    queryid bigint NOT NULL,
    query text NOT NULL,
    last_snapshot timestamptz NOT NULL,
    PRIMARY KEY (userid, dbid, queryid)
);
COMMENT ON TABLE hastecrm_perf.statement_text IS
  'The normalized text of every statement kept in the history (constants replaced by $n); rewritten at most once a day per statement';
-- The history's partitions are not extension members, so pg_dump keeps them;
-- their texts go with them.
SELECT pg_catalog.pg_extension_config_dump('hastecrm_perf.statement_text', '');

CREATE TABLE hastecrm_perf.database_history (
    snapshot_at timestamptz NOT NULL,
    datid oid NOT NULL,
    datname name NOT NULL,
    xact_commit bigint,
    xact_rollback bigint,
    blks_read bigint,
    blks_hit bigint,
    tup_returned bigint,
    tup_fetched bigint,
    tup_inserted bigint,
    tup_updated bigint,
    tup_deleted bigint,
    temp_files bigint,
    temp_bytes bigint,
    deadlocks bigint,
    stats_reset timestamptz,
    connections_active int NOT NULL,
    connections_idle int NOT NULL,
    connections_idle_in_transaction int NOT NULL,
    connections_waiting_on_lock int NOT NULL,
    connections_total int NOT NULL
) PARTITION BY RANGE (snapshot_at);
COMMENT ON TABLE hastecrm_perf.database_history IS
  'Per snapshot and database, the pg_stat_database counters as they stood (cumulative: subtract two rows with the same stats_reset) and the client connections by state';

CREATE TABLE hastecrm_perf.relation_history (
    snapshot_at timestamptz NOT NULL,
    relid oid NOT NULL,
    schemaname name NOT NULL,
    relname name NOT NULL,
    relkind "char" NOT NULL,
    heap_bytes bigint NOT NULL,
    index_bytes bigint NOT NULL,
    toast_bytes bigint NOT NULL,
    total_bytes bigint NOT NULL,
    n_live_tup bigint,
    n_dead_tup bigint,
    seq_scan bigint,
    seq_tup_read bigint,
    idx_scan bigint,
    idx_tup_fetch bigint,
    n_tup_ins bigint,
    n_tup_upd bigint,
    n_tup_del bigint
) PARTITION BY RANGE (snapshot_at);
COMMENT ON TABLE hastecrm_perf.relation_history IS
  'Once a day, every table and materialized view of the history database of at least 1 MB (the 5,000 largest): sizes from the files (no lock, no page read) and the statistics counters, and a row for each of their indexes (relkind i: its size from pg_class and its own scan counter); kept 400 days';

CREATE TABLE hastecrm_perf.lock_episodes (
    started_at timestamptz NOT NULL,
    duration_ms float8 NOT NULL,
    ended boolean NOT NULL,
    dbid oid NOT NULL,
    waiter_pid int NOT NULL,
    waiter_userid oid,
    waiter_queryid bigint,
    waiter_query text,
    lock_type text NOT NULL,
    lock_mode text NOT NULL,
    relation oid,
    relation_name text,
    root_pid int NOT NULL,
    root_userid oid,
    root_state text,
    root_xact_age interval,
    root_queryid bigint,
    root_query text
) PARTITION BY RANGE (started_at);
COMMENT ON TABLE hastecrm_perf.lock_episodes IS
  'Every wait on a heavyweight lock of at least hastecrm_perf.lock_episode_ms: one row per waiter and wait, with the root of its blocking tree as last seen; sampled every second (ended = false: still waiting when written, duration so far); texts normalized, as in query_latency';

CREATE TABLE hastecrm_perf.history_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    next_run timestamptz,
    last_run timestamptz,
    last_status text,
    last_error text,
    consecutive_failures int NOT NULL DEFAULT 0,
    last_sqlstate text,
    last_snapshot timestamptz,
    relations_day date,
    rolled_up_to timestamptz
);
INSERT INTO hastecrm_perf.history_state DEFAULT VALUES;
COMMENT ON TABLE hastecrm_perf.history_state IS
  'State of the snapshot job: its schedule as the jobs view shows it, the time of the last snapshot written, the day of the last relation sizes, the hour up to which rollups are made';

-- Histograms as stored: the sparse encoding of core/histogram_codec.
CREATE FUNCTION hastecrm_perf.histogram_merge(histograms bytea[])
RETURNS bytea
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'histogram_merge';
COMMENT ON FUNCTION hastecrm_perf.histogram_merge(bytea[]) IS
  'The exact sum of stored latency histograms (statement_history.histogram), in the same encoding: histogram_merge(array_agg(histogram)); NULL elements are skipped';

CREATE FUNCTION hastecrm_perf.histogram_percentile(histogram bytea, q float8, max_ms float8 DEFAULT NULL)
RETURNS float8
LANGUAGE C IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'histogram_percentile';
COMMENT ON FUNCTION hastecrm_perf.histogram_percentile(bytea, float8, float8) IS
  'The q-th quantile (0..1) in ms of a stored histogram, as query_latency computes p50/p95/p99; max_ms is the largest latency when known (NULL: the top bucket''s bound); NULL when empty';

CREATE FUNCTION hastecrm_perf.histogram_buckets(histogram bytea,
    OUT lower_ms float8, OUT upper_ms float8, OUT calls bigint)
RETURNS SETOF record
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'histogram_buckets';
COMMENT ON FUNCTION hastecrm_perf.histogram_buckets(bytea) IS
  'The non-empty buckets of a stored histogram, as query_histogram() shows the live ones';

-- A window is a non-empty tstzrange; unbounded or infinite ends mean "all of
-- the history". A snapshot belongs to the window its snapshot_at falls in.
CREATE FUNCTION hastecrm_perf.history_check_window(during tstzrange, name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF during IS NULL THEN
    RAISE EXCEPTION '% must not be NULL', name USING ERRCODE = 'null_value_not_allowed',
      HINT = 'Pass a tstzrange such as tstzrange(now() - interval ''1 hour'', now()).';
  END IF;
  IF isempty(during) THEN
    RAISE EXCEPTION '% must not be empty', name USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Pass a tstzrange whose lower bound is below its upper bound.';
  END IF;
END $$;
COMMENT ON FUNCTION hastecrm_perf.history_check_window(tstzrange, text) IS
  'Raises the error of a NULL or empty history window';

-- Per statement, the window merged: fine snapshots where they are kept, hourly
-- rollups before the oldest snapshot kept.
CREATE FUNCTION hastecrm_perf.history_window(during tstzrange,
    OUT userid oid, OUT dbid oid, OUT queryid bigint, OUT snapshots bigint, OUT calls bigint,
    OUT errors bigint, OUT rows bigint, OUT total_ms float8, OUT max_ms float8,
    OUT histogram bytea, OUT first_snapshot timestamptz, OUT last_snapshot timestamptz)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  -- The oldest snapshot kept: an ordered scan of the partitions that stops in
  -- the first non-empty one (min() would read them all).
  WITH oldest AS (SELECT (SELECT h.snapshot_at FROM hastecrm_perf.statement_history h
                          ORDER BY h.snapshot_at LIMIT 1) AS at),
  parts AS (
    SELECT h.userid, h.dbid, h.queryid, 1 AS snapshots, h.calls, h.errors, h.rows, h.total_ms,
           h.max_ms, h.histogram, h.snapshot_at AS at
    FROM hastecrm_perf.statement_history h
    -- The bounds again, as comparisons: partition pruning cannot use <@.
    WHERE h.snapshot_at <@ during
      AND h.snapshot_at >= coalesce(lower(during), '-infinity')
      AND h.snapshot_at <= coalesce(upper(during), 'infinity')
    UNION ALL
    SELECT r.userid, r.dbid, r.queryid, r.snapshots, r.calls, r.errors, r.rows, r.total_ms,
           r.max_ms, r.histogram, r.hour
    FROM hastecrm_perf.statement_history_hourly r, oldest
    WHERE r.hour <@ during
      AND r.hour >= coalesce(lower(during), '-infinity') AND r.hour <= coalesce(upper(during), 'infinity')
      AND (oldest.at IS NULL OR r.hour + interval '1 hour' <= oldest.at))
  SELECT p.userid, p.dbid, p.queryid, sum(p.snapshots)::bigint, sum(p.calls)::bigint,
         sum(p.errors)::bigint, sum(p.rows)::bigint, sum(p.total_ms), max(p.max_ms),
         hastecrm_perf.histogram_merge(array_agg(p.histogram)), min(p.at), max(p.at)
  FROM parts p
  GROUP BY p.userid, p.dbid, p.queryid
$$;
COMMENT ON FUNCTION hastecrm_perf.history_window(tstzrange) IS
  'Statement history of a window merged per statement (snapshots, then hourly rollups where the snapshots are gone); the readers build on it';

CREATE FUNCTION hastecrm_perf.query_latency_between(during tstzrange,
    OUT userid oid, OUT dbid oid, OUT queryid bigint, OUT query text, OUT calls bigint,
    OUT total_ms float8, OUT mean_ms float8, OUT p50_ms float8, OUT p95_ms float8,
    OUT p99_ms float8, OUT max_ms float8, OUT rows bigint, OUT first_seen timestamptz,
    OUT last_seen timestamptz, OUT errors bigint, OUT snapshots bigint)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM hastecrm_perf.history_check_window(during, 'during');
  RETURN QUERY
  SELECT w.userid, w.dbid, w.queryid,
         CASE WHEN w.queryid IS NULL THEN '<other statements>'
              WHEN pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
                   OR (EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = w.userid)
                       AND pg_catalog.pg_has_role(w.userid, 'USAGE'))
              THEN t.query
              ELSE '<insufficient privilege>' END,
         w.calls, w.total_ms, w.total_ms / nullif(w.calls, 0),
         hastecrm_perf.histogram_percentile(w.histogram, 0.50, w.max_ms),
         hastecrm_perf.histogram_percentile(w.histogram, 0.95, w.max_ms),
         hastecrm_perf.histogram_percentile(w.histogram, 0.99, w.max_ms),
         coalesce(w.max_ms, hastecrm_perf.histogram_percentile(w.histogram, 1, NULL)),
         w.rows, w.first_snapshot, w.last_snapshot, w.errors, w.snapshots
  FROM hastecrm_perf.history_window(during) w
  LEFT JOIN hastecrm_perf.statement_text t
         ON t.userid = w.userid AND t.dbid = w.dbid AND t.queryid = w.queryid
  WHERE w.calls > 0 OR w.errors > 0
  ORDER BY w.total_ms DESC, w.dbid, w.queryid NULLS LAST, w.userid;
END $$;
COMMENT ON FUNCTION hastecrm_perf.query_latency_between(tstzrange) IS
  'query_latency over a past window: calls, times and p50/p95/p99 of the window alone (merged histogram deltas); first_seen/last_seen are the window''s first and last snapshot with the statement, max_ms an upper bound when unknown; one ''<other statements>'' row per database holds what the top-N left out';

CREATE FUNCTION hastecrm_perf.slow_queries_between(during tstzrange, min_mean_ms float8 DEFAULT NULL,
    max_rows int DEFAULT 20)
RETURNS TABLE (queryid bigint, query text, calls bigint, mean_ms float8, p95_ms float8,
               p99_ms float8, total_ms float8, pct_of_total float8, rows_per_call float8,
               shared_hit_pct float8, dbid oid, userid oid)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  threshold float8 := coalesce(min_mean_ms, current_setting('hastecrm_perf.slow_query_ms', true)::float8, 100);
BEGIN
  PERFORM hastecrm_perf.history_check_window(during, 'during');
  IF max_rows IS NULL OR max_rows < 1 THEN
    RAISE EXCEPTION 'max_rows must be a positive number of rows, not %', coalesce(max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF threshold < 0 OR threshold = 'NaN'::float8 THEN
    RAISE EXCEPTION 'min_mean_ms must be zero or more milliseconds, not %', threshold
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  SELECT l.queryid, l.query, l.calls, l.mean_ms, l.p95_ms, l.p99_ms, l.total_ms,
         l.pct_of_total, l.rows::float8 / nullif(l.calls, 0), NULL::float8, l.dbid, l.userid
  FROM (SELECT b.*, 100 * b.total_ms / nullif(sum(b.total_ms) OVER (), 0) AS pct_of_total
        FROM hastecrm_perf.query_latency_between(during) b) l
  WHERE l.queryid IS NOT NULL AND l.mean_ms >= threshold
  ORDER BY l.total_ms DESC, l.queryid
  LIMIT max_rows;
END $$;
COMMENT ON FUNCTION hastecrm_perf.slow_queries_between(tstzrange, float8, int) IS
  'slow_queries() over a past window, every database of the history: mean latency at least min_mean_ms (NULL: hastecrm_perf.slow_query_ms), by total time; pct_of_total counts the other statements too; shared_hit_pct is not kept (NULL)';

CREATE FUNCTION hastecrm_perf.latency_diff(before tstzrange, after tstzrange)
RETURNS TABLE (userid oid, dbid oid, queryid bigint, query text,
               calls_before bigint, calls_after bigint,
               mean_ms_before float8, mean_ms_after float8, mean_change_pct float8,
               p95_ms_before float8, p95_ms_after float8, p95_change_pct float8,
               added_ms float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM hastecrm_perf.history_check_window(before, 'before');
  PERFORM hastecrm_perf.history_check_window(after, 'after');
  RETURN QUERY
  SELECT coalesce(a.userid, b.userid), coalesce(a.dbid, b.dbid), coalesce(a.queryid, b.queryid),
         coalesce(a.query, b.query), b.calls, a.calls, b.mean_ms, a.mean_ms,
         100 * (a.mean_ms - b.mean_ms) / nullif(b.mean_ms, 0),
         b.p95_ms, a.p95_ms, 100 * (a.p95_ms - b.p95_ms) / nullif(b.p95_ms, 0),
         (a.mean_ms - b.mean_ms) * a.calls
  FROM (SELECT * FROM hastecrm_perf.query_latency_between(before) x WHERE x.queryid IS NOT NULL) b
  FULL JOIN (SELECT * FROM hastecrm_perf.query_latency_between(after) y WHERE y.queryid IS NOT NULL) a
    ON a.userid = b.userid AND a.dbid = b.dbid AND a.queryid = b.queryid
  ORDER BY (a.mean_ms - b.mean_ms) * a.calls DESC NULLS LAST, a.total_ms DESC NULLS LAST,
           3, 1;
END $$;
COMMENT ON FUNCTION hastecrm_perf.latency_diff(tstzrange, tstzrange) IS
  'Per statement, calls, mean and p95 in two windows and their change; worst regression first: added_ms, the time the slower mean cost over the calls of the after window (statements in one window only come last)';

CREATE FUNCTION hastecrm_perf.relation_growth("over" interval DEFAULT '30 days',
    OUT relid oid, OUT schemaname name, OUT relname name, OUT bytes_then bigint,
    OUT bytes_now bigint, OUT measured_then timestamptz, OUT measured_now timestamptz,
    OUT bytes_per_day float8, OUT days_to_double float8)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF "over" IS NULL THEN
    RAISE EXCEPTION 'over must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF "over" <= interval '0' THEN
    RAISE EXCEPTION 'over must be a positive interval, not %', "over" USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH span AS (
    SELECT h.relid, h.snapshot_at, h.total_bytes, h.schemaname, h.relname,
           row_number() OVER (PARTITION BY h.relid ORDER BY h.snapshot_at) AS first_rank,
           row_number() OVER (PARTITION BY h.relid ORDER BY h.snapshot_at DESC) AS last_rank
    FROM hastecrm_perf.relation_history h
    -- Tables and matviews (their indexes and TOAST included); index rows are per-index scan counts.
    WHERE h.snapshot_at >= now() - "over" AND h.relkind IN ('r', 'm'))
  SELECT l.relid, l.schemaname, l.relname, f.total_bytes, l.total_bytes, f.snapshot_at, l.snapshot_at,
         rate.per_day,
         CASE WHEN rate.per_day > 0 THEN l.total_bytes / rate.per_day END
  FROM span l
  JOIN span f ON f.relid = l.relid AND f.first_rank = 1
  CROSS JOIN LATERAL (
    SELECT CASE WHEN l.snapshot_at > f.snapshot_at
                THEN (l.total_bytes - f.total_bytes)
                     / (extract(epoch FROM l.snapshot_at - f.snapshot_at)::float8 / 86400) END AS per_day) rate
  WHERE l.last_rank = 1
  ORDER BY rate.per_day DESC NULLS LAST, l.total_bytes DESC, l.relid;
END $$;
COMMENT ON FUNCTION hastecrm_perf.relation_growth(interval) IS
  'Per relation of the history: its size at the first and the last daily measure within the interval, the growth in bytes per day and the days until it doubles at that rate (NULL when not growing)';

REVOKE ALL ON hastecrm_perf.statement_history, hastecrm_perf.statement_history_hourly,
    hastecrm_perf.statement_text, hastecrm_perf.database_history, hastecrm_perf.relation_history,
    hastecrm_perf.lock_episodes, hastecrm_perf.history_state FROM PUBLIC;
-- pg_monitor has the rights of pg_read_all_stats: every text is its to read.
GRANT SELECT ON hastecrm_perf.statement_history, hastecrm_perf.statement_history_hourly,
    hastecrm_perf.statement_text, hastecrm_perf.database_history, hastecrm_perf.relation_history,
    hastecrm_perf.lock_episodes TO pg_monitor;
REVOKE ALL ON FUNCTION hastecrm_perf.histogram_merge(bytea[]),
    hastecrm_perf.histogram_percentile(bytea, float8, float8), hastecrm_perf.histogram_buckets(bytea),
    hastecrm_perf.history_check_window(tstzrange, text), hastecrm_perf.history_window(tstzrange),
    hastecrm_perf.query_latency_between(tstzrange), hastecrm_perf.slow_queries_between(tstzrange, float8, int),
    hastecrm_perf.latency_diff(tstzrange, tstzrange), hastecrm_perf.relation_growth(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.histogram_merge(bytea[]),
    hastecrm_perf.histogram_percentile(bytea, float8, float8), hastecrm_perf.histogram_buckets(bytea),
    hastecrm_perf.history_check_window(tstzrange, text), hastecrm_perf.history_window(tstzrange),
    hastecrm_perf.query_latency_between(tstzrange), hastecrm_perf.slow_queries_between(tstzrange, float8, int),
    hastecrm_perf.latency_diff(tstzrange, tstzrange), hastecrm_perf.relation_growth(interval) TO pg_monitor;

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

-- Every scalar metric above in one long view: a name in base units, the
-- database, one text label, the value. (The histograms, being arrays, are
-- read from metrics_database_latency and query_latency_buckets_top().)
CREATE VIEW hastecrm_perf.metrics AS
SELECT 'latency_seconds_count'::text AS metric, l.datname, ''::text AS label, l.count::float8 AS value
FROM hastecrm_perf.metrics_database_latency l
UNION ALL
SELECT 'latency_seconds_sum', l.datname, '', l.sum_seconds FROM hastecrm_perf.metrics_database_latency l
UNION ALL
SELECT m.metric, pg_catalog.current_database()::text, '', m.value
FROM hastecrm_perf.metrics_latency_table t,
     LATERAL (VALUES ('latency_table_statements', t.statements::float8),
                     ('latency_table_capacity', t.capacity::float8),
                     ('latency_table_evictions_total', t.evictions_total::float8)) AS m(metric, value)
UNION ALL
SELECT m.metric, pg_catalog.current_database()::text, '', m.value
FROM hastecrm_perf.metrics_locks k,
     LATERAL (VALUES ('lock_waiters', k.waiters::float8), ('lock_root_blockers', k.root_blockers::float8),
                     ('lock_oldest_wait_seconds', k.oldest_wait_seconds)) AS m(metric, value)
UNION ALL
SELECT m.metric, j.datname, 'kind=' || j.kind, m.value
FROM hastecrm_perf.metrics_jobs j,
     LATERAL (VALUES ('jobs', j.jobs::float8), ('jobs_failing', j.failing::float8),
                     ('jobs_max_consecutive_failures', j.max_consecutive_failures::float8),
                     ('job_failures_last_hour', j.failures_last_hour::float8)) AS m(metric, value)
UNION ALL
SELECT 'partitions_missing_ahead', pg_catalog.current_database()::text, 'parent=' || p.parent, p.missing_ahead::float8
FROM hastecrm_perf.metrics_partitions p
UNION ALL
SELECT 'health_findings', pg_catalog.current_database()::text,
       'check=' || h."check" || ',severity=' || h.severity, h.findings::float8
FROM hastecrm_perf.metrics_health h
UNION ALL
SELECT 'history_last_snapshot_age_seconds', h.datname, '', h.last_snapshot_age_seconds
FROM hastecrm_perf.metrics_history h;
COMMENT ON VIEW hastecrm_perf.metrics IS
  'Every scalar metric of the metrics_* views in one place: metric (base units: seconds, counts), datname, one text label (kind=, parent=, check=...,severity=), value';
REVOKE ALL ON hastecrm_perf.metrics FROM PUBLIC;
GRANT SELECT ON hastecrm_perf.metrics TO pg_monitor;

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
    last_sqlstate text,
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

-- The jobs view: the relation jobs with their masked errors, the
-- database-wide jobs (target: the database, errors for its owner), the snapshot.
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
       m.next_run, m.last_run, m.last_status,
       CASE WHEN m.last_error IS NULL
              OR hastecrm_perf.may_read_job_error((SELECT d.datdba FROM pg_catalog.pg_database d
                                                   WHERE d.datname = pg_catalog.current_database()))
            THEN m.last_error ELSE '<insufficient privilege>' END,
       m.consecutive_failures, m.last_sqlstate
FROM hastecrm_perf.maintenance_config m
UNION ALL
SELECT 'snapshot', 'history',
       CASE WHEN pg_catalog.current_setting('hastecrm_perf.history_interval', true) IN ('0', '0s')
            THEN 'off'
            ELSE 'every ' || coalesce(pg_catalog.current_setting('hastecrm_perf.history_interval', true), '300s')
                 || ' in ' || coalesce(nullif(pg_catalog.current_setting('hastecrm_perf.history_database', true), ''),
                                       'the first of hastecrm_perf.worker_databases')
       END,
       s.next_run, s.last_run, s.last_status,
       -- Its errors may quote any statement's data: superusers only.
       CASE WHEN s.last_error IS NULL OR hastecrm_perf.may_read_job_error(NULL) THEN s.last_error
            ELSE '<insufficient privilege>' END,
       s.consecutive_failures, s.last_sqlstate
FROM hastecrm_perf.history_state s
-- Shown where the job runs: in the history database.
WHERE s.last_run IS NOT NULL OR s.next_run IS NOT NULL;



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
