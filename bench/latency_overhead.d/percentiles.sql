-- The accuracy table, in Markdown: for each pgbench script, the exact p50, p95
-- and p99 of the latencies pgbench logged (nearest rank: percentile_disc is
-- the ⌈q·N⌉-th smallest) against hastecrm_perf.query_latency's percentiles of
-- the script's statement; then the counts and means behind them. Standard
-- input holds the logged latencies: script name, µs.
\pset tuples_only on
\pset format unaligned
CREATE TEMP TABLE logged (workload text, us bigint);
\copy logged FROM pstdin WITH (DELIMITER ' ')

CREATE TEMP VIEW exact AS
SELECT workload, count(*) AS transactions, avg(us) / 1000 AS mean_ms,
       percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY us) AS us
FROM logged GROUP BY workload;

-- The statements are told apart by their normalized text.
CREATE TEMP VIEW seen AS
SELECT workload, l.calls, l.errors, l.mean_ms, ARRAY[l.p50_ms, l.p95_ms, l.p99_ms] AS ms,
       (SELECT sum(h.calls) FROM hastecrm_perf.query_histogram(l.queryid) h) AS histogram_calls
FROM hastecrm_perf.query_latency l
CROSS JOIN LATERAL (SELECT CASE
    WHEN l.query LIKE 'SELECT pg\_sleep(%' THEN 'sleep_mix'
    WHEN l.query LIKE 'SELECT count(*) FROM (SELECT generate\_series(%' THEN 'compute_mix'
  END AS workload) w
WHERE l.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND w.workload IS NOT NULL;

SELECT '| workload | percentile | exact, pgbench log (ms) | hastecrm_perf (ms) | error | within 10% |'
UNION ALL
SELECT '|---|---|---:|---:|---:|---|';
SELECT format('| %s | %s | %s | %s | %s%s%% | %s |',
              e.workload, q.name, round(e.us[q.i] / 1000.0, 3), round(s.ms[q.i]::numeric, 3),
              CASE WHEN s.ms[q.i] >= e.us[q.i] / 1000.0 THEN '+' ELSE '' END,
              round((100 * (s.ms[q.i] - e.us[q.i] / 1000.0) / (e.us[q.i] / 1000.0))::numeric, 1),
              CASE WHEN abs(s.ms[q.i] - e.us[q.i] / 1000.0) <= 0.1 * e.us[q.i] / 1000.0
                   THEN 'yes' ELSE '**no**' END)
FROM exact e
JOIN seen s USING (workload)
CROSS JOIN (VALUES (1, 'p50'), (2, 'p95'), (3, 'p99')) q(i, name)
ORDER BY e.workload DESC, q.i;

\echo
SELECT '| workload | transactions logged | calls | in histogram | errors | pgbench mean (ms) | hastecrm_perf mean (ms) | difference: round trip, parse, plan (ms) |'
UNION ALL
SELECT '|---|---:|---:|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |',
              e.workload, e.transactions, s.calls, s.histogram_calls, s.errors,
              round(e.mean_ms, 3), round(s.mean_ms::numeric, 3),
              round(e.mean_ms - s.mean_ms::numeric, 3))
FROM exact e JOIN seen s USING (workload)
ORDER BY e.workload DESC;
