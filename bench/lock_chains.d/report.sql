-- The result table, in Markdown: median and p90 of each query per scenario,
-- the ratio of the medians, and the checks.
\pset tuples_only on
\pset format unaligned
SELECT '| scenario | waiters | rounds | lock_chains median ms | lock_chains p90 ms '
       '| recursive CTE median ms | recursive CTE p90 ms | ratio CTE / lock_chains '
       '| edges equal | tree equal to CTE |'
UNION ALL
SELECT '|---|---:|---:|---:|---:|---:|---:|---:|---|---|';
WITH per_variant AS (
  SELECT scenario, waiters, variant, count(*) AS rounds,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90
  FROM bench_timing GROUP BY scenario, waiters, variant
)
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s× | %s | %s |',
              a.scenario, a.waiters, a.rounds,
              round(a.median::numeric, 2), round(a.p90::numeric, 2),
              round(b.median::numeric, 2), round(b.p90::numeric, 2),
              round((b.median / a.median)::numeric, 1),
              CASE WHEN c.edge_mismatches + c.pid_set_mismatches = 0 THEN 'yes'
                   ELSE format('no (%s pids differ, %s in one pid set only)',
                               c.edge_mismatches, c.pid_set_mismatches) END,
              CASE WHEN c.tree_mismatches = 0 THEN 'yes'
                   ELSE format('no (%s rows differ)', c.tree_mismatches) END)
FROM per_variant a
JOIN per_variant b ON b.scenario = a.scenario AND b.variant = 'recursive_cte'
JOIN bench_check c ON c.scenario = a.scenario
WHERE a.variant = 'lock_chains'
ORDER BY a.waiters;
