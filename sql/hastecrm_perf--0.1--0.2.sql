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



-- (end of metrics)


-- The report (SPEC §11) --------------------------------------------------------



-- (end of report)


-- Weekly maintenance: ANALYZE and REINDEX (SPEC §5) -----------------------------



-- (end of weekly maintenance)


-- Plans and index advice (SPEC §12) ---------------------------------------------



-- (end of advice)
