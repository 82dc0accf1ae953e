-- Bloat after some churn: contacts re-verified twice, old emails deleted.
\pset footer off
\o /dev/null
UPDATE contacts SET email_verified = NOT email_verified WHERE id % 5 < 3;
UPDATE contacts SET email_verified = NOT email_verified WHERE id % 5 < 2;
DELETE FROM emails WHERE id % 3 = 0;
\o
ANALYZE;
\echo
\echo '== Table bloat from statistics (hastecrm_perf.table_bloat()): no page read'
SELECT relid, table_bytes, expected_bytes, bloat_bytes, round(bloat_pct::numeric, 1) AS bloat_pct,
       n_dead_tup, estimate
FROM hastecrm_perf.table_bloat() WHERE schemaname = 'public' ORDER BY bloat_bytes DESC NULLS LAST;
\echo
\echo '== Index bloat from statistics (hastecrm_perf.index_bloat())'
SELECT indexrelid, index_bytes, expected_bytes, round(bloat_pct::numeric, 1) AS bloat_pct, estimate
FROM hastecrm_perf.index_bloat() WHERE schemaname = 'public' ORDER BY bloat_bytes DESC NULLS LAST LIMIT 6;
\echo
\echo '== Measured from the pages (hastecrm_perf.table_bloat_scan / index_bloat_scan)'
SELECT relid, total_pages, scanned_pages, round(dead_pct::numeric, 1) AS dead_pct,
       round(free_pct::numeric, 1) AS free_pct, reclaimable_bytes,
       round(reclaimable_pct::numeric, 1) AS reclaimable_pct, method
FROM hastecrm_perf.table_bloat_scan('contacts');
SELECT indexrelid, leaf_pages, live_items, round(avg_leaf_density::numeric, 1) AS leaf_density,
       expected_bytes, round(reclaimable_pct::numeric, 1) AS reclaimable_pct, method
FROM hastecrm_perf.index_bloat_scan('contacts_workspace_created_idx');
