-- The truth, measured last because it destroys the bloat: the size a rebuild
-- gives. REINDEX first (VACUUM FULL rebuilds the indexes too), then VACUUM
-- FULL, which rewrites the live rows packed at the table's fillfactor.
INSERT INTO bench_truth
SELECT r, pg_relation_size(r), NULL
FROM unnest(ARRAY['contacts', 'contacts_pkey', 'contacts_workspace_id_idx']) r;
REINDEX INDEX contacts_pkey;
REINDEX INDEX contacts_workspace_id_idx;
UPDATE bench_truth SET after_bytes = pg_relation_size(relation)
WHERE relation IN ('contacts_pkey', 'contacts_workspace_id_idx');
VACUUM FULL contacts;
UPDATE bench_truth SET after_bytes = pg_relation_size(relation) WHERE relation = 'contacts';
