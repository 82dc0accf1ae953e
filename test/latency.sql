-- Query latency, slow queries and N+1 suspects, with a known workload.
-- (The test server preloads the library; without it see t/002_latency.pl.)
CREATE EXTENSION hastecrm_perf;
SELECT hastecrm_perf.query_latency_reset();
SELECT count(*) AS entries_after_reset FROM hastecrm_perf.query_latency;

-- 18 short and 2 long sleeps: one queryid, constants normalized away.
\o /dev/null
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.002) FROM generate_series(1, 1);
SELECT pg_sleep(0.050) FROM generate_series(1, 1);
SELECT pg_sleep(0.050) FROM generate_series(1, 1);
\o

-- p50 lies among the 2 ms sleeps, p95 and p99 (nearest rank: the 19th and
-- 20th of 20) in the bucket of the 50 ms ones (49.2-53.2 ms, interpolated
-- up to the max); max is the longest; the mean is in between.
SELECT query, calls, rows, errors,
       p50_ms BETWEEN 2 AND 4 AS p50_in_2ms_bucket,
       p95_ms BETWEEN 45 AND 60 AS p95_in_50ms_bucket,
       p99_ms BETWEEN 45 AND 60 AS p99_in_50ms_bucket,
       max_ms BETWEEN 50 AND 60 AS max_right,
       mean_ms BETWEEN 6.5 AND 9 AS mean_right,
       abs(total_ms - mean_ms * calls) < 0.001 AS total_is_mean_times_calls,
       p50_ms <= p95_ms AND p95_ms <= p99_ms AND p99_ms <= max_ms AS ordered,
       first_seen <= last_seen AS seen_in_order
FROM hastecrm_perf.query_latency WHERE query LIKE 'SELECT pg_sleep(%';

-- The histogram holds 18 calls near 2 ms and 2 near 50 ms; buckets are
-- contiguous and at most 1/8 of their lower bound wide.
SELECT sum(calls) AS calls,
       sum(calls) FILTER (WHERE upper_ms < 45) AS near_2ms,
       sum(calls) FILTER (WHERE lower_ms >= 45) AS near_50ms,
       bool_and(upper_ms > lower_ms AND upper_ms - lower_ms <= lower_ms / 8 + 0.001) AS narrow_buckets
FROM hastecrm_perf.query_histogram(
  (SELECT queryid FROM hastecrm_perf.query_latency WHERE query LIKE 'SELECT pg_sleep(%'));

-- No literal is ever stored: not from a query, not from a utility statement.
SELECT 'secret-literal-4242' AS s, 4242424242 AS n;
SET application_name = 'secret-app-4242';
RESET application_name;
CREATE TEMP TABLE literal_holder AS SELECT 'secret-ctas-4242'::text AS t;
SELECT count(*) AS texts_with_literals FROM hastecrm_perf.query_latency
WHERE query ~ 'secret|4242';
SELECT query FROM hastecrm_perf.query_latency
WHERE query LIKE 'SELECT $1 AS s%' OR query LIKE 'SET application_name%' OR query LIKE 'CREATE TEMP TABLE literal_holder%'
ORDER BY query;

-- Statements that fail during execution are counted as errors.
SELECT 1 / (x - x) FROM generate_series(1, 1) x;
SELECT 1 / (x - x) FROM generate_series(1, 1) x;
BEGIN;
SAVEPOINT before_failure;
SELECT 1 / (x - x) FROM generate_series(1, 1) x;
ROLLBACK TO before_failure;
COMMIT;
SELECT query, calls, errors FROM hastecrm_perf.query_latency WHERE query LIKE 'SELECT $1 / (x - x)%';

-- N+1 inside a transaction: one query, then the same lookup per row.
CREATE TABLE contacts_np (id int PRIMARY KEY, workspace_id int);
INSERT INTO contacts_np SELECT g, g % 3 FROM generate_series(1, 20) g;
\o /dev/null
BEGIN;
SELECT id FROM contacts_np WHERE workspace_id = 1 ORDER BY id;
SELECT workspace_id FROM contacts_np WHERE id = 1;
SELECT workspace_id FROM contacts_np WHERE id = 4;
SELECT workspace_id FROM contacts_np WHERE id = 7;
SELECT workspace_id FROM contacts_np WHERE id = 10;
SELECT workspace_id FROM contacts_np WHERE id = 13;
SELECT workspace_id FROM contacts_np WHERE id = 16;
SELECT workspace_id FROM contacts_np WHERE id = 19;
SELECT workspace_id FROM contacts_np WHERE id = 2;
SELECT workspace_id FROM contacts_np WHERE id = 5;
SELECT workspace_id FROM contacts_np WHERE id = 8;
SELECT workspace_id FROM contacts_np WHERE id = 11;
SELECT workspace_id FROM contacts_np WHERE id = 14;
COMMIT;
-- Below the threshold (10) in one transaction: not a suspect.
BEGIN;
SELECT id FROM contacts_np WHERE id = 1;
SELECT id FROM contacts_np WHERE id = 2;
SELECT id FROM contacts_np WHERE id = 3;
COMMIT;
\o
SELECT query, parent_query, occurrences, max_repeats, total_repeats, wasted_ms > 0 AS wasted_time
FROM hastecrm_perf.n_plus_one WHERE query LIKE '%contacts_np%' ORDER BY query;

-- N+1 in a burst of autocommit statements (no transaction block): the burst
-- ends when the session switches to a transaction block.
\o /dev/null
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 1;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 2;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 3;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 4;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 5;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 6;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 7;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 8;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 9;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 10;
SELECT v FROM (VALUES (1)) AS t(v) WHERE v = 11;
BEGIN;
COMMIT;
\o
SELECT query, occurrences, max_repeats FROM hastecrm_perf.n_plus_one
WHERE query LIKE '%VALUES%';

-- A higher threshold for this session: the same loop is no longer a suspect.
SET hastecrm_perf.n_plus_one_threshold = 50;
SELECT hastecrm_perf.query_latency_reset();
\o /dev/null
BEGIN;
SELECT workspace_id FROM contacts_np WHERE id = 1;
SELECT workspace_id FROM contacts_np WHERE id = 2;
SELECT workspace_id FROM contacts_np WHERE id = 3;
SELECT workspace_id FROM contacts_np WHERE id = 4;
SELECT workspace_id FROM contacts_np WHERE id = 5;
SELECT workspace_id FROM contacts_np WHERE id = 6;
SELECT workspace_id FROM contacts_np WHERE id = 7;
SELECT workspace_id FROM contacts_np WHERE id = 8;
SELECT workspace_id FROM contacts_np WHERE id = 9;
SELECT workspace_id FROM contacts_np WHERE id = 10;
SELECT workspace_id FROM contacts_np WHERE id = 11;
COMMIT;
\o
SELECT count(*) AS suspects_at_threshold_50 FROM hastecrm_perf.n_plus_one;
RESET hastecrm_perf.n_plus_one_threshold;


-- Counted once, as the client sent it: a parallel query (not once per
-- worker), an EXECUTE of a prepared statement (as its statement), and
-- neither a plain EXPLAIN nor a deferred trigger's query at COMMIT.
SELECT hastecrm_perf.query_latency_reset();
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT count(*) AS parallel_count FROM contacts_np WHERE workspace_id >= 0;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
PREPARE by_id(int) AS SELECT workspace_id FROM contacts_np WHERE id = $1;
EXECUTE by_id(1);
EXECUTE by_id(2);
EXECUTE by_id(3);
DEALLOCATE by_id;
EXPLAIN (COSTS OFF) SELECT id FROM contacts_np WHERE id > 17;
CREATE TABLE parent_np (id int PRIMARY KEY);
CREATE TABLE child_np (parent int REFERENCES parent_np DEFERRABLE INITIALLY DEFERRED);
INSERT INTO parent_np SELECT generate_series(1, 20);
BEGIN;
INSERT INTO child_np SELECT generate_series(1, 20);
COMMIT;
SELECT query, calls FROM hastecrm_perf.query_latency
WHERE query LIKE '%contacts_np%' OR query LIKE '%parent_np%' OR query LIKE 'EXECUTE%' OR query LIKE 'PREPARE%'
ORDER BY query;
SELECT count(*) AS n_plus_one_from_deferred_checks FROM hastecrm_perf.n_plus_one;
DROP TABLE child_np, parent_np;

-- slow_queries(): threshold from the argument or the GUC, ordered by total time.
-- (Only the sleep is certain to be slow: on a loaded machine the parallel
-- query above may take over 20 ms too.)
SELECT pg_sleep(0.03) FROM generate_series(1, 1);
SELECT query, calls, mean_ms >= 30 AS slow, pct_of_total > 0 AS has_share,
       rows_per_call, shared_hit_pct
FROM hastecrm_perf.slow_queries(20) WHERE query LIKE 'SELECT pg_sleep%';
SET hastecrm_perf.slow_query_ms = 25;
SELECT count(*) AS over_25ms FROM hastecrm_perf.slow_queries() WHERE query LIKE 'SELECT pg_sleep%';
SET hastecrm_perf.slow_query_ms = 1000;
SELECT count(*) AS over_1s FROM hastecrm_perf.slow_queries();
RESET hastecrm_perf.slow_query_ms;
SELECT count(*) <= 1 AS max_rows_respected FROM hastecrm_perf.slow_queries(0, 1);

-- Last activity is when a statement ended, not when it began: eviction
-- goes by it.
SELECT pg_sleep(0.2)::text AS slept;
SELECT last_seen - first_seen >= interval '150 ms' AS last_seen_at_end
FROM hastecrm_perf.query_latency WHERE query LIKE 'SELECT pg_sleep($1)::text%';

-- PREPARE TRANSACTION ends a transaction block as COMMIT does: two blocks
-- of 6 lookups, the first prepared, are not one loop of 12.
SELECT hastecrm_perf.query_latency_reset();
\o /dev/null
BEGIN;
SELECT workspace_id FROM contacts_np WHERE id = 1;
SELECT workspace_id FROM contacts_np WHERE id = 2;
SELECT workspace_id FROM contacts_np WHERE id = 3;
SELECT workspace_id FROM contacts_np WHERE id = 4;
SELECT workspace_id FROM contacts_np WHERE id = 5;
SELECT workspace_id FROM contacts_np WHERE id = 6;
PREPARE TRANSACTION 'latency_np';
BEGIN;
SELECT workspace_id FROM contacts_np WHERE id = 1;
SELECT workspace_id FROM contacts_np WHERE id = 2;
SELECT workspace_id FROM contacts_np WHERE id = 3;
SELECT workspace_id FROM contacts_np WHERE id = 4;
SELECT workspace_id FROM contacts_np WHERE id = 5;
SELECT workspace_id FROM contacts_np WHERE id = 6;
COMMIT;
\o
COMMIT PREPARED 'latency_np';
SELECT count(*) AS suspects_across_prepare FROM hastecrm_perf.n_plus_one;

-- What a deferred trigger runs at the COMMIT of an autocommit statement is
-- nested, not sent by the client: no top-level entry, no N+1 suspect.
CREATE TABLE deferred_np (id int);
CREATE FUNCTION deferred_np_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL application_name = 'deferred';
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER deferred_np_check AFTER INSERT ON deferred_np
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION deferred_np_check();
INSERT INTO deferred_np SELECT generate_series(1, 20);
BEGIN;
COMMIT;
SELECT query, calls FROM hastecrm_perf.query_latency
WHERE query LIKE 'SET LOCAL application_name%' OR query LIKE 'INSERT INTO deferred_np%'
ORDER BY query;
SELECT count(*) AS n_plus_one_from_deferred_trigger FROM hastecrm_perf.n_plus_one;
DROP TABLE deferred_np;
DROP FUNCTION deferred_np_check();

-- Bad input gets a clear error.
\set SHOW_CONTEXT never
SELECT * FROM hastecrm_perf.query_histogram(NULL);
SELECT count(*) AS unknown_queryid_buckets FROM hastecrm_perf.query_histogram(0);
SELECT * FROM hastecrm_perf.slow_queries(-1);
SELECT * FROM hastecrm_perf.slow_queries('NaN');
SELECT * FROM hastecrm_perf.slow_queries(NULL, 0);
SELECT * FROM hastecrm_perf.slow_queries(NULL, NULL);

\set SHOW_CONTEXT errors
-- Privileges: reports for pg_monitor; the reset for superusers only; others'
-- statement text hidden from a role without pg_read_all_stats.
SELECT has_function_privilege('pg_monitor', 'hastecrm_perf.query_latency_reset()', 'EXECUTE') AS monitor_may_reset,
       has_table_privilege('pg_monitor', 'hastecrm_perf.query_latency', 'SELECT') AS monitor_reads_latency,
       has_table_privilege('pg_monitor', 'hastecrm_perf.n_plus_one', 'SELECT') AS monitor_reads_n_plus_one,
       has_function_privilege('public', 'hastecrm_perf.slow_queries(float8, int)', 'EXECUTE') AS public_slow_queries;
CREATE ROLE latency_plain;
CREATE ROLE latency_monitor IN ROLE pg_monitor;
CREATE ROLE latency_granted;
GRANT USAGE ON SCHEMA hastecrm_perf TO latency_granted;
GRANT SELECT ON hastecrm_perf.query_latency TO latency_granted;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_latency_entries() TO latency_granted;
SET ROLE latency_plain;
SELECT count(*) FROM hastecrm_perf.query_latency;
RESET ROLE;
SET ROLE latency_monitor;
SELECT count(*) > 0 AS monitor_sees_rows,
       count(*) FILTER (WHERE query = '<insufficient privilege>') AS hidden_from_monitor
FROM hastecrm_perf.query_latency;
SELECT hastecrm_perf.query_latency_reset();
RESET ROLE;
SET ROLE latency_granted;
SELECT count(*) FILTER (WHERE query = '<insufficient privilege>') > 0 AS others_hidden,
       count(*) FILTER (WHERE query <> '<insufficient privilege>') AS own_visible
FROM hastecrm_perf.query_latency;
RESET ROLE;
DROP OWNED BY latency_granted;
DROP ROLE latency_plain, latency_monitor, latency_granted;

DROP TABLE contacts_np;
DROP EXTENSION hastecrm_perf;
