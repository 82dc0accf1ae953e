-- The result tables, in Markdown, and the targets. psql variable: hold (s).
\pset tuples_only on
\pset format unaligned

CREATE TEMP VIEW per_variant AS
SELECT part, parents, variant, count(*) AS rounds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90,
       string_agg(DISTINCT partitions::text, ', ') AS partitions,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY partitions / (ms / 1000)) AS rate
FROM bench_timing GROUP BY part, parents, variant;

SELECT 'a. Maintenance with nothing to do (monthly, premake 4, a row in the current partition of every parent), '
       'median and p90 of interleaved rounds, ms per run:';
SELECT '';
SELECT '| managed parents per tool | rounds | hastecrm_perf median | p90 | per parent '
       '| pg_partman median | p90 | per parent | ratio pg_partman / hastecrm_perf | checks |'
UNION ALL
SELECT '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s× | %s |',
              a.parents, a.rounds, round(a.median::numeric, 2), round(a.p90::numeric, 2),
              round((a.median / a.parents)::numeric, 3),
              round(b.median::numeric, 1), round(b.p90::numeric, 1),
              round((b.median / b.parents)::numeric, 2),
              round((b.median / a.median)::numeric, 1),
              coalesce((SELECT string_agg(format('%s: %s (%s)', c.variant, c.what, c.detail), '; ')
                        FROM bench_check c
                        WHERE c.part = 'noop' AND c.parents = a.parents AND NOT c.ok), 'passed'))
FROM per_variant a
JOIN per_variant b ON b.part = 'noop' AND b.parents = a.parents AND b.variant = 'pg_partman'
WHERE a.part = 'noop' AND a.variant = 'hastecrm_perf'
ORDER BY a.parents;

-- What a parent adds: the slope between the smallest and the largest set.
SELECT '';
SELECT format('Per added parent (slope from %s to %s parents): hastecrm_perf %s ms, pg_partman %s ms; '
              'fixed cost of a run (at %s parent): hastecrm_perf %s ms, pg_partman %s ms.',
              lo.parents, hi.parents,
              round(((hi.median - lo.median) / (hi.parents - lo.parents))::numeric, 4),
              round(((hi.pm - lo.pm) / (hi.parents - lo.parents))::numeric, 2),
              lo.parents, round(lo.median::numeric, 2), round(lo.pm::numeric, 2))
FROM (SELECT a.parents, a.median, b.median AS pm FROM per_variant a
      JOIN per_variant b ON b.part = 'noop' AND b.parents = a.parents AND b.variant = 'pg_partman'
      WHERE a.part = 'noop' AND a.variant = 'hastecrm_perf' ORDER BY a.parents LIMIT 1) lo,
     (SELECT a.parents, a.median, b.median AS pm FROM per_variant a
      JOIN per_variant b ON b.part = 'noop' AND b.parents = a.parents AND b.variant = 'pg_partman'
      WHERE a.part = 'noop' AND a.variant = 'hastecrm_perf' ORDER BY a.parents DESC LIMIT 1) hi
WHERE hi.parents > lo.parents;

SELECT '';
SELECT 'b. Making partitions: 4 per parent (the current month and 3 ahead), median of the rounds:';
SELECT '';
SELECT '| method | path | parents | partitions made per round | rounds | median ms | partitions/s '
       '| rate ÷ pg_partman''s, same path | checks |'
UNION ALL
SELECT '|---|---|---:|---:|---:|---:|---:|---:|---|';
WITH m(variant, label, path, peer, ord) AS (VALUES
  ('manage_partitions', 'hastecrm_perf.manage_partitions(p, ''monthly'', 3)', 'setup', 'create_parent', 1),
  ('create_parent', 'partman.create_parent(…, p_premake => 3, p_start_partition => this month)', 'setup', 'create_parent', 2),
  ('plain', '4 × CREATE TABLE … PARTITION OF', 'setup', 'create_parent', 3),
  ('hastecrm_perf run_maintenance', 'hastecrm_perf.run_maintenance(), premake 1 → 5', 'maintenance', 'pg_partman run_maintenance', 4),
  ('pg_partman run_maintenance', 'partman.run_maintenance(), premake 1 → 5', 'maintenance', 'pg_partman run_maintenance', 5))
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s |',
              m.label, m.path, a.parents, a.partitions, a.rounds, round(a.median::numeric, 0),
              round(a.rate::numeric, 0), round((a.rate / b.rate)::numeric, 2) || '×',
              coalesce((SELECT string_agg(format('%s (%s)', c.what, c.detail), '; ')
                        FROM bench_check c
                        WHERE c.part = 'create' AND c.variant = a.variant AND NOT c.ok), 'passed'))
FROM m
JOIN per_variant a ON a.part = 'create' AND a.variant = m.variant
JOIN per_variant b ON b.part = 'create' AND b.variant = m.peer
ORDER BY m.ord;

-- Every method must have made exactly parents × 4 partitions in every round.
INSERT INTO bench_check
SELECT 'create', parents, variant, 'made 4 partitions per parent', bool_and(partitions = 4 * parents),
       format('made %s, want %s', string_agg(DISTINCT partitions::text, ', '), 4 * parents)
FROM bench_timing WHERE part = 'create' GROUP BY parents, variant;
SELECT '';
SELECT format('Partitions made: %s.',
              CASE WHEN bool_and(ok) THEN 'equal, parents × 4 for every method in every round'
                   ELSE string_agg(format('%s: %s', variant, detail), '; ') FILTER (WHERE NOT ok) END)
FROM bench_check WHERE part = 'create' AND what = 'made 4 partitions per parent';

SELECT '';
SELECT format('c. A new reader of the parent (SELECT count(*), every 50 ms) while maintenance makes the '
              'missing 5th month, beside a transaction that read the parent or its DEFAULT partition '
              'and stays open %s s after its read (maintenance starts 0.5 s after it):', :'hold');
SELECT '';
SELECT '| tool | DEFAULT partition | long transaction read | maintenance runs: ms, result | longest wait of a reader, ms '
       '| readers that waited > 50 ms | probes | checks |'
UNION ALL
SELECT '|---|---|---|---|---:|---:|---:|---|';
WITH scenario AS (
  SELECT DISTINCT scenario,
         split_part(scenario, ',', 1) AS tool,
         CASE WHEN scenario LIKE '%no DEFAULT%' THEN 'no' ELSE 'yes' END AS with_default,
         CASE WHEN scenario LIKE '%read the DEFAULT%' OR scenario LIKE '%read the default' THEN 'the DEFAULT partition'
              ELSE 'the parent' END AS reads
  FROM bench_maintenance
)
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |',
              s.tool, s.with_default, s.reads,
              (SELECT string_agg(format('%s: %s ms, %s', m.attempt,
                                        round(1000 * extract(epoch FROM m.finished - m.started)), m.result),
                                 '<br>' ORDER BY m.attempt)
               FROM bench_maintenance m WHERE m.scenario = s.scenario),
              (SELECT round(max(1000 * extract(epoch FROM p.finished - p.started)), 1)
               FROM bench_probe p WHERE p.scenario = s.scenario),
              (SELECT count(*) FILTER (WHERE p.finished - p.started > interval '50 ms' OR NOT p.completed)
               FROM bench_probe p WHERE p.scenario = s.scenario),
              (SELECT count(*) FROM bench_probe p WHERE p.scenario = s.scenario),
              coalesce((SELECT string_agg(format('%s (%s)', c.what, c.detail), '; ')
                        FROM bench_check c WHERE c.part = 'readers' AND c.variant = s.scenario AND NOT c.ok),
                       'passed'))
FROM scenario s
ORDER BY s.with_default, s.reads DESC, s.tool;

-- The targets.
SELECT '';
SELECT 'Targets:';
SELECT format('- no-op maintenance at least 20× faster than pg_partman''s at %s parents: %s (%s×); '
              'well under 1 ms per parent (taken as < 0.1 ms): %s (%s ms per parent)',
              a.parents,
              CASE WHEN b.median / a.median >= 20 THEN 'met' ELSE 'MISSED' END,
              round((b.median / a.median)::numeric, 1),
              CASE WHEN a.median / a.parents < 0.1 THEN 'met' ELSE 'MISSED' END,
              round((a.median / a.parents)::numeric, 3))
FROM per_variant a
JOIN per_variant b ON b.part = 'noop' AND b.parents = a.parents AND b.variant = 'pg_partman'
WHERE a.part = 'noop' AND a.variant = 'hastecrm_perf'
ORDER BY a.parents DESC LIMIT 1;
SELECT format('- making partitions at least 1.5× pg_partman''s rate: setup path %s (%s×), maintenance path %s (%s×)',
              CASE WHEN s.ratio >= 1.5 THEN 'met' ELSE 'MISSED' END, round(s.ratio::numeric, 2),
              CASE WHEN m.ratio >= 1.5 THEN 'met' ELSE 'MISSED' END, round(m.ratio::numeric, 2))
FROM (SELECT a.rate / b.rate AS ratio FROM per_variant a, per_variant b
      WHERE a.variant = 'manage_partitions' AND b.variant = 'create_parent') s,
     (SELECT a.rate / b.rate AS ratio FROM per_variant a, per_variant b
      WHERE a.variant = 'hastecrm_perf run_maintenance' AND b.variant = 'pg_partman run_maintenance') m;
SELECT format('- no wait for a new reader while hastecrm_perf makes a partition (longest probe under 50 ms): %s',
              string_agg(format('%s: %s (%s ms)', regexp_replace(scenario, '^[^,]*, ', ''),
                                CASE WHEN longest < 50 THEN 'met'
                                     WHEN scenario LIKE '%no DEFAULT%' THEN 'MISSED'
                                     WHEN longest < 1100 THEN 'not met, as SPEC §5 allows: at most hastecrm_perf.lock_timeout (1 s)'
                                     ELSE 'MISSED, longer than hastecrm_perf.lock_timeout (1 s)' END,
                                round(longest, 1)),
                         '; ' ORDER BY scenario DESC))
FROM (SELECT scenario, max(1000 * extract(epoch FROM finished - started)) AS longest
      FROM bench_probe WHERE scenario LIKE 'hastecrm_perf,%' GROUP BY scenario) t;
