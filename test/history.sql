-- History readers (SPEC §8) over known snapshots. The snapshot job itself
-- runs with a live worker in t/050_history.pl; here its rows are written by
-- hand, with histograms in the stored encoding: a version byte 1, then per
-- non-empty bucket the gap from the previous one and the count (varints).
-- Bucket 63 holds 960..1024 µs, bucket 108 holds 49.152..53.248 ms.
CREATE EXTENSION hastecrm_perf;
SET timezone = 'UTC';

-- Two windows, one statement fast in the first and slow in the second, a
-- second statement, and the remainder row of the database.
CREATE TABLE hastecrm_perf.statement_history_test PARTITION OF hastecrm_perf.statement_history
  FOR VALUES FROM ('2020-01-01 00:00+00') TO ('2020-01-03 00:00+00');
CREATE ROLE history_owner;
INSERT INTO hastecrm_perf.statement_history VALUES
  ('2020-01-01 10:05+00', '2020-01-01 10:00+00', 10, 5, 111, 60, 0, 60, 60 * 1.0, 1.01, '\x013f3c'),
  ('2020-01-01 10:10+00', '2020-01-01 10:05+00', 10, 5, 111, 40, 1, 40, 40 * 1.0, NULL, '\x013f28'),
  ('2020-01-01 10:10+00', '2020-01-01 10:05+00', 'history_owner'::regrole, 5, 222, 5, 0, 5, 5 * 50.0, 50.1, '\x016c05'),
  ('2020-01-01 10:10+00', '2020-01-01 10:05+00', NULL, 5, NULL, 7, 0, 0, 7.0, NULL, '\x013f07'),
  ('2020-01-02 10:05+00', '2020-01-02 10:00+00', 10, 5, 111, 100, 0, 100, 100 * 50.0, 52.0, '\x016c64');
INSERT INTO hastecrm_perf.statement_text VALUES
  (10, 5, 111, 'SELECT * FROM contacts WHERE id = $1', now()),
  ('history_owner'::regrole, 5, 222, 'SELECT secret FROM payroll WHERE id = $1', now());

-- The first window alone: its own percentiles, not the lifetime ones.
SELECT queryid, query, calls, total_ms, mean_ms, round(p50_ms::numeric, 3) AS p50_ms,
       round(p99_ms::numeric, 3) AS p99_ms, max_ms, rows, errors, snapshots, first_seen, last_seen
FROM hastecrm_perf.query_latency_between(tstzrange('2020-01-01 10:00+00', '2020-01-01 11:00+00'));
SELECT queryid, calls, round(p50_ms::numeric, 3) AS p50_ms, round(p95_ms::numeric, 3) AS p95_ms
FROM hastecrm_perf.query_latency_between(tstzrange('2020-01-02 10:00+00', '2020-01-02 11:00+00'));
-- Both windows: the histograms merge exactly (100 + 100 calls, p50 at the edge).
SELECT queryid, calls, round(p50_ms::numeric, 3) AS p50_ms, round(p95_ms::numeric, 3) AS p95_ms
FROM hastecrm_perf.query_latency_between(tstzrange(NULL, NULL)) WHERE queryid = 111;
SELECT queryid, calls FROM hastecrm_perf.query_latency_between(tstzrange('-infinity', 'infinity'))
ORDER BY queryid NULLS LAST;
-- A snapshot belongs to the window its time falls in: [10:05, 10:10) has one.
SELECT queryid, calls FROM hastecrm_perf.query_latency_between('[2020-01-01 10:05+00, 2020-01-01 10:10+00)');

-- Slow statements of a window: mean at least min_mean_ms, by total time.
SELECT queryid, query, calls, mean_ms, round(pct_of_total::numeric, 2) AS pct_of_total,
       rows_per_call, shared_hit_pct
FROM hastecrm_perf.slow_queries_between(tstzrange('2020-01-01', '2020-01-03'), 10);
SELECT queryid FROM hastecrm_perf.slow_queries_between(tstzrange('2020-01-01', '2020-01-03'), 0, 1);

-- What got slower: the statement whose mean went from ~1 ms to ~50 ms first;
-- one present in a single window comes after.
SELECT queryid, calls_before, calls_after, mean_ms_before, mean_ms_after,
       round(mean_change_pct::numeric) AS mean_change_pct,
       round(p95_ms_before::numeric, 3) AS p95_before, round(p95_ms_after::numeric, 3) AS p95_after,
       added_ms
FROM hastecrm_perf.latency_diff(tstzrange('2020-01-01', '2020-01-02'), tstzrange('2020-01-02', '2020-01-03'));

-- Stored histograms: buckets, merge, percentile.
SELECT * FROM hastecrm_perf.histogram_buckets('\x013f3c2c05');
SELECT hastecrm_perf.histogram_merge(ARRAY['\x013f3c', '\x013f28', NULL, '\x016c05']::bytea[]);
SELECT hastecrm_perf.histogram_merge('{}'::bytea[]) AS empty_merge;
SELECT hastecrm_perf.histogram_percentile('\x01', 0.5) AS empty_percentile;
SELECT round(hastecrm_perf.histogram_percentile('\x016c05', 1, 50.1)::numeric, 3) AS max_known,
       round(hastecrm_perf.histogram_percentile('\x016c05', 1)::numeric, 3) AS max_unknown;

-- Bad input: clear errors.
SELECT * FROM hastecrm_perf.query_latency_between(NULL);
SELECT * FROM hastecrm_perf.query_latency_between('empty');
SELECT * FROM hastecrm_perf.query_latency_between(tstzrange('2020-01-02', '2020-01-01'));
SELECT * FROM hastecrm_perf.slow_queries_between(NULL);
SELECT * FROM hastecrm_perf.slow_queries_between('empty');
SELECT * FROM hastecrm_perf.slow_queries_between(tstzrange(NULL, NULL), -1);
SELECT * FROM hastecrm_perf.slow_queries_between(tstzrange(NULL, NULL), 'NaN');
SELECT * FROM hastecrm_perf.slow_queries_between(tstzrange(NULL, NULL), NULL, 0);
SELECT * FROM hastecrm_perf.slow_queries_between(tstzrange(NULL, NULL), NULL, NULL);
SELECT * FROM hastecrm_perf.latency_diff(NULL, tstzrange(NULL, NULL));
SELECT * FROM hastecrm_perf.latency_diff(tstzrange(NULL, NULL), 'empty');
SELECT * FROM hastecrm_perf.histogram_buckets('\x02');
SELECT * FROM hastecrm_perf.histogram_buckets('\x01c901');
SELECT hastecrm_perf.histogram_merge(ARRAY['\x013f00']::bytea[]);
SELECT hastecrm_perf.histogram_percentile('\x013f3c', 1.5);
SELECT hastecrm_perf.histogram_percentile('\x013f3c', NULL);
SELECT hastecrm_perf.histogram_percentile(NULL, 0.5) AS null_histogram;
-- A window without any snapshot: no rows.
SELECT count(*) AS rows_without_snapshot
FROM hastecrm_perf.query_latency_between(tstzrange('2019-01-01', '2019-02-01'));
SELECT count(*) AS diff_without_snapshot
FROM hastecrm_perf.latency_diff(tstzrange('2019-01-01', '2019-02-01'), tstzrange('2018-01-01', '2018-02-01'));

-- Growth: sizes of one table 10 days apart, 1 MB/day.
DO $$
BEGIN
  EXECUTE format('CREATE TABLE hastecrm_perf.relation_history_test PARTITION OF hastecrm_perf.relation_history
                  FOR VALUES FROM (%L) TO (%L)', now() - interval '400 days', now() + interval '1 day');
END $$;
INSERT INTO hastecrm_perf.relation_history (snapshot_at, relid, schemaname, relname, relkind,
    heap_bytes, index_bytes, toast_bytes, total_bytes)
VALUES (now() - interval '10 days', 16400, 'public', 'contacts', 'r', 8000000, 2000000, 0, 10000000),
       (now() - interval '5 days', 16400, 'public', 'contacts', 'r', 11000000, 4000000, 0, 15000000),
       (now(), 16400, 'public', 'contacts', 'r', 15000000, 5000000, 0, 20000000),
       (now() - interval '50 days', 16401, 'public', 'old_logs', 'r', 5000000, 0, 0, 5000000),
       (now() - interval '2 days', 16402, 'public', 'events', 'r', 9000000, 0, 0, 9000000),
       (now(), 16402, 'public', 'events', 'r', 8000000, 0, 0, 8000000);
SELECT relname, bytes_then, bytes_now, round(bytes_per_day) AS bytes_per_day,
       round(days_to_double::numeric, 1) AS days_to_double
FROM hastecrm_perf.relation_growth();
SELECT relname, bytes_then, bytes_now FROM hastecrm_perf.relation_growth('60 days') WHERE relname = 'old_logs';
SELECT * FROM hastecrm_perf.relation_growth(NULL);
SELECT * FROM hastecrm_perf.relation_growth('0');
SELECT * FROM hastecrm_perf.relation_growth('-1 day');
SELECT count(*) AS growth_1000_years FROM hastecrm_perf.relation_growth('1000 years');

-- Privileges: PUBLIC may call none of the readers nor read the tables; a
-- pg_monitor member reads every text (pg_monitor has pg_read_all_stats'
-- rights); a role that may read the tables but not all statistics sees its
-- own texts only.
CREATE ROLE history_plain;
CREATE ROLE history_monitor IN ROLE pg_monitor;
GRANT SELECT ON hastecrm_perf.statement_history, hastecrm_perf.statement_history_hourly,
    hastecrm_perf.statement_text TO history_owner;
GRANT EXECUTE ON FUNCTION hastecrm_perf.query_latency_between(tstzrange),
    hastecrm_perf.history_window(tstzrange), hastecrm_perf.history_check_window(tstzrange, text),
    hastecrm_perf.histogram_merge(bytea[]), hastecrm_perf.histogram_percentile(bytea, float8, float8)
    TO history_owner;
SET ROLE history_plain;
SELECT * FROM hastecrm_perf.query_latency_between(tstzrange(NULL, NULL));
SELECT * FROM hastecrm_perf.slow_queries_between(tstzrange(NULL, NULL));
SELECT * FROM hastecrm_perf.latency_diff(tstzrange(NULL, NULL), tstzrange(NULL, NULL));
SELECT * FROM hastecrm_perf.relation_growth();
SELECT * FROM hastecrm_perf.lock_episodes;
SELECT * FROM hastecrm_perf.statement_text;
RESET ROLE;
SET ROLE history_monitor;
SELECT queryid, query FROM hastecrm_perf.query_latency_between(tstzrange(NULL, NULL)) ORDER BY queryid;
SELECT count(*) AS episodes FROM hastecrm_perf.lock_episodes;
RESET ROLE;
SET ROLE history_owner;
SELECT queryid, query FROM hastecrm_perf.query_latency_between(tstzrange(NULL, NULL)) ORDER BY queryid;
RESET ROLE;

-- The history is never written by the readers, and no job runs here.
SELECT count(*) AS snapshot_rows FROM hastecrm_perf.statement_history;
SELECT kind FROM hastecrm_perf.jobs WHERE kind = 'snapshot';

DROP EXTENSION hastecrm_perf;
DROP ROLE history_plain, history_monitor, history_owner;
