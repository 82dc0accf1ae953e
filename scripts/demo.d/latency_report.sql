-- Latency percentiles, slow queries and N+1 suspects of the demo workload.
\pset footer off
\echo
\echo '== Slow queries (hastecrm_perf.slow_queries(10)): mean of 10 ms or more, by total time'
SELECT left(query, 60) AS query, calls, round(mean_ms::numeric, 2) AS mean_ms,
       round(p95_ms::numeric, 2) AS p95_ms, round(p99_ms::numeric, 2) AS p99_ms,
       round(pct_of_total::numeric, 1) AS pct_of_total
FROM hastecrm_perf.slow_queries(10);
\echo
\echo '== Latency percentiles (hastecrm_perf.query_latency), busiest first'
SELECT left(query, 60) AS query, calls, round(p50_ms::numeric, 3) AS p50_ms,
       round(p95_ms::numeric, 3) AS p95_ms, round(p99_ms::numeric, 3) AS p99_ms,
       round(max_ms::numeric, 3) AS max_ms, rows, errors
FROM hastecrm_perf.query_latency
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE '%hastecrm_perf%'
ORDER BY calls DESC, total_ms DESC LIMIT 8;
\echo
\echo '== N+1 suspects (hastecrm_perf.n_plus_one)'
SELECT left(query, 55) AS repeated_query, left(parent_query, 45) AS after,
       max_repeats, round(wasted_ms::numeric, 2) AS wasted_ms
FROM hastecrm_perf.n_plus_one;
