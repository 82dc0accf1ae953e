-- Maintenance jobs, what 0.1 got wrong (SPEC §5): which refreshes can be
-- skipped, jobs that go with their target, and who reads error texts.
-- Driven by hand (this server has no worker_databases).
CREATE EXTENSION hastecrm_perf;
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';

--------------------------------------------------------------------------------
-- 1. Skipping refreshes. The guide's view, exactly as the guide writes it:
-- date_trunc on a timestamptz reads TimeZone only, so it is judged (skipped
-- while contacts does not change), and a change of TimeZone, which changes
-- its result, forces one refresh.
CREATE TABLE contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id int NOT NULL,
    email text,
    email_verified boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO contacts (workspace_id, email, email_verified, created_at)
SELECT g % 3, 'c' || g || '@example.com', g % 2 = 0,
       '2026-01-01 00:00:00+00'::timestamptz + g * interval '5 hours'
FROM generate_series(1, 30) AS g;
CREATE MATERIALIZED VIEW contact_stats AS SELECT workspace_id, DATE_TRUNC('day', created_at) as date, COUNT(*) as new_contacts, COUNT(CASE WHEN email_verified THEN 1 END) as verified_contacts FROM contacts GROUP BY workspace_id, DATE_TRUNC('day', created_at);
CREATE UNIQUE INDEX ON contact_stats (workspace_id, date);
-- A view that reads no setting: a change of TimeZone leaves it skipped.
CREATE MATERIALIZED VIEW workspace_counts AS SELECT workspace_id, count(*) AS n, max(created_at) AS newest FROM contacts GROUP BY 1;
SELECT pg_stat_force_next_flush();
SELECT hastecrm_perf.schedule_refresh(v, '1 microsecond')
FROM unnest('{contact_stats,workspace_counts}'::regclass[]) AS v;
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
INSERT INTO contacts (workspace_id, created_at) VALUES (1, '2026-01-03 12:00:00+00');
SELECT pg_stat_force_next_flush();
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
-- Days in New York start five hours later: the refresh that TimeZone forces
-- regroups the contacts.
SET TimeZone = 'America/New_York';
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT count(*) AS stale_rows FROM (
    (SELECT * FROM contact_stats
     EXCEPT SELECT workspace_id, date_trunc('day', created_at), count(*),
                   count(CASE WHEN email_verified THEN 1 END)
     FROM contacts GROUP BY 1, 2)
    UNION ALL
    (SELECT workspace_id, date_trunc('day', created_at), count(*),
            count(CASE WHEN email_verified THEN 1 END)
     FROM contacts GROUP BY 1, 2
     EXCEPT SELECT * FROM contact_stats)) AS difference;
SELECT count(*) FILTER (WHERE extract(hour FROM date AT TIME ZONE 'UTC') = 5) = count(*) AS new_york_days
FROM contact_stats;
SELECT hastecrm_perf.unschedule_refresh(v) FROM unnest('{contact_stats,workspace_counts}'::regclass[]) AS v;
SET TimeZone = 'UTC';

-- Views of that kind stay judgeable (to_char, AT TIME ZONE, a formatted
-- value, age() of two values, an IMMUTABLE user function); the others are
-- refreshed on every due run, and the log names the function.
CREATE SEQUENCE contact_numbers;
CREATE FUNCTION tier(n bigint) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT CASE WHEN n > 5 THEN 'big' ELSE 'small' END $$;
CREATE FUNCTION verified_share(w int) RETURNS float8 STABLE LANGUAGE sql
  AS $$ SELECT avg(email_verified::int) FROM public.contacts WHERE workspace_id = w $$;
CREATE FUNCTION dice() RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT 4 $$;
CREATE MATERIALIZED VIEW j_to_char AS SELECT to_char(created_at, 'YYYY-MM') AS month, count(*) FROM contacts GROUP BY 1;
CREATE MATERIALIZED VIEW j_at_zone AS SELECT (created_at AT TIME ZONE 'Europe/Berlin')::date AS day, count(*) FROM contacts GROUP BY 1;
CREATE MATERIALIZED VIEW j_concat AS SELECT concat(workspace_id, ': ', min(created_at)) AS label FROM contacts GROUP BY workspace_id;
CREATE MATERIALIZED VIEW j_as_text AS SELECT max(created_at)::text AS newest, json_agg(created_at ORDER BY id) AS stamps FROM contacts;
CREATE MATERIALIZED VIEW j_age2 AS SELECT max(age(created_at, '2020-01-01 00:00:00+00')) AS oldest FROM contacts;
CREATE MATERIALIZED VIEW j_immutable_fn AS SELECT tier(count(*)) AS size FROM contacts;
CREATE MATERIALIZED VIEW u_now AS SELECT count(*) FILTER (WHERE created_at > now() - interval '1 day') AS recent FROM contacts;
CREATE MATERIALIZED VIEW u_current_date AS SELECT count(*) FILTER (WHERE created_at::date = CURRENT_DATE) AS today FROM contacts;
CREATE MATERIALIZED VIEW u_localtimestamp AS SELECT count(*) FILTER (WHERE created_at::timestamp < LOCALTIMESTAMP) AS past FROM contacts;
CREATE MATERIALIZED VIEW u_clock AS SELECT clock_timestamp() - max(created_at) AS lag FROM contacts;
CREATE MATERIALIZED VIEW u_statement AS SELECT statement_timestamp() - max(created_at) AS lag FROM contacts;
CREATE MATERIALIZED VIEW u_age1 AS SELECT max(age(created_at)) AS oldest FROM contacts;
CREATE MATERIALIZED VIEW u_user AS SELECT current_user AS refreshed_by, count(*) FROM contacts;
CREATE MATERIALIZED VIEW u_txid AS SELECT txid_current() AS xid, count(*) FROM contacts;
CREATE MATERIALIZED VIEW u_random AS SELECT count(*) FILTER (WHERE random() < 0.5) AS sample FROM contacts;
CREATE MATERIALIZED VIEW u_nextval AS SELECT nextval('contact_numbers') AS n, count(*) FROM contacts;
CREATE MATERIALIZED VIEW u_parse_date AS SELECT count(*) FILTER (WHERE email::date IS NULL) AS n FROM contacts WHERE false;
CREATE MATERIALIZED VIEW u_stable_fn AS SELECT workspace_id, verified_share(workspace_id) FROM contacts GROUP BY 1;
CREATE MATERIALIZED VIEW u_volatile_fn AS SELECT dice() AS roll, count(*) FROM contacts;
CREATE MATERIALIZED VIEW u_catalog AS SELECT to_regclass('contacts') IS NOT NULL AS known, count(*) FROM contacts;
CREATE MATERIALIZED VIEW u_subquery AS SELECT (SELECT count(*) FROM contacts WHERE created_at < now()) AS n;
SELECT pg_stat_force_next_flush();
SELECT hastecrm_perf.schedule_refresh(c.oid, '1 microsecond')
FROM pg_class c WHERE c.relkind = 'm' AND c.relname ~ '^[ju]_' ORDER BY c.relname;
SELECT status, count(*) FROM hastecrm_perf.run_maintenance() GROUP BY 1;
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT hastecrm_perf.unschedule_refresh(c.oid)
FROM pg_class c WHERE c.relkind = 'm' AND c.relname ~ '^[ju]_' ORDER BY c.relname;

--------------------------------------------------------------------------------
-- 2. A job goes with its target: an event trigger removes it in the dropping
-- transaction itself (so no later cycle can find the OID reused by another
-- table), whoever drops it and however (DROP TABLE, DROP ... CASCADE,
-- with session_replication_role = replica).
CREATE ROLE safety_owner;
CREATE ROLE safety_monitor IN ROLE pg_monitor;
GRANT pg_monitor TO safety_owner;
CREATE SCHEMA doomed AUTHORIZATION safety_owner;
SET ROLE safety_owner;
CREATE TABLE doomed.parts (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE doomed.base (v int);
CREATE MATERIALIZED VIEW doomed.mv AS SELECT count(*) AS n FROM doomed.base;
CREATE TABLE doomed.other_parts (at date NOT NULL) PARTITION BY RANGE (at);
SELECT hastecrm_perf.manage_partitions('doomed.parts', 'yearly', 1) AS created;
SELECT hastecrm_perf.manage_partitions('doomed.other_parts', 'yearly', 1) AS created;
SELECT hastecrm_perf.schedule_refresh('doomed.mv', '1 hour');
RESET ROLE;
SELECT max(id) AS log_mark FROM hastecrm_perf.job_log \gset
-- Rolled back, the drop leaves the job.
BEGIN;
DROP TABLE doomed.parts;
SELECT kind, target FROM hastecrm_perf.jobs ORDER BY 1, 2;
ROLLBACK;
SELECT kind, target FROM hastecrm_perf.jobs ORDER BY 1, 2;
-- The owner drops its table: the job is gone at once.
SET ROLE safety_owner;
DROP TABLE doomed.parts;
RESET ROLE;
SELECT kind, target FROM hastecrm_perf.jobs ORDER BY 1, 2;
-- A dropped view whose base table goes with CASCADE, under replica role.
SET session_replication_role = replica;
DROP TABLE doomed.base CASCADE;
RESET session_replication_role;
SELECT kind, target FROM hastecrm_perf.jobs ORDER BY 1, 2;
DROP SCHEMA doomed CASCADE;
SELECT count(*) AS jobs_left FROM hastecrm_perf.jobs;
SELECT kind, target, status, action, detail FROM hastecrm_perf.job_log WHERE id > :log_mark ORDER BY id;
-- Nothing is left for the cycle to remove.
SELECT count(*) AS removed FROM hastecrm_perf.run_maintenance() WHERE action = 'remove';
-- With the trigger disabled by a superuser, the next cycle still removes
-- the job (under the target's former OID, the name being gone).
CREATE TABLE late_parts (at date NOT NULL) PARTITION BY RANGE (at);
SELECT hastecrm_perf.manage_partitions('late_parts', 'yearly', 1) AS created;
ALTER EVENT TRIGGER hastecrm_perf_forget_jobs_of_dropped DISABLE;
DROP TABLE late_parts;
ALTER EVENT TRIGGER hastecrm_perf_forget_jobs_of_dropped ENABLE ALWAYS;
SELECT count(*) AS jobs FROM hastecrm_perf.jobs;
SELECT kind, target ~ '^\d+$' AS target_is_oid, action, status, detail
FROM hastecrm_perf.run_maintenance() WHERE action = 'remove';
SELECT count(*) AS jobs FROM hastecrm_perf.jobs;
-- Dropping a column, or anything that is no relation, touches no job.
CREATE TABLE kept_parts (at date NOT NULL, extra int) PARTITION BY RANGE (at);
SELECT hastecrm_perf.manage_partitions('kept_parts', 'yearly', 1) AS created;
ALTER TABLE kept_parts DROP COLUMN extra;
CREATE FUNCTION unrelated() RETURNS int LANGUAGE sql AS 'SELECT 1';
DROP FUNCTION unrelated();
SELECT kind, target FROM hastecrm_perf.jobs ORDER BY 1, 2;
SELECT hastecrm_perf.unmanage_partitions('kept_parts');
DROP TABLE kept_parts;

--------------------------------------------------------------------------------
-- 3. Error texts can quote row data. pg_monitor members see the status and
-- the SQLSTATE; the message only superusers and the target's owner.
GRANT CREATE ON SCHEMA public TO safety_owner;
SET ROLE safety_owner;
CREATE TABLE secrets (email text);
INSERT INTO secrets VALUES ('42');
CREATE MATERIALIZED VIEW secret_numbers AS SELECT email::int AS n FROM secrets;
SELECT hastecrm_perf.schedule_refresh('secret_numbers', '1 hour');
INSERT INTO secrets VALUES ('alice@example.com');
RESET ROLE;
SELECT target, status, detail FROM hastecrm_perf.run_maintenance();
SET ROLE safety_monitor;
SELECT kind, target, status, action, sqlstate, detail FROM hastecrm_perf.job_log WHERE target = 'public.secret_numbers';
SELECT target, last_status, last_sqlstate, last_error FROM hastecrm_perf.jobs WHERE target = 'public.secret_numbers';
-- Not through the table behind the view either.
SELECT count(*) FROM hastecrm_perf.job_log_entries;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE safety_owner;
SELECT kind, target, status, action, sqlstate, detail FROM hastecrm_perf.job_log WHERE target = 'public.secret_numbers';
SELECT target, last_status, last_sqlstate, last_error FROM hastecrm_perf.jobs WHERE target = 'public.secret_numbers';
RESET ROLE;
SELECT kind, target, status, action, sqlstate, detail FROM hastecrm_perf.job_log WHERE target = 'public.secret_numbers';
-- Rows whose owner role is gone: superusers only (and no error).
DROP TABLE secrets CASCADE;
REVOKE CREATE ON SCHEMA public FROM safety_owner;
DROP ROLE safety_owner;
SET ROLE safety_monitor;
SELECT status, sqlstate, detail FROM hastecrm_perf.job_log WHERE target = 'public.secret_numbers' ORDER BY id;
RESET ROLE;
SELECT status, sqlstate, detail FROM hastecrm_perf.job_log WHERE target = 'public.secret_numbers' ORDER BY id;
DROP ROLE safety_monitor;

--------------------------------------------------------------------------------
SET client_min_messages = warning;
DROP TABLE contacts CASCADE;
DROP SEQUENCE contact_numbers;
DROP FUNCTION tier(bigint), verified_share(int), dice();
RESET client_min_messages;
DROP EXTENSION hastecrm_perf;
