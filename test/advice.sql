-- Index advice (SPEC §12) against what the planner actually does: each
-- suggestion is created for real and must then be used and make its
-- statement faster; a statement an existing index serves gets nothing.
CREATE EXTENSION hastecrm_perf;
SET client_min_messages = warning;

CREATE TABLE contacts (
    id bigserial PRIMARY KEY,
    workspace_id int NOT NULL,
    email text NOT NULL,
    name text,
    created_at timestamptz NOT NULL,
    notes text);
INSERT INTO contacts (workspace_id, email, name, created_at, notes)
SELECT g % 1000, 'user' || g || '@example.com', 'name ' || g,
       timestamptz '2026-01-01' + g * interval '1 minute', repeat('x', 40)
FROM generate_series(1, 100000) g;
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    account_id int NOT NULL,
    kind int NOT NULL,
    happened_at timestamptz NOT NULL,
    payload text);
INSERT INTO events (account_id, kind, happened_at, payload)
SELECT g % 500, g % 7, timestamptz '2026-01-01' + g * interval '10 seconds', repeat('y', 60)
FROM generate_series(1, 100000) g;
VACUUM ANALYZE contacts, events;
-- The write rates of the advice come from the cumulative statistics.
SELECT pg_stat_force_next_flush();

SELECT hastecrm_perf.query_latency_reset();
\o /dev/null
-- The guide's own: the newest contacts of a workspace.
SELECT * FROM contacts WHERE workspace_id = 42 ORDER BY created_at DESC LIMIT 20;
SELECT * FROM contacts WHERE workspace_id = 43 ORDER BY created_at DESC LIMIT 20;
-- Two narrow columns of a lookup: a covering index makes it index-only.
SELECT id, created_at FROM contacts WHERE email = 'user77@example.com';
-- Range plus equality: equality first.
SELECT * FROM events WHERE happened_at >= timestamptz '2026-01-05' AND account_id = 17;
-- Served by the primary key already.
SELECT * FROM contacts WHERE id = 4242;
-- Not a statement an index helps: it reads the whole table.
SELECT count(*) FROM events;
\o

-- Every statement above counts as slow here.
SET hastecrm_perf.slow_query_ms = 0;
SELECT relid, index_ddl, queries, calls,
       time_ms > 0 AS took_time,
       cost_after < 0.7 * cost_before AS cost_falls_30pct,
       est_size_bytes BETWEEN 8192 AND 64 * 1024 * 1024 AS size_plausible,
       write_penalty ~ 'inserts/s' AS penalty_has_rates
FROM hastecrm_perf.index_advice()
WHERE relid IN ('contacts'::regclass, 'events'::regclass)
ORDER BY index_ddl;

-- The estimate of the size is close to the size of the index once built.
CREATE TEMP TABLE advised AS
SELECT relid, index_ddl, est_size_bytes FROM hastecrm_perf.index_advice()
WHERE relid IN ('contacts'::regclass, 'events'::regclass);

-- Each statement, timed before its index exists (best of 5 runs).
CREATE FUNCTION pg_temp.best_ms(statement text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE best float8 := 'infinity'; started timestamptz;
BEGIN
  FOR i IN 1..5 LOOP
    started := clock_timestamp();
    EXECUTE statement;
    best := least(best, extract(epoch FROM clock_timestamp() - started) * 1000);
  END LOOP;
  RETURN best;
END $$;
CREATE TEMP TABLE timings AS
SELECT s AS statement, pg_temp.best_ms(s) AS before_ms FROM (VALUES
  ('SELECT * FROM contacts WHERE workspace_id = 42 ORDER BY created_at DESC LIMIT 20'),
  ('SELECT id, created_at FROM contacts WHERE email = ''user77@example.com'''),
  ('SELECT * FROM events WHERE happened_at >= ''2026-01-05'' AND account_id = 17')) AS v(s);

-- Create them for real, as advised.
SELECT index_ddl FROM advised ORDER BY index_ddl \gexec
VACUUM ANALYZE contacts, events;

SELECT a.index_ddl, i.indexrelid IS NOT NULL AS built,
       pg_relation_size(i.indexrelid) BETWEEN a.est_size_bytes / 2 AND a.est_size_bytes * 2 AS size_within_2x
FROM advised a LEFT JOIN pg_index i ON i.indrelid = a.relid
  AND pg_get_indexdef(i.indexrelid) LIKE '%' || substring(a.index_ddl FROM ' USING btree .*$')
ORDER BY 1;

-- The planner now uses them (index-only for the covering one) ...
EXPLAIN (COSTS OFF) SELECT * FROM contacts WHERE workspace_id = 42 ORDER BY created_at DESC LIMIT 20;
EXPLAIN (COSTS OFF) SELECT id, created_at FROM contacts WHERE email = 'user77@example.com';
EXPLAIN (COSTS OFF) SELECT * FROM events WHERE happened_at >= '2026-01-05' AND account_id = 17;
-- ... and each statement is faster.
SELECT statement, pg_temp.best_ms(statement) < before_ms AS faster FROM timings ORDER BY statement;

-- Now that they exist, nothing more is advised for these statements.
SELECT count(*) AS advised_again FROM hastecrm_perf.index_advice()
WHERE relid IN ('contacts'::regclass, 'events'::regclass);

-- Hostile names are quoted in the DDL; a dropped table's statements are passed over.
CREATE TABLE "Odd ""Name""; DROP TABLE contacts; --" ("Work space" int, "when" timestamptz, pad text);
INSERT INTO "Odd ""Name""; DROP TABLE contacts; --" SELECT g % 300, now() - g * interval '1 s', repeat('z', 50)
FROM generate_series(1, 30000) g;
ANALYZE "Odd ""Name""; DROP TABLE contacts; --";
CREATE TABLE doomed (a int, b int);
INSERT INTO doomed SELECT g, g FROM generate_series(1, 30000) g;
ANALYZE doomed;
SELECT hastecrm_perf.query_latency_reset();
\o /dev/null
SELECT * FROM "Odd ""Name""; DROP TABLE contacts; --" WHERE "Work space" = 5 ORDER BY "when" LIMIT 5;
SELECT * FROM doomed WHERE a = 5;
\o
DROP TABLE doomed;
SELECT index_ddl FROM hastecrm_perf.index_advice();
SELECT count(*) AS contacts_still_there FROM contacts WHERE id = 1;

-- Privileges: not for PUBLIC; a pg_monitor member may ask.
CREATE ROLE advice_nobody;
CREATE ROLE advice_monitor IN ROLE pg_monitor;
SET ROLE advice_nobody;
SELECT count(*) FROM hastecrm_perf.index_advice();
SET ROLE advice_monitor;
SELECT count(*) >= 0 AS monitor_may_ask FROM hastecrm_perf.index_advice();
RESET ROLE;
DROP ROLE advice_nobody;
DROP ROLE advice_monitor;

RESET hastecrm_perf.slow_query_ms;
DROP TABLE contacts, events, "Odd ""Name""; DROP TABLE contacts; --";
DROP EXTENSION hastecrm_perf;
