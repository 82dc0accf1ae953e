-- History: the window of the last two snapshots, and what got slower between
-- the window before and that one (the bounds come from the demo script).
\echo
\echo '== History: the last window (query_latency_between) =='
SELECT left(query, 50) AS query, calls, round(mean_ms::numeric, 2) AS mean_ms,
       round(p95_ms::numeric, 2) AS p95_ms, snapshots
FROM hastecrm_perf.query_latency_between(tstzrange(:'s1', :'s2', '(]'))
WHERE queryid IS NOT NULL ORDER BY total_ms DESC LIMIT 5;
\echo '== History: what got slower (latency_diff, worst first) =='
SELECT left(query, 40) AS query, calls_before, calls_after,
       round(mean_ms_before::numeric, 2) AS mean_before, round(mean_ms_after::numeric, 2) AS mean_after,
       round(p95_change_pct::numeric) AS p95_change_pct
FROM hastecrm_perf.latency_diff(tstzrange(:'s0', :'s1', '(]'), tstzrange(:'s1', :'s2', '(]'))
WHERE calls_before > 0 AND calls_after > 0 LIMIT 3;
\echo '== History: the snapshot job =='
SELECT kind, target, schedule, last_status FROM hastecrm_perf.jobs WHERE kind = 'snapshot';
