-- The queries compared on contacts. psql variable: ioguix (the text of
-- ioguix_table.sql). Each returns one row: pages_read (0 for the statistics
-- queries, which read none), figure_pct (the bloat figure the tool offers,
-- compared with the truth), and where the tool has them dead_free_pct,
-- density_pct, margin_pct (± points at 95%), method.
INSERT INTO bench_variant VALUES
('heap', 1, 'table_bloat_scan(t)', $q$
  SELECT scanned_pages AS pages_read, dead_pct + free_pct AS dead_free_pct,
         reclaimable_pct AS figure_pct, margin_pct, method
  FROM hastecrm_perf.table_bloat_scan('contacts')$q$),
-- Every page: what is left of the error without sampling is the model's.
('heap', 2, 'table_bloat_scan(t, 2147483647)', $q$
  SELECT scanned_pages AS pages_read, dead_pct + free_pct AS dead_free_pct,
         reclaimable_pct AS figure_pct, margin_pct, method
  FROM hastecrm_perf.table_bloat_scan('contacts', 2147483647)$q$),
('heap', 3, 'pgstattuple(t)', $q$
  SELECT table_len / 8192 AS pages_read, dead_tuple_percent + free_percent AS dead_free_pct,
         dead_tuple_percent + free_percent AS figure_pct, 'full' AS method
  FROM pgstattuple('contacts')$q$),
-- Skips only all-visible pages: on a table never vacuumed it reads them all.
('heap', 4, 'pgstattuple_approx(t)', $q$
  SELECT round(table_len / 8192 * scanned_percent / 100) AS pages_read,
         dead_tuple_percent + approx_free_percent AS dead_free_pct,
         dead_tuple_percent + approx_free_percent AS figure_pct, 'approx' AS method
  FROM pgstattuple_approx('contacts')$q$),
-- The statistics queries, asked about this table (the database holds a
-- handful of tables).
('heap', 5, 'table_bloat()', $q$
  SELECT 0 AS pages_read, bloat_pct AS figure_pct, estimate AS method
  FROM hastecrm_perf.table_bloat() WHERE relid = 'contacts'::regclass$q$),
('heap', 6, 'ioguix query', format($q$
  SELECT 0 AS pages_read, bloat_pct AS figure_pct, CASE WHEN is_na THEN 'is_na' ELSE 'ok' END AS method
  FROM (%s
  ) i WHERE schemaname = 'public' AND tblname = 'contacts'$q$, :'ioguix'));

-- Each index: the sampled leaf scan and the scan of every page, pgstatindex
-- (which reads every page; its bloat figure is the usual 1 − avg_leaf_density
-- / fillfactor, 90 being the B-tree default both indexes keep) and the
-- statistics estimate.
INSERT INTO bench_variant
SELECT i, v.position, v.variant, format(v.sql, i)
FROM unnest(ARRAY['contacts_pkey', 'contacts_workspace_id_idx']) i,
     (VALUES (1, 'index_bloat_scan(i)', $q$
  SELECT scanned_pages AS pages_read, avg_leaf_density AS density_pct,
         reclaimable_pct AS figure_pct, margin_pct, method
  FROM hastecrm_perf.index_bloat_scan(%L)$q$),
             (2, 'index_bloat_scan(i, 2147483647)', $q$
  SELECT scanned_pages AS pages_read, avg_leaf_density AS density_pct,
         reclaimable_pct AS figure_pct, margin_pct, method
  FROM hastecrm_perf.index_bloat_scan(%L, 2147483647)$q$),
             (3, 'pgstatindex(i)', $q$
  SELECT index_size / 8192 AS pages_read, avg_leaf_density AS density_pct,
         100 * (1 - avg_leaf_density / 90) AS figure_pct, 'full' AS method
  FROM pgstatindex(%L)$q$),
             (4, 'index_bloat()', $q$
  SELECT 0 AS pages_read, bloat_pct AS figure_pct, estimate AS method
  FROM hastecrm_perf.index_bloat() WHERE indexrelid = %L::regclass$q$)) v(position, variant, sql);
