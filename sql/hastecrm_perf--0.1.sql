-- hastecrm_perf 0.1
\echo Use "CREATE EXTENSION hastecrm_perf" to load this file. \quit

COMMENT ON SCHEMA hastecrm_perf IS
  'hastecrm_perf: database performance reports and maintenance jobs';

-- Lock chains (SPEC §2) ------------------------------------------------------

CREATE FUNCTION hastecrm_perf.lock_chains(
    OUT pid int, OUT root_pid int, OUT depth int, OUT blocked_by int[],
    OUT blocking_count int, OUT chain int[], OUT lock_type text, OUT lock_mode text,
    OUT relation regclass, OUT waiting_for interval, OUT state text,
    OUT wait_event_type text, OUT wait_event text, OUT xact_age interval,
    OUT state_age interval, OUT usename text, OUT application_name text,
    OUT client_addr inet, OUT query text, OUT suggestion text)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'lock_chains';

COMMENT ON FUNCTION hastecrm_perf.lock_chains() IS
  'One row per backend that waits on a heavyweight lock or blocks one that does, in a forest of blocking trees computed from the lock manager (edges equal pg_blocking_pids)';

CREATE VIEW hastecrm_perf.lock_tree AS
SELECT c.root_pid, c.depth, c.pid,
       repeat('    ', greatest(c.depth - 1, 0))
       || CASE WHEN c.depth > 0 THEN '└─ ' ELSE '' END
       || CASE WHEN c.pid = 0 THEN '0 (prepared transaction)' ELSE c.pid::text END
       || CASE WHEN c.depth = 0
               THEN format(' blocks %s', c.blocking_count)
               ELSE format(' waits %s for %s on %s',
                           coalesce(to_char(c.waiting_for, 'HH24:MI:SS'), '?'),
                           c.lock_mode,
                           CASE WHEN c.lock_type = 'relation' THEN c.relation::text
                                WHEN c.relation IS NOT NULL THEN c.lock_type || ' of ' || c.relation::text
                                ELSE c.lock_type END)
          END
       || coalesce(' [' || c.state || coalesce(' ' || to_char(c.state_age, 'HH24:MI:SS'), '') || ']', '')
       || coalesce(' ' || c.usename || ':', '')
       || coalesce(' ' || left(regexp_replace(c.query, '\s+', ' ', 'g'), 80), '')
       AS line
FROM hastecrm_perf.lock_chains() WITH ORDINALITY AS c
ORDER BY c.ordinality;

COMMENT ON VIEW hastecrm_perf.lock_tree IS
  'The lock_chains() forest, one indented line per pid, in an order psql prints as trees';

REVOKE ALL ON FUNCTION hastecrm_perf.lock_chains() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.lock_chains() TO pg_monitor;
GRANT USAGE ON SCHEMA hastecrm_perf TO pg_monitor;
GRANT SELECT ON hastecrm_perf.lock_tree TO pg_monitor;

-- Query latency, slow queries, N+1 (SPEC §4) ------------------------------------
-- The tables live in shared memory: every function below raises SQLSTATE 55000
-- unless the library is in shared_preload_libraries.

CREATE FUNCTION hastecrm_perf.query_latency_entries(
    OUT userid oid, OUT dbid oid, OUT queryid bigint, OUT query text, OUT calls bigint,
    OUT total_ms float8, OUT mean_ms float8, OUT p50_ms float8, OUT p95_ms float8,
    OUT p99_ms float8, OUT max_ms float8, OUT rows bigint, OUT first_seen timestamptz,
    OUT last_seen timestamptz, OUT errors bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_latency_entries';
COMMENT ON FUNCTION hastecrm_perf.query_latency_entries() IS
  'The shared latency table, one row per (userid, dbid, queryid); read it through the query_latency view';

CREATE VIEW hastecrm_perf.query_latency AS
SELECT userid, dbid, queryid, query, calls, total_ms, mean_ms, p50_ms, p95_ms, p99_ms,
       max_ms, rows, first_seen, last_seen, errors
FROM hastecrm_perf.query_latency_entries();
COMMENT ON VIEW hastecrm_perf.query_latency IS
  'Latency of every statement timed by the executor hooks: calls, total and mean, p50/p95/p99 from a log-linear histogram (bucket error under 10%), max, rows, errors; query text normalized ($n for constants)';

CREATE FUNCTION hastecrm_perf.query_histogram(queryid bigint,
    OUT lower_ms float8, OUT upper_ms float8, OUT calls bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_histogram';
COMMENT ON FUNCTION hastecrm_perf.query_histogram(bigint) IS
  'The non-empty latency buckets of one queryid in this database (all roles the caller may see, merged)';

CREATE FUNCTION hastecrm_perf.query_latency_reset()
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'query_latency_reset';
COMMENT ON FUNCTION hastecrm_perf.query_latency_reset() IS
  'Empties the latency table and the N+1 suspects (superuser only unless granted)';

CREATE FUNCTION hastecrm_perf.slow_queries(min_mean_ms float8 DEFAULT NULL, max_rows int DEFAULT 20)
RETURNS TABLE (queryid bigint, query text, calls bigint, mean_ms float8, p95_ms float8,
               p99_ms float8, total_ms float8, pct_of_total float8, rows_per_call float8,
               shared_hit_pct float8)
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  threshold float8 := coalesce(min_mean_ms, current_setting('hastecrm_perf.slow_query_ms', true)::float8);
  pgss_schema name;
  ranked constant text := $q$
    SELECT l.userid, l.dbid, l.queryid, l.query, l.calls, l.mean_ms, l.p95_ms, l.p99_ms, l.total_ms,
           100 * l.total_ms / nullif(sum(l.total_ms) OVER (), 0) AS pct_of_total,
           l.rows::float8 / nullif(l.calls, 0) AS rows_per_call
    FROM hastecrm_perf.query_latency l
    WHERE l.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  $q$;
BEGIN
  IF threshold IS NULL THEN
    -- The setting exists once the library is loaded, always when preloaded.
    -- Loading it here raises the 55000 that says preloading is needed.
    PERFORM 1 FROM hastecrm_perf.query_latency_entries() LIMIT 1;
    threshold := current_setting('hastecrm_perf.slow_query_ms')::float8;
  END IF;
  IF max_rows IS NULL OR max_rows < 1 THEN
    RAISE EXCEPTION 'max_rows must be a positive number of rows, not %', coalesce(max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF threshold < 0 OR threshold = 'NaN'::float8 THEN
    RAISE EXCEPTION 'min_mean_ms must be zero or more milliseconds, not %', threshold
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT n.nspname INTO pgss_schema
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_stat_statements';

  IF pgss_schema IS NOT NULL THEN
    BEGIN
      RETURN QUERY EXECUTE format($q$
        SELECT r.queryid, r.query, r.calls, r.mean_ms, r.p95_ms, r.p99_ms, r.total_ms,
               r.pct_of_total, r.rows_per_call,
               100 * s.hit::float8 / nullif(s.hit + s.read, 0)
        FROM (%s) r
        LEFT JOIN LATERAL (
          SELECT sum(p.shared_blks_hit) AS hit, sum(p.shared_blks_read) AS read
          FROM %I.pg_stat_statements p
          WHERE p.userid = r.userid AND p.dbid = r.dbid AND p.queryid = r.queryid) s ON true
        WHERE r.mean_ms >= $1
        ORDER BY r.total_ms DESC, r.queryid
        LIMIT $2$q$, ranked, pgss_schema)
      USING threshold, max_rows;
      RETURN;
    EXCEPTION WHEN object_not_in_prerequisite_state OR insufficient_privilege THEN
      -- pg_stat_statements installed here but not loaded, or not readable.
      NULL;
    END;
  END IF;

  RETURN QUERY EXECUTE format($q$
    SELECT r.queryid, r.query, r.calls, r.mean_ms, r.p95_ms, r.p99_ms, r.total_ms,
           r.pct_of_total, r.rows_per_call, NULL::float8
    FROM (%s) r
    WHERE r.mean_ms >= $1
    ORDER BY r.total_ms DESC, r.queryid
    LIMIT $2$q$, ranked)
  USING threshold, max_rows;
END $$;
COMMENT ON FUNCTION hastecrm_perf.slow_queries(float8, int) IS
  'Statements of this database whose mean latency reaches min_mean_ms (NULL: hastecrm_perf.slow_query_ms), by total time, with percentiles and their share of all time; shared_hit_pct from pg_stat_statements when it is installed';

CREATE FUNCTION hastecrm_perf.n_plus_one_entries(
    OUT userid oid, OUT dbid oid, OUT queryid bigint, OUT parent_queryid bigint,
    OUT occurrences bigint, OUT max_repeats bigint, OUT total_repeats bigint,
    OUT wasted_ms float8, OUT last_seen timestamptz)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'n_plus_one_entries';
COMMENT ON FUNCTION hastecrm_perf.n_plus_one_entries() IS
  'The shared table of N+1 suspects; read it through the n_plus_one view';

CREATE VIEW hastecrm_perf.n_plus_one AS
SELECT n.queryid, q.query, n.parent_queryid, p.query AS parent_query, n.occurrences,
       n.max_repeats, n.total_repeats, n.wasted_ms, n.last_seen, n.userid, n.dbid
FROM hastecrm_perf.n_plus_one_entries() n
LEFT JOIN hastecrm_perf.query_latency q
       ON q.userid = n.userid AND q.dbid = n.dbid AND q.queryid = n.queryid
LEFT JOIN hastecrm_perf.query_latency p
       ON p.userid = n.userid AND p.dbid = n.dbid AND p.queryid = n.parent_queryid
ORDER BY n.wasted_ms DESC;
COMMENT ON VIEW hastecrm_perf.n_plus_one IS
  'N+1 suspects: a statement run at least hastecrm_perf.n_plus_one_threshold times in one transaction (or burst of autocommit statements), with the statement before the loop, repeats and the time batching would have saved';

REVOKE ALL ON FUNCTION hastecrm_perf.query_latency_entries() FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.query_histogram(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.query_latency_reset() FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.slow_queries(float8, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.n_plus_one_entries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_latency_entries() TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_histogram(bigint) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.slow_queries(float8, int) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.n_plus_one_entries() TO pg_monitor;
GRANT SELECT ON hastecrm_perf.query_latency, hastecrm_perf.n_plus_one TO pg_monitor;

-- Bloat (SPEC §3) -----------------------------------------------------------------

CREATE FUNCTION hastecrm_perf.table_bloat(min_bytes bigint DEFAULT 0,
    OUT relid regclass, OUT schemaname text, OUT relname text, OUT table_bytes bigint,
    OUT toast_bytes bigint, OUT expected_bytes bigint, OUT bloat_bytes bigint,
    OUT bloat_pct float8, OUT n_live_tup bigint, OUT n_dead_tup bigint, OUT estimate text,
    OUT last_vacuum timestamptz, OUT last_autovacuum timestamptz)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'table_bloat';
COMMENT ON FUNCTION hastecrm_perf.table_bloat(bigint) IS
  'Statistics-based bloat of every table and materialized view the caller may read (heap and TOAST, sizes as of the last VACUUM/ANALYZE): reads no page, takes no lock; estimate is ok, no_stats or stale_stats';

CREATE FUNCTION hastecrm_perf.index_bloat(min_bytes bigint DEFAULT 0,
    OUT relid regclass, OUT schemaname text, OUT relname text, OUT indexrelid regclass,
    OUT indexrelname text, OUT index_bytes bigint, OUT expected_bytes bigint,
    OUT bloat_bytes bigint, OUT bloat_pct float8, OUT n_live_tup bigint, OUT n_dead_tup bigint,
    OUT estimate text, OUT last_vacuum timestamptz, OUT last_autovacuum timestamptz)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'index_bloat';
COMMENT ON FUNCTION hastecrm_perf.index_bloat(bigint) IS
  'Statistics-based bloat of every index the caller may read: B-trees against the size a REINDEX would build (deduplication and expression keys included); other access methods listed as unsupported';

CREATE FUNCTION hastecrm_perf.table_bloat_scan(rel regclass, sample_pages int DEFAULT 0,
    OUT relid regclass, OUT total_pages bigint, OUT scanned_pages bigint,
    OUT all_visible_pages bigint, OUT live_pct float8, OUT dead_pct float8, OUT free_pct float8,
    OUT reclaimable_bytes bigint, OUT reclaimable_pct float8, OUT margin_pct float8,
    OUT method text, OUT toast_pages bigint, OUT toast_reclaimable_bytes bigint,
    OUT toast_reclaimable_pct float8)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'table_bloat_scan';
COMMENT ON FUNCTION hastecrm_perf.table_bloat_scan(regclass, int) IS
  'Bloat measured from the pages of a table (and its TOAST table): all of them when small, else a sample sized for ±2 points at 95% (sample_pages = 0) or the number given; all-visible pages are not read; read-only, bulk-read buffer strategy';

CREATE FUNCTION hastecrm_perf.index_bloat_scan(idx regclass, sample_pages int DEFAULT 0,
    OUT indexrelid regclass, OUT leaf_pages bigint, OUT scanned_pages bigint,
    OUT avg_leaf_density float8, OUT live_items bigint, OUT expected_bytes bigint,
    OUT reclaimable_bytes bigint, OUT reclaimable_pct float8, OUT margin_pct float8,
    OUT method text)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'index_bloat_scan';
COMMENT ON FUNCTION hastecrm_perf.index_bloat_scan(regclass, int) IS
  'Bloat of a B-tree from its leaf pages: live items (every posting-list TID, LP_DEAD items skipped), leaf density, and the size a REINDEX would build';

REVOKE ALL ON FUNCTION hastecrm_perf.table_bloat(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.index_bloat(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.table_bloat_scan(regclass, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION hastecrm_perf.index_bloat_scan(regclass, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hastecrm_perf.table_bloat(bigint) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.index_bloat(bigint) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.table_bloat_scan(regclass, int) TO pg_monitor;
GRANT EXECUTE ON FUNCTION hastecrm_perf.index_bloat_scan(regclass, int) TO pg_monitor;

-- Maintenance jobs: partitions and materialized view refreshes (SPEC §5) -----
--
-- The configuration tables belong to pg_dump (pg_extension_config_dump): a
-- restored database keeps its jobs. They are written only through the
-- functions below, which check that the caller owns the target.

CREATE TABLE hastecrm_perf.partition_config (
    parent regclass PRIMARY KEY,
    step text NOT NULL
        CHECK (step IN ('daily', 'weekly', 'monthly', 'quarterly', 'yearly')),
    premake int NOT NULL CHECK (premake BETWEEN 1 AND 1000),
    retention interval,
    retention_action text NOT NULL DEFAULT 'detach'
        CHECK (retention_action IN ('detach', 'drop')),
    -- Job state, kept by the worker and run_maintenance().
    next_run timestamptz,
    last_run timestamptz,
    last_status text,
    last_error text,
    consecutive_failures int NOT NULL DEFAULT 0
);
COMMENT ON TABLE hastecrm_perf.partition_config IS
  'Partitioned tables whose partitions the maintenance worker creates ahead and retires (see manage_partitions)';

CREATE TABLE hastecrm_perf.refresh_config (
    view regclass PRIMARY KEY,
    every interval NOT NULL,
    "concurrently" boolean,
    skip_unchanged boolean NOT NULL DEFAULT true,
    -- Change counters of the base tables when the view was last refreshed.
    base_signature text,
    next_run timestamptz,
    last_run timestamptz,
    last_status text,
    last_error text,
    consecutive_failures int NOT NULL DEFAULT 0
);
COMMENT ON TABLE hastecrm_perf.refresh_config IS
  'Materialized views the maintenance worker refreshes on a schedule (see schedule_refresh)';

SELECT pg_catalog.pg_extension_config_dump('hastecrm_perf.partition_config', '');
SELECT pg_catalog.pg_extension_config_dump('hastecrm_perf.refresh_config', '');

CREATE TABLE hastecrm_perf.job_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    target text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('ok', 'skipped', 'error', 'lock_timeout')),
    detail text,
    action text
);
CREATE INDEX job_log_started_at ON hastecrm_perf.job_log (started_at);
COMMENT ON TABLE hastecrm_perf.job_log IS
  'History of maintenance jobs that did something, skipped or failed; pruned after hastecrm_perf.job_log_days';

-- Targets are shown schema-qualified whatever the reader's search_path, as
-- job_log and run_maintenance() show them.
CREATE VIEW hastecrm_perf.jobs AS
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
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace;
COMMENT ON VIEW hastecrm_perf.jobs IS
  'Every maintenance job: its schedule, when it runs next and how it last ended';

CREATE FUNCTION hastecrm_perf.manage_partitions(parent regclass, step text, premake int DEFAULT 4,
    retention interval DEFAULT NULL, retention_action text DEFAULT 'detach')
RETURNS int
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'manage_partitions';
COMMENT ON FUNCTION hastecrm_perf.manage_partitions(regclass, text, int, interval, text) IS
  'Keeps partitions of a RANGE-partitioned table made ahead (and, with retention, retired); creates what is missing now and returns how many';

CREATE FUNCTION hastecrm_perf.unmanage_partitions(parent regclass)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'unmanage_partitions';
COMMENT ON FUNCTION hastecrm_perf.unmanage_partitions(regclass) IS
  'Stops partition maintenance of a table; its partitions stay as they are';

-- CONCURRENTLY is a keyword: the argument and column names need quotes.
CREATE FUNCTION hastecrm_perf.schedule_refresh(view regclass, every interval,
    "concurrently" boolean DEFAULT NULL, skip_unchanged boolean DEFAULT true)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'schedule_refresh';
COMMENT ON FUNCTION hastecrm_perf.schedule_refresh(regclass, interval, boolean, boolean) IS
  'Refreshes a materialized view every interval (CONCURRENTLY when possible), skipping it when no base table changed';

CREATE FUNCTION hastecrm_perf.unschedule_refresh(view regclass)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'unschedule_refresh';
COMMENT ON FUNCTION hastecrm_perf.unschedule_refresh(regclass) IS
  'Stops the scheduled refreshes of a materialized view';

CREATE FUNCTION hastecrm_perf.run_maintenance(
    OUT kind text, OUT target text, OUT action text, OUT status text, OUT detail text,
    OUT duration_ms float8)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'run_maintenance';
COMMENT ON FUNCTION hastecrm_perf.run_maintenance() IS
  'Runs every due maintenance job now, in this session (a superuser runs all, others the jobs of what they own)';

REVOKE ALL ON hastecrm_perf.partition_config, hastecrm_perf.refresh_config,
    hastecrm_perf.job_log, hastecrm_perf.jobs FROM PUBLIC;
GRANT SELECT ON hastecrm_perf.jobs, hastecrm_perf.job_log TO pg_monitor;
-- Table owners may put their own tables under maintenance: each function
-- checks ownership of its target, and the jobs later run as that owner.
GRANT USAGE ON SCHEMA hastecrm_perf TO PUBLIC;
