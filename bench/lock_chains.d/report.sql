-- The result table, in Markdown: the median of each query per scenario,
-- max_connections and form (count: count(*) of the rows; text: every column
-- turned into text; count, paired: count(*) with the recursive CTE left
-- out), the ratios of the medians, and the checks.
\pset tuples_only on
\pset format unaligned
SELECT '| scenario | max_connections | waiters | form | lock_chains median ms | lock_chains p90 ms '
       '| bare query median ms | recursive CTE median ms | bare / lock_chains | CTE / lock_chains '
       '| edges equal | tree equal to CTE |'
UNION ALL
SELECT '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|';
WITH per_variant AS (
  SELECT scenario, max_connections, waiters, form, variant, count(*) AS rounds,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90
  FROM bench_timing GROUP BY scenario, max_connections, waiters, form, variant
)
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s× | %s | %s | %s |',
              a.scenario, a.max_connections, a.waiters, a.form,
              round(a.median::numeric, 3), round(a.p90::numeric, 3),
              round(q.median::numeric, 3), coalesce(round(b.median::numeric, 2)::text, '—'),
              round((q.median / a.median)::numeric, 1),
              coalesce(round((b.median / a.median)::numeric, 1)::text || '×', '—'),
              CASE WHEN c.edge_mismatches + c.pid_set_mismatches = 0 THEN 'yes'
                   ELSE format('no (%s pids differ, %s in one pid set only)',
                               c.edge_mismatches, c.pid_set_mismatches) END,
              CASE WHEN c.tree_mismatches = 0 THEN 'yes'
                   ELSE format('no (%s rows differ)', c.tree_mismatches) END)
FROM per_variant a
LEFT JOIN per_variant b ON b.scenario = a.scenario AND b.max_connections = a.max_connections
                       AND b.form = a.form AND b.variant = 'recursive_cte'
JOIN per_variant q ON q.scenario = a.scenario AND q.max_connections = a.max_connections
                  AND q.form = a.form
JOIN bench_check c ON c.scenario = a.scenario AND c.max_connections = a.max_connections
WHERE a.variant = 'lock_chains' AND q.variant = 'bare_query'
ORDER BY a.max_connections DESC, a.waiters, a.scenario, a.form;
