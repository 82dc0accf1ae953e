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
