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
SELECT pg_stat_force_next_flush();
SELECT hastecrm_perf.schedule_refresh('contact_stats', '1 microsecond');
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance();
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance();
INSERT INTO contacts (workspace_id, created_at) VALUES (1, '2026-01-03 12:00:00+00');
SELECT pg_stat_force_next_flush();
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance();
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance();
-- Days in New York start five hours later: the refresh that TimeZone forces
-- regroups the contacts.
SET TimeZone = 'America/New_York';
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance();
SELECT target, action, status, detail FROM hastecrm_perf.run_maintenance();
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
SELECT hastecrm_perf.unschedule_refresh('contact_stats');
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
