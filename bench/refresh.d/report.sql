-- The result tables, in Markdown, and the target. psql variables: views, rows.
\pset tuples_only on
\pset format unaligned

CREATE TEMP VIEW per_variant AS
SELECT variant, count(*) AS rounds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90
FROM bench_timing GROUP BY variant;

SELECT format('A refresh cycle over %s materialized views whose base tables did not change '
              '(each view: 6 aggregates per account over its own %s-row deals table joined to '
              'a shared 100-row accounts table, 100 rows, a unique index), median and p90 of '
              'interleaved rounds, ms per cycle:', :views, :rows);
SELECT '';
SELECT '| method | views | rounds | median ms | p90 ms | per view ms | ÷ hastecrm_perf | checks |'
UNION ALL
SELECT '|---|---:|---:|---:|---:|---:|---:|---|';
WITH m(variant, label, ord) AS (VALUES
  ('hastecrm_perf', 'hastecrm_perf.run_maintenance(), every view due, all skipped', 1),
  ('concurrently', 'REFRESH MATERIALIZED VIEW CONCURRENTLY, a transaction per view (pg_cron)', 2),
  ('plain', 'REFRESH MATERIALIZED VIEW, a transaction per view', 3),
  ('hastecrm_perf first run', 'hastecrm_perf.run_maintenance(), first run: refreshes every view concurrently', 4))
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |',
              m.label, :views, a.rounds, round(a.median::numeric, 2), round(a.p90::numeric, 2),
              round((a.median / :views)::numeric, 3),
              round((a.median / o.median)::numeric, 1) || '×',
              CASE WHEN m.variant = 'hastecrm_perf' THEN
                coalesce((SELECT string_agg(detail, '; ') FROM bench_check
                          WHERE what LIKE 'every timed%' AND NOT ok), 'passed')
              ELSE '' END)
FROM m
JOIN per_variant a ON a.variant = m.variant
JOIN per_variant o ON o.variant = 'hastecrm_perf'
ORDER BY m.ord;

SELECT '';
SELECT 'Correctness: each cycle is one run_maintenance() with every view made due, in a new session; '
       'each change is made from a session that then disconnects (so its statistics are flushed):';
SELECT '';
SELECT '| cycle | before it | jobs | skipped | jobs'' ms (sum) | refreshed | as expected |'
UNION ALL
SELECT '|---:|---|---:|---:|---:|---|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', cycle, label, jobs, skipped, round(ms::numeric, 1),
              CASE WHEN cardinality(refreshed) <= 6 THEN array_to_string(refreshed, ', ')
                   ELSE format('%s views: %s, …', cardinality(refreshed),
                               array_to_string(refreshed[1:3], ', ')) END,
              CASE WHEN missing = '{}' AND late = '{}' AND extra = '{}' AND failed = 0 THEN
                     'yes' || CASE WHEN caught_up <> '{}' THEN ' (and, late, ' || array_to_string(caught_up, ', ') || ')' ELSE '' END
                   ELSE concat_ws('; ',
                     CASE WHEN missing <> '{}' THEN 'no: not refreshed ' || array_to_string(missing, ', ') END,
                     CASE WHEN late <> '{}' THEN format('**no**: %s not refreshed (it is in cycle %s)',
                                                         array_to_string(late, ', '), cycle + 1) END,
                     CASE WHEN extra <> '{}' THEN 'no: refreshed needlessly ' || array_to_string(extra, ', ') END,
                     CASE WHEN failed > 0 THEN 'no: ' || failed || ' job(s) failed' END)
                     || CASE WHEN caught_up <> '{}' THEN '; and, late, ' || array_to_string(caught_up, ', ') ELSE '' END END)
FROM cycle_result ORDER BY cycle;
SELECT '';
SELECT format('View contents after the cycles: %s.',
              CASE WHEN ok THEN 'every scheduled view equals its query' ELSE 'STALE: ' || detail END)
FROM bench_check WHERE what LIKE 'every scheduled view holds%';

SELECT '';
SELECT 'Target:';
SELECT format('- a cycle over %s unchanged views at least 50× cheaper than refreshing them: '
              'against CONCURRENTLY %s (%s×), against plain REFRESH %s (%s×)', :views,
              CASE WHEN c.median / o.median >= 50 THEN 'met' ELSE 'MISSED' END,
              round((c.median / o.median)::numeric, 1),
              CASE WHEN p.median / o.median >= 50 THEN 'met' ELSE 'MISSED' END,
              round((p.median / o.median)::numeric, 1))
FROM per_variant o, per_variant c, per_variant p
WHERE o.variant = 'hastecrm_perf' AND c.variant = 'concurrently' AND p.variant = 'plain';
