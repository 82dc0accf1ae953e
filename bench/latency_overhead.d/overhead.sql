-- The overhead tables, in Markdown, from the runs on standard input (round,
-- configuration, workload, TPS, transactions, % of the CPUs other processes
-- took during the run, attempts): TPS per configuration, then
-- the ratios the targets are about, as ratios of the medians and as the
-- median and range of the per-round ratios (both runs of a ratio come from
-- the same round, minutes apart, so slow drifts of the machine cancel out).
\pset tuples_only on
\pset format unaligned
CREATE TEMP TABLE overhead_runs (
  round int, config text, workload text, tps float8, transactions bigint, other_cpu float8,
  attempts int);
\copy overhead_runs FROM pstdin
CREATE TEMP TABLE config_order (config text, position int);
INSERT INTO config_order VALUES
  ('none', 1), ('pg_stat_statements', 2), ('hastecrm_perf', 3), ('both', 4);

CREATE TEMP VIEW per_config AS
SELECT workload, config, count(*) AS rounds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS median, min(tps) AS low, max(tps) AS high,
       max(other_cpu) AS other_cpu, sum(attempts - 1) AS repeated
FROM overhead_runs GROUP BY workload, config;

SELECT '| workload | configuration | rounds | median TPS | min..max TPS | (max − min) / median | median / none | other processes, most in a run | runs repeated |'
UNION ALL
SELECT '|---|---|---:|---:|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s..%s | %s%% | %s | %s%% | %s |',
              p.workload, p.config, p.rounds, round(p.median::numeric),
              round(p.low::numeric), round(p.high::numeric),
              round((100 * (p.high - p.low) / p.median)::numeric, 1),
              round((p.median / n.median)::numeric, 3), round(p.other_cpu::numeric, 1),
              p.repeated)
FROM per_config p
JOIN config_order o USING (config)
LEFT JOIN per_config n ON n.workload = p.workload AND n.config = 'none'
ORDER BY p.workload DESC, o.position;

\echo
SELECT '| workload | ratio | of medians | per-round median | per-round min..max | target | verdict (of medians) |'
UNION ALL
SELECT '|---|---|---:|---:|---:|---|---|';
WITH ratio(position, numerator, denominator, target, threshold) AS (VALUES
  (1, 'hastecrm_perf', 'none', '≥ 0.98', 0.98),
  (2, 'pg_stat_statements', 'none', '', NULL),
  (3, 'both', 'none', '', NULL),
  (4, 'hastecrm_perf', 'pg_stat_statements', '> 1 (cheaper than pg_stat_statements)', 1.0))
SELECT format('| %s | %s / %s | %s | %s | %s..%s | %s | %s |',
              a.workload, r.numerator, r.denominator,
              round((a.median / b.median)::numeric, 3),
              round((percentile_cont(0.5) WITHIN GROUP (ORDER BY x.tps / y.tps))::numeric, 3),
              round(min(x.tps / y.tps)::numeric, 3), round(max(x.tps / y.tps)::numeric, 3),
              r.target,
              CASE WHEN r.threshold IS NULL THEN ''
                   WHEN a.median / b.median >= r.threshold
                        AND (r.threshold < 1 OR a.median > b.median) THEN 'met'
                   ELSE '**not met**' END)
FROM ratio r
JOIN per_config a ON a.config = r.numerator
JOIN per_config b ON b.config = r.denominator AND b.workload = a.workload
JOIN overhead_runs x ON x.config = r.numerator AND x.workload = a.workload
JOIN overhead_runs y ON y.config = r.denominator AND y.workload = a.workload AND y.round = x.round
GROUP BY a.workload, r.position, r.numerator, r.denominator, r.target, r.threshold, a.median, b.median
ORDER BY a.workload DESC, r.position;
