-- The result tables, in Markdown, and the targets. psql variables: rows (of
-- contacts as loaded), tables (the small ones). Runs in the contacts
-- database, into which the script copies the many-tables part's rows.
\pset tuples_only on
\pset format unaligned

CREATE TEMP VIEW timing AS
SELECT part, variant, count(*) AS runs,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90
FROM bench_timing GROUP BY part, variant;
CREATE TEMP VIEW figure AS
SELECT r.part, r.variant, v.position, t.runs, t.median, t.p90,
       (r.result->>'pages_read')::float8 AS pages_read,
       (r.result->>'dead_free_pct')::float8 AS dead_free_pct,
       (r.result->>'figure_pct')::float8 AS figure_pct,
       (r.result->>'margin_pct')::float8 AS margin_pct,
       (r.result->>'density_pct')::float8 AS density_pct,
       r.result->>'method' AS method,
       (r.result->>'tables')::int AS tables,
       (r.result->>'bloated')::int AS bloated
FROM bench_result r JOIN bench_variant v USING (part, variant) JOIN timing t USING (part, variant);
-- Truth: the share of the relation a rebuild gave back.
CREATE TEMP VIEW truth AS
SELECT relation, before_bytes, after_bytes, 100 * (1 - after_bytes::float8 / before_bytes) AS pct
FROM bench_truth WHERE after_bytes IS NOT NULL;

CREATE FUNCTION pg_temp.num(x float8, digits int DEFAULT 1) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(round(x::numeric, digits)::text, '—') $$;
CREATE FUNCTION pg_temp.signed(x float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN x IS NULL THEN '—' WHEN round(x::numeric, 1) > 0 THEN '+' ELSE '' END
         || pg_temp.num(x) $$;
CREATE FUNCTION pg_temp.mb(bytes bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT round(bytes / 1048576.0)::text || ' MB' $$;
CREATE FUNCTION pg_temp.ratio(x float8, digits int DEFAULT 1) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(round(x::numeric, digits)::text || '×', '—') $$;

\echo
SELECT format('### Heap: contacts, %s rows loaded (%s); after UPDATE 40%% / DELETE 20%%: %s, %s pages. '
              'Rewrite truth (VACUUM FULL %s → %s): **%s%%**',
              to_char(:rows, 'FM999,999,999'), pg_temp.mb(l.before_bytes), pg_temp.mb(t.before_bytes),
              to_char(t.before_bytes / 8192, 'FM999,999,999'), pg_temp.mb(t.before_bytes),
              pg_temp.mb(t.after_bytes), pg_temp.num(t.pct))
FROM truth t, bench_truth l WHERE t.relation = 'contacts' AND l.relation = 'contacts (loaded)';
\echo
SELECT '| method | pages read | dead+free % | bloat % | ± pts (95%) | bloat − truth (pts) '
       '| runs | median ms | p90 ms | pgstattuple ÷ this |'
UNION ALL SELECT '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
              f.variant || coalesce(', ' || f.method, ''),
              to_char(f.pages_read, 'FM999,999,999'), pg_temp.num(f.dead_free_pct), pg_temp.num(f.figure_pct),
              pg_temp.num(f.margin_pct), pg_temp.signed(f.figure_pct - t.pct), f.runs,
              pg_temp.num(f.median, 2), pg_temp.num(f.p90, 2), pg_temp.ratio(p.median / f.median))
FROM figure f CROSS JOIN truth t
JOIN figure p ON p.part = 'heap' AND p.variant = 'pgstattuple(t)'
WHERE f.part = 'heap' AND t.relation = 'contacts'
ORDER BY f.position;

\echo
SELECT '### Indexes of contacts, against the REINDEX truth';
\echo
SELECT '| index | method | pages read | leaf density % | bloat % | ± pts (95%) | bloat − truth (pts) '
       '| runs | median ms | p90 ms | pgstatindex ÷ this |'
UNION ALL SELECT '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
SELECT line FROM (
  SELECT t.relation, 0 AS position,
         format('| %s | **REINDEX truth** (%s → %s) | | | **%s** | | | | | | |',
                t.relation, pg_temp.mb(t.before_bytes), pg_temp.mb(t.after_bytes), pg_temp.num(t.pct)) AS line
  FROM truth t WHERE t.relation <> 'contacts'
  UNION ALL
  SELECT t.relation, f.position,
         format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
                t.relation, f.variant || coalesce(', ' || f.method, ''),
                to_char(f.pages_read, 'FM999,999,999'), pg_temp.num(f.density_pct),
                pg_temp.num(f.figure_pct), pg_temp.num(f.margin_pct), pg_temp.signed(f.figure_pct - t.pct),
                f.runs, pg_temp.num(f.median, 2), pg_temp.num(f.p90, 2), pg_temp.ratio(p.median / f.median))
  FROM figure f JOIN truth t ON t.relation = f.part
  JOIN figure p ON p.part = f.part AND p.variant = 'pgstatindex(i)'
) x ORDER BY relation, position;

\echo
SELECT format('### %s small tables: every table of the database, catalogs included', to_char(:tables, 'FM999,999'));
\echo
SELECT '| query | tables reported | small tables called bloated | runs | median ms | p90 ms | ioguix ÷ this |'
UNION ALL SELECT '|---|---:|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', f.variant, f.tables, f.bloated, f.runs,
              pg_temp.num(f.median, 2), pg_temp.num(f.p90, 2), pg_temp.ratio(i.median / f.median))
FROM figure f JOIN figure i ON i.part = 'many' AND i.variant = 'ioguix query'
WHERE f.part = 'many' ORDER BY f.position;

\echo
SELECT '### Targets (ratios to two decimals: the verdict uses the exact value)';
\echo
WITH heap AS (
  SELECT f.figure_pct - t.pct AS error, p.median / f.median AS speedup
  FROM figure f, truth t, figure p
  WHERE f.part = 'heap' AND f.variant = 'table_bloat_scan(t)' AND t.relation = 'contacts'
    AND p.part = 'heap' AND p.variant = 'pgstattuple(t)'
), dedup AS (
  SELECT f.figure_pct - t.pct AS error FROM figure f JOIN truth t ON t.relation = f.part
  WHERE f.part = 'contacts_workspace_id_idx' AND f.variant = 'index_bloat_scan(i)'
), many AS (
  SELECT i.median / f.median AS speedup FROM figure f, figure i
  WHERE f.part = 'many' AND f.variant = 'table_bloat()' AND i.part = 'many' AND i.variant = 'ioguix query'
)
SELECT format('- Sampled heap scan within ±2 points of the rewrite truth: %s points, %s', pg_temp.signed(error),
              CASE WHEN abs(error) <= 2 THEN 'met' ELSE '**missed**' END) FROM heap
UNION ALL
SELECT format('- Sampled heap scan ≥ 5× faster than pgstattuple: %s, %s', pg_temp.ratio(speedup, 2),
              CASE WHEN speedup >= 5 THEN 'met' ELSE '**missed**' END) FROM heap
UNION ALL
SELECT format('- Deduplicated index within ±5 points of the REINDEX truth: %s points, %s', pg_temp.signed(error),
              CASE WHEN abs(error) <= 5 THEN 'met' ELSE '**missed**' END) FROM dedup
UNION ALL
SELECT format('- table_bloat() ≥ 5× faster than the ioguix query over %s small tables: %s, %s',
              to_char(:tables, 'FM999,999'), pg_temp.ratio(speedup, 2),
              CASE WHEN speedup >= 5 THEN 'met' ELSE '**missed**' END) FROM many;
