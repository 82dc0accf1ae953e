-- Bloat (SPEC §3, §7): table_bloat(), index_bloat() from statistics and
-- table_bloat_scan(), index_bloat_scan() from pages, on fixed fixtures whose
-- truth is measured with VACUUM FULL / REINDEX and cross-checked against
-- pgstattuple. Full scans are asserted exactly (or against pgstattuple),
-- models and samples within ranges. No raw byte count is printed: only
-- pages, rounded percentages and booleans, stable on every 64-bit platform.
CREATE EXTENSION hastecrm_perf;
CREATE EXTENSION pgstattuple;
\set SHOW_CONTEXT never
SELECT current_setting('block_size')::int AS bs \gset

-- The columns of SPEC §3, in order, with their types.
SELECT p.proname,
       string_agg(a.name || ' ' || format_type(a.type, NULL), ', ' ORDER BY a.n) AS result_columns
FROM pg_proc p,
     unnest(p.proargnames, p.proallargtypes, p.proargmodes::text[]) WITH ORDINALITY AS a(name, type, mode, n)
WHERE p.pronamespace = 'hastecrm_perf'::regnamespace AND p.proname LIKE '%bloat%' AND a.mode = 'o'
GROUP BY p.proname ORDER BY 1;
SELECT p.oid::regprocedure AS function, pg_get_function_arguments(p.oid) AS arguments,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       has_function_privilege('pg_monitor', p.oid, 'EXECUTE') AS monitor_execute
FROM pg_proc p
WHERE p.pronamespace = 'hastecrm_perf'::regnamespace AND p.proname LIKE '%bloat%' ORDER BY 1;

-- PostgreSQL 15 flushes a backend's pending table counters at most once a
-- second: a DML's counts reaching pg_stat after the ANALYZE that follows it
-- would make n_live_tup/n_dead_tup wrong and the statistics look stale.
-- `SELECT pg_stat_force_next_flush() \g /dev/null` before each ANALYZE.

--------------------------------------------------------------------------------
-- 1. A plain table, churned: 20,000 rows, 40% updated (non-HOT: the pages are
-- full, new versions go to new pages), 20% deleted, no VACUUM.
CREATE TABLE churn (id int, flag bool, created_at timestamptz, note text)
  WITH (autovacuum_enabled = off);
INSERT INTO churn
SELECT g, g % 2 = 0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', lpad(g::text, 20, 'x')
FROM generate_series(1, 20000) g;
UPDATE churn SET flag = NOT flag WHERE id % 5 IN (1, 2);
DELETE FROM churn WHERE id % 5 = 3;
-- 4. An expression index: its statistics come from ANALYZE, not from a column.
CREATE INDEX churn_lower_note ON churn (lower(note));
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE churn;

-- The page scan, pgstattuple and the statistics report, before the truth.
CREATE TEMP TABLE churn_before AS
SELECT pg_relation_size('churn') AS bytes, s.*,
       p.dead_tuple_percent, p.free_percent, p.tuple_count, p.dead_tuple_count,
       b.bloat_pct AS stats_bloat_pct, b.estimate, b.n_live_tup, b.n_dead_tup,
       b.table_bytes = pg_relation_size('churn') AS stats_size_current
FROM hastecrm_perf.table_bloat_scan('churn') s, pgstattuple('churn') p,
     hastecrm_perf.table_bloat() b
WHERE b.relid = 'churn'::regclass;

-- 234 pages, none all-visible (never vacuumed): all of them read.
-- dead and free are pgstattuple's, to half a point.
SELECT relid, total_pages, total_pages = bytes / :bs AS pages_are_the_size,
       scanned_pages, all_visible_pages, method, margin_pct,
       round(live_pct::numeric, 1) AS live_pct, round(dead_pct::numeric, 1) AS dead_pct,
       round(free_pct::numeric, 1) AS free_pct,
       round(dead_tuple_percent::numeric, 1) AS pgstattuple_dead,
       round(free_percent::numeric, 1) AS pgstattuple_free,
       abs(dead_pct + free_pct - (dead_tuple_percent + free_percent)) <= 0.5 AS matches_pgstattuple,
       live_pct + dead_pct + free_pct <= 100 AS parts_within_page,
       tuple_count, dead_tuple_count,
       toast_pages, toast_reclaimable_bytes, toast_reclaimable_pct
FROM churn_before;

-- The statistics report: sizes as of the ANALYZE, counters flushed. ANALYZE
-- counts the 8,000 line pointers pruned from the old row versions as dead
-- too (VACUUM has to free them): 12,000 dead, where pgstattuple sees 4,000.
SELECT estimate, stats_size_current, n_live_tup, n_dead_tup FROM churn_before;

-- 12. An explicit sample smaller than the table is honoured even below the
-- full-scan threshold: 10 pages read, a margin. The seed depends on the OID,
-- so only a loose agreement with the full scan is asserted (the pages are
-- not alike: the updated rows' new versions fill the last third, all live).
SELECT s.relid, s.total_pages, s.scanned_pages, s.all_visible_pages, s.method,
       s.margin_pct > 0 AND s.margin_pct < 50 AS has_margin,
       abs(s.reclaimable_pct - f.reclaimable_pct) < 20 AS near_full_scan,
       s.live_pct + s.dead_pct + s.free_pct <= 100 AS parts_within_page
FROM hastecrm_perf.table_bloat_scan('churn', sample_pages => 10) s, churn_before f;
-- A sample as large as the table, or larger, is the full scan.
SELECT s.scanned_pages, s.method, s.margin_pct,
       s.reclaimable_bytes = f.reclaimable_bytes AS same_as_full_scan
FROM hastecrm_perf.table_bloat_scan('churn', 234) s, churn_before f;
SELECT s.scanned_pages, s.method, s.margin_pct,
       s.reclaimable_bytes = f.reclaimable_bytes AS same_as_full_scan
FROM hastecrm_perf.table_bloat_scan('churn', 100000) s, churn_before f;
-- The same call twice reads the same sample: the same answer.
SELECT a.reclaimable_bytes = b.reclaimable_bytes AND a.dead_pct = b.dead_pct
       AND a.free_pct = b.free_pct AS repeatable
FROM hastecrm_perf.table_bloat_scan('churn', 10) a, hastecrm_perf.table_bloat_scan('churn', 10) b;

-- 4. The expression index is listed, with an estimate from its own statistics;
-- freshly built after the churn, it has (next to) no bloat.
SELECT relid, indexrelid, indexrelname, estimate, bloat_pct < 5 AS little_bloat,
       index_bytes = pg_relation_size('churn_lower_note') AS size_current
FROM hastecrm_perf.index_bloat() WHERE indexrelid = 'churn_lower_note'::regclass;

-- The truth: what VACUUM FULL gives back. The scan is within a point of it,
-- the statistics estimate within three.
VACUUM FULL churn;
SELECT round(100.0 * (bytes - pg_relation_size('churn')) / bytes, 1) AS vacuum_full_pct,
       round(reclaimable_pct::numeric, 1) AS scan_pct,
       round(stats_bloat_pct::numeric, 1) AS stats_pct,
       abs(reclaimable_pct - 100.0 * (bytes - pg_relation_size('churn')) / bytes) <= 1 AS scan_within_1,
       abs(stats_bloat_pct - 100.0 * (bytes - pg_relation_size('churn')) / bytes) <= 3 AS stats_within_3
FROM churn_before;
-- After the rewrite: nothing to reclaim, by either report.
ANALYZE churn;
SELECT s.dead_pct, s.reclaimable_bytes, s.method, b.bloat_bytes, b.estimate
FROM hastecrm_perf.table_bloat_scan('churn') s, hastecrm_perf.table_bloat() b
WHERE b.relid = 'churn'::regclass;

--------------------------------------------------------------------------------
-- 2. TOAST: 1,000 values of 3,200 bytes of hex stored out of line without
-- compression (STORAGE EXTERNAL), two chunks each; every other row deleted.
CREATE TABLE toasty (id int, body text) WITH (autovacuum_enabled = off);
ALTER TABLE toasty ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO toasty
SELECT i, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 100) g)
FROM generate_series(1, 1000) i;
SELECT count(*) AS rows, min(pg_column_size(body)) AS stored_bytes, max(pg_column_size(body)) AS stored_max
FROM toasty;
DELETE FROM toasty WHERE id % 2 = 0;
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE toasty;
CREATE TEMP TABLE toast_before AS
SELECT pg_relation_size(c.reltoastrelid) AS toast_bytes, s.*
FROM pg_class c, hastecrm_perf.table_bloat_scan('toasty') s WHERE c.oid = 'toasty'::regclass;
-- The TOAST table's dead chunks are found (half of them): a large reclaimable share.
SELECT toast_pages, toast_pages = toast_bytes / :bs AS toast_pages_are_the_size,
       toast_reclaimable_pct BETWEEN 30 AND 60 AS toast_reclaimable_substantial,
       toast_reclaimable_bytes > 0 AS toast_reclaimable_bytes_positive,
       method, margin_pct
FROM toast_before;
-- The TOAST table scanned on its own: dead + free as pgstattuple counts them.
SELECT s.method, s.toast_pages IS NULL AS no_toast_of_toast,
       round(s.dead_pct::numeric, 1) AS dead_pct, round(p.dead_tuple_percent::numeric, 1) AS pgstattuple_dead,
       abs(s.dead_pct + s.free_pct - (p.dead_tuple_percent + p.free_percent)) <= 0.5 AS matches_pgstattuple,
       s.reclaimable_bytes = b.toast_reclaimable_bytes AS same_as_from_owner
FROM pg_class c, hastecrm_perf.table_bloat_scan(c.reltoastrelid) s, pgstattuple(c.reltoastrelid) p,
     toast_before b
WHERE c.oid = 'toasty'::regclass;
-- ANALYZE skips TOAST tables: their size and row count come from VACUUM. After
-- it the statistics report has the TOAST table's bytes and its bloat.
VACUUM toasty;
SELECT relid, toast_bytes = pg_relation_size(c.reltoastrelid) AS toast_bytes_current,
       toast_bytes > 0 AS has_toast_bytes, estimate, round(bloat_pct::numeric) AS bloat_pct
FROM hastecrm_perf.table_bloat() b JOIN pg_class c ON c.oid = b.relid WHERE relid = 'toasty'::regclass;
-- Vacuumed, every page is all-visible: nothing is read, the free space comes
-- from the free space map, and the reclaimable figure is the same.
SELECT s.scanned_pages, s.all_visible_pages = s.total_pages AS all_visible,
       s.toast_pages = b.toast_pages AS same_toast_pages,
       abs(s.toast_reclaimable_pct - b.toast_reclaimable_pct) <= 1 AS same_toast_reclaimable,
       round(s.dead_pct::numeric, 1) AS dead_pct
FROM hastecrm_perf.table_bloat_scan('toasty') s, toast_before b;
-- The truth: VACUUM FULL rewrites the TOAST table with half the chunks.
CREATE TEMP TABLE toast_stats AS
SELECT bloat_pct FROM hastecrm_perf.table_bloat() WHERE relid = 'toasty'::regclass;
VACUUM FULL toasty;
SELECT round(100.0 * (b.toast_bytes - pg_relation_size(c.reltoastrelid)) / b.toast_bytes, 1) AS vacuum_full_toast_pct,
       abs(t.bloat_pct - 100.0 * (b.toast_bytes - pg_relation_size(c.reltoastrelid)) / b.toast_bytes) <= 3
         AS stats_within_3
FROM toast_before b, toast_stats t, pg_class c WHERE c.oid = 'toasty'::regclass;

--------------------------------------------------------------------------------
-- 3. A deduplicated B-tree: 10 distinct keys over 50,000 rows, then 60% of
-- every key's rows deleted without VACUUM. The leaves stay as full as they
-- were (pgstatindex's density does not move), yet REINDEX halves the index.
CREATE TABLE dedup (id int, grp int) WITH (autovacuum_enabled = off);
INSERT INTO dedup SELECT g, g % 10 FROM generate_series(1, 50000) g;
CREATE INDEX dedup_grp ON dedup (grp);
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE dedup;
-- Freshly built: the statistics model expects exactly its size.
SELECT indexrelname, estimate, bloat_bytes, index_bytes = expected_bytes AS expected_is_actual
FROM hastecrm_perf.index_bloat() WHERE indexrelid = 'dedup_grp'::regclass;
DELETE FROM dedup WHERE (id / 10) % 5 < 3;
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE dedup;
CREATE TEMP TABLE index_before AS
SELECT pg_relation_size('dedup_grp') AS bytes, s.*,
       p.avg_leaf_density AS pgstatindex_density, p.leaf_pages AS pgstatindex_leaves,
       b.bloat_pct AS stats_bloat_pct, b.estimate
FROM hastecrm_perf.index_bloat_scan('dedup_grp') s, pgstatindex('dedup_grp') p,
     hastecrm_perf.index_bloat() b
WHERE b.indexrelid = 'dedup_grp'::regclass;
SELECT indexrelid, leaf_pages, leaf_pages = pgstatindex_leaves AS leaves_as_pgstatindex,
       scanned_pages = bytes / :bs - 1 AS all_but_metapage_read, method, margin_pct,
       round(avg_leaf_density::numeric) AS density, round(pgstatindex_density::numeric) AS pgstatindex_density,
       abs(live_items - 20000) <= 2000 AS live_items_within_10pct,
       estimate
FROM index_before;
-- An explicit sample is honoured here too.
SELECT scanned_pages, method, margin_pct > 0 AS has_margin
FROM hastecrm_perf.index_bloat_scan('dedup_grp', 5);
-- min_bytes: rows under it are left out, rows at it kept.
SELECT count(*) FILTER (WHERE indexrelid = 'dedup_grp'::regclass) AS at_own_bloat
FROM hastecrm_perf.index_bloat((SELECT bloat_bytes FROM hastecrm_perf.index_bloat()
                                WHERE indexrelid = 'dedup_grp'::regclass));
SELECT count(*) FILTER (WHERE indexrelid = 'dedup_grp'::regclass) AS above_own_bloat
FROM hastecrm_perf.index_bloat((SELECT bloat_bytes + 1 FROM hastecrm_perf.index_bloat()
                                WHERE indexrelid = 'dedup_grp'::regclass));
-- The truth: REINDEX. The scan within 5 points of it, the statistics too.
REINDEX INDEX dedup_grp;
SELECT round(100.0 * (bytes - pg_relation_size('dedup_grp')) / bytes, 1) AS reindex_pct,
       round(reclaimable_pct::numeric, 1) AS scan_pct,
       round(stats_bloat_pct::numeric, 1) AS stats_pct,
       abs(reclaimable_pct - 100.0 * (bytes - pg_relation_size('dedup_grp')) / bytes) <= 5 AS scan_within_5,
       abs(stats_bloat_pct - 100.0 * (bytes - pg_relation_size('dedup_grp')) / bytes) <= 5 AS stats_within_5,
       abs(expected_bytes - pg_relation_size('dedup_grp')) <= 2 * :bs AS expected_size_right
FROM index_before;
-- Rebuilt: at most a page of rounding left.
SELECT method, reclaimable_bytes <= :bs AS at_most_a_page, live_items
FROM hastecrm_perf.index_bloat_scan('dedup_grp');

--------------------------------------------------------------------------------
-- 5. A partitioned table: the parent has no storage and is not listed; its
-- partitions are. Scanning the parent is refused with a hint.
CREATE TABLE parts (id int, created date, note text) PARTITION BY RANGE (created);
CREATE TABLE parts_2024 PARTITION OF parts FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
  WITH (autovacuum_enabled = off);
CREATE TABLE parts_2025 PARTITION OF parts FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
  WITH (autovacuum_enabled = off);
INSERT INTO parts SELECT g, date '2024-01-01' + g % 700, 'n' || g FROM generate_series(1, 2000) g;
CREATE INDEX parts_id ON parts (id);
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE parts;
SELECT relid, estimate, bloat_bytes FROM hastecrm_perf.table_bloat()
WHERE relname LIKE 'parts%' ORDER BY relname;
SELECT relid, indexrelid, estimate, bloat_bytes FROM hastecrm_perf.index_bloat()
WHERE relname LIKE 'parts%' ORDER BY indexrelname;
SELECT * FROM hastecrm_perf.table_bloat_scan('parts');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan('parts_id');
\echo :LAST_ERROR_SQLSTATE
SELECT relid, method, dead_pct, reclaimable_bytes FROM hastecrm_perf.table_bloat_scan('parts_2024');

--------------------------------------------------------------------------------
-- 6. An unlogged table is scanned like any other.
CREATE UNLOGGED TABLE unlogged_t (id int, note text) WITH (autovacuum_enabled = off);
INSERT INTO unlogged_t SELECT g, lpad(g::text, 20, 'x') FROM generate_series(1, 3000) g;
DELETE FROM unlogged_t WHERE id % 3 = 0;
SELECT s.relid, s.method, s.total_pages, round(s.dead_pct::numeric, 1) AS dead_pct,
       round(p.dead_tuple_percent::numeric, 1) AS pgstattuple_dead,
       abs(s.dead_pct + s.free_pct - (p.dead_tuple_percent + p.free_percent)) <= 0.5 AS matches_pgstattuple,
       s.reclaimable_bytes > 0 AS reclaimable
FROM hastecrm_perf.table_bloat_scan('unlogged_t') s, pgstattuple('unlogged_t') p;

--------------------------------------------------------------------------------
-- 7. Missing statistics: the row is kept, without a figure.
-- Never analyzed nor vacuumed (relpages 0, reltuples -1):
CREATE TABLE never_analyzed (id int, note text) WITH (autovacuum_enabled = off);
INSERT INTO never_analyzed SELECT g, lpad(g::text, 20, 'x') FROM generate_series(1, 5000) g;
SELECT relpages, reltuples, pg_relation_size('never_analyzed') / :bs AS actual_pages
FROM pg_class WHERE oid = 'never_analyzed'::regclass;
SELECT count(*) AS kept FROM hastecrm_perf.table_bloat() WHERE relid = 'never_analyzed'::regclass;
-- A column without statistics (STATISTICS 0), the table analyzed: no_stats,
-- for the table and for an index on that column.
CREATE TABLE no_stats_t (id int, note text) WITH (autovacuum_enabled = off);
INSERT INTO no_stats_t SELECT g, lpad(g::text, 20, 'x') FROM generate_series(1, 5000) g;
CREATE INDEX no_stats_note ON no_stats_t (note);
CREATE INDEX no_stats_id ON no_stats_t (id);
ALTER TABLE no_stats_t ALTER COLUMN note SET STATISTICS 0;
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE no_stats_t;
SELECT relid, estimate, expected_bytes, bloat_bytes, bloat_pct, n_live_tup
FROM hastecrm_perf.table_bloat() WHERE relid = 'no_stats_t'::regclass;
SELECT indexrelid, estimate, expected_bytes IS NULL AS no_figure, bloat_bytes, bloat_pct
FROM hastecrm_perf.index_bloat() WHERE relid = 'no_stats_t'::regclass ORDER BY indexrelname;
-- Analyzed, then half of it updated: stale_stats, the figure kept.
CREATE TABLE stale_t (id int, note text) WITH (autovacuum_enabled = off);
INSERT INTO stale_t SELECT g, lpad(g::text, 20, 'x') FROM generate_series(1, 1000) g;
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE stale_t;
SELECT estimate, bloat_bytes IS NOT NULL AS has_figure, n_live_tup, n_dead_tup
FROM hastecrm_perf.table_bloat() WHERE relid = 'stale_t'::regclass;
UPDATE stale_t SET note = note WHERE id <= 500;
SELECT pg_stat_force_next_flush() \g /dev/null
SELECT estimate, bloat_bytes IS NOT NULL AS has_figure, n_live_tup, n_dead_tup
FROM hastecrm_perf.table_bloat() WHERE relid = 'stale_t'::regclass;

--------------------------------------------------------------------------------
-- 8. A small table: 250 rows on 3 pages, the last one nearly empty. No
-- bloat (rows per page are whole; a per-byte model would call a third bloat).
CREATE TABLE tiny (id int, flag bool, created_at timestamptz, note text) WITH (autovacuum_enabled = off);
INSERT INTO tiny
SELECT g, g % 2 = 0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', lpad(g::text, 20, 'x')
FROM generate_series(1, 250) g;
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE tiny;
SELECT table_bytes / :bs AS pages, expected_bytes / :bs AS expected_pages, bloat_bytes, bloat_pct, estimate
FROM hastecrm_perf.table_bloat() WHERE relid = 'tiny'::regclass;
SELECT method, reclaimable_bytes, reclaimable_pct FROM hastecrm_perf.table_bloat_scan('tiny');
-- An empty table: no bloat, no error.
CREATE TABLE empty_t (id int, note text);
SELECT table_bytes, bloat_bytes, estimate FROM hastecrm_perf.table_bloat() WHERE relid = 'empty_t'::regclass;
SELECT total_pages, scanned_pages, live_pct, reclaimable_bytes, reclaimable_pct, method
FROM hastecrm_perf.table_bloat_scan('empty_t');

--------------------------------------------------------------------------------
-- 9. Other access methods: listed as unsupported, without a figure; not scanned.
CREATE INDEX unlogged_hash ON unlogged_t USING hash (id);
CREATE INDEX unlogged_gin ON unlogged_t USING gin (to_tsvector('simple', note));
CREATE INDEX unlogged_id ON unlogged_t (id);
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE unlogged_t;
SELECT indexrelname, estimate, expected_bytes IS NULL AS no_figure, bloat_bytes, bloat_pct
FROM hastecrm_perf.index_bloat() WHERE relid = 'unlogged_t'::regclass ORDER BY indexrelname;
SELECT * FROM hastecrm_perf.index_bloat_scan('unlogged_hash');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan('unlogged_gin');
\echo :LAST_ERROR_SQLSTATE

--------------------------------------------------------------------------------
-- 10. min_bytes filtering and bad input.
-- dedup's heap kept its 60% of deleted rows; tiny has no bloat; no_stats_t no figure.
SELECT relname, bloat_bytes > 0 AS bloated, bloat_bytes IS NULL AS no_figure
FROM hastecrm_perf.table_bloat() WHERE relname IN ('dedup', 'tiny', 'no_stats_t') ORDER BY 1;
SELECT relname FROM hastecrm_perf.table_bloat(1)
WHERE relname IN ('dedup', 'tiny', 'no_stats_t') ORDER BY 1;
SELECT relname FROM hastecrm_perf.table_bloat(min_bytes => (SELECT bloat_bytes FROM hastecrm_perf.table_bloat()
                                                            WHERE relid = 'dedup'::regclass))
WHERE relname IN ('dedup', 'tiny', 'no_stats_t') ORDER BY 1;
SELECT count(*) AS above_own_bloat FROM hastecrm_perf.table_bloat((SELECT bloat_bytes + 1 FROM hastecrm_perf.table_bloat()
                                                                  WHERE relid = 'dedup'::regclass))
WHERE relid = 'dedup'::regclass;
SELECT count(*) AS rows_over_a_petabyte FROM hastecrm_perf.table_bloat(1000000000000000);
SELECT count(*) AS index_rows_over_a_petabyte FROM hastecrm_perf.index_bloat(1000000000000000);
SELECT bool_and(bloat_bytes >= 8192) AS all_at_least_min FROM hastecrm_perf.table_bloat(8192);

SELECT * FROM hastecrm_perf.table_bloat(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.table_bloat(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.table_bloat_scan(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.table_bloat_scan('tiny', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.table_bloat_scan('tiny'::regclass, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan('dedup_grp', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan('dedup_grp', -1);
\echo :LAST_ERROR_SQLSTATE
-- Wrong kinds: an index for a table, a table for an index, a view, a sequence.
SELECT * FROM hastecrm_perf.table_bloat_scan('dedup_grp');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan('dedup');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW bloat_view AS SELECT id FROM tiny;
SELECT * FROM hastecrm_perf.table_bloat_scan('bloat_view');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan('bloat_view');
\echo :LAST_ERROR_SQLSTATE
CREATE SEQUENCE bloat_seq;
SELECT * FROM hastecrm_perf.table_bloat_scan('bloat_seq');
\echo :LAST_ERROR_SQLSTATE
-- Relations that do not exist (any more).
SELECT * FROM hastecrm_perf.table_bloat_scan(999999999);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan(999999999);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE dropped_t (id int);
CREATE INDEX dropped_i ON dropped_t (id);
SELECT 'dropped_t'::regclass::oid AS dropped_table, 'dropped_i'::regclass::oid AS dropped_index \gset
DROP TABLE dropped_t;
\set VERBOSITY sqlstate
SELECT * FROM hastecrm_perf.table_bloat_scan(:dropped_table);
SELECT * FROM hastecrm_perf.index_bloat_scan(:dropped_index);
\set VERBOSITY default
-- A materialized view is a table with storage: listed and scanned.
CREATE MATERIALIZED VIEW bloat_matview AS SELECT g AS id FROM generate_series(1, 1000) g;
ANALYZE bloat_matview;
SELECT relid, estimate, bloat_bytes FROM hastecrm_perf.table_bloat() WHERE relid = 'bloat_matview'::regclass;
SELECT relid, method, reclaimable_bytes FROM hastecrm_perf.table_bloat_scan('bloat_matview');

-- Hostile names (quotes, spaces, ';', unicode; the table's name 63 bytes,
-- the longest there is) are data, never SQL.
CREATE SCHEMA "bloat sch""ema; --";
CREATE TABLE "bloat sch""ema; --"."Bloat ""quoted""; DROP TABLE tiny; -- été ✓ xxxxxxxxxxxxxxxxx"
  (id int, note text) WITH (autovacuum_enabled = off);
CREATE INDEX "idx ""q""; DROP TABLE tiny; ✓"
  ON "bloat sch""ema; --"."Bloat ""quoted""; DROP TABLE tiny; -- été ✓ xxxxxxxxxxxxxxxxx" (id);
INSERT INTO "bloat sch""ema; --"."Bloat ""quoted""; DROP TABLE tiny; -- été ✓ xxxxxxxxxxxxxxxxx"
SELECT g, 'n' || g FROM generate_series(1, 500) g;
DELETE FROM "bloat sch""ema; --"."Bloat ""quoted""; DROP TABLE tiny; -- été ✓ xxxxxxxxxxxxxxxxx" WHERE id > 100;
SELECT pg_stat_force_next_flush() \g /dev/null
ANALYZE "bloat sch""ema; --"."Bloat ""quoted""; DROP TABLE tiny; -- été ✓ xxxxxxxxxxxxxxxxx";
SELECT relid, schemaname, relname, octet_length(relname) AS name_bytes, estimate
FROM hastecrm_perf.table_bloat() WHERE schemaname = 'bloat sch"ema; --';
SELECT indexrelid, indexrelname, estimate
FROM hastecrm_perf.index_bloat() WHERE schemaname = 'bloat sch"ema; --';
SELECT relid, method, reclaimable_bytes > 0 AS reclaimable
FROM hastecrm_perf.table_bloat_scan('"bloat sch""ema; --"."Bloat ""quoted""; DROP TABLE tiny; -- été ✓ xxxxxxxxxxxxxxxxx"');
SELECT indexrelid, method, live_items
FROM hastecrm_perf.index_bloat_scan('"bloat sch""ema; --"."idx ""q""; DROP TABLE tiny; ✓"');
SELECT count(*) AS tiny_still_there FROM tiny;

--------------------------------------------------------------------------------
-- 11. Privileges. A role with nothing: refused everywhere.
CREATE ROLE bloat_plain;
SET ROLE bloat_plain;
SELECT count(*) FROM hastecrm_perf.table_bloat();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT USAGE ON SCHEMA hastecrm_perf TO bloat_plain;
SET ROLE bloat_plain;
SELECT count(*) FROM hastecrm_perf.table_bloat();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hastecrm_perf.index_bloat();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hastecrm_perf.table_bloat_scan('tiny');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hastecrm_perf.index_bloat_scan('dedup_grp');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- A role given EXECUTE on the scans (not pg_monitor) and SELECT on one table:
-- it scans that table and its indexes, and no other.
CREATE ROLE bloat_reader;
GRANT USAGE ON SCHEMA hastecrm_perf TO bloat_reader;
GRANT EXECUTE ON FUNCTION hastecrm_perf.table_bloat_scan(regclass, int),
                          hastecrm_perf.index_bloat_scan(regclass, int) TO bloat_reader;
GRANT SELECT ON tiny, churn TO bloat_reader;
SET ROLE bloat_reader;
SELECT relid, method FROM hastecrm_perf.table_bloat_scan('tiny');
SELECT indexrelid, method FROM hastecrm_perf.index_bloat_scan('churn_lower_note');
SELECT * FROM hastecrm_perf.table_bloat_scan('dedup');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hastecrm_perf.index_bloat_scan('dedup_grp');
\echo :LAST_ERROR_SQLSTATE
-- The privilege is checked first, before any lock is taken on the relation;
-- without EXECUTE, the function itself is refused.
SELECT * FROM hastecrm_perf.table_bloat_scan('parts');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hastecrm_perf.table_bloat();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- A pg_monitor member: every report runs; the statistics reports list only
-- the tables it may SELECT (pg_stats hides the others' statistics too); the
-- scans work on every table (pg_monitor includes pg_stat_scan_tables, as
-- for pgstattuple).
CREATE ROLE bloat_monitor IN ROLE pg_monitor;
GRANT SELECT ON tiny TO bloat_monitor;
SET ROLE bloat_monitor;
SELECT relname FROM hastecrm_perf.table_bloat()
WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'hastecrm_perf') ORDER BY 1;
SELECT count(*) AS index_rows_of_others FROM hastecrm_perf.index_bloat()
WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'hastecrm_perf') AND relname <> 'tiny';
SELECT relid, method FROM hastecrm_perf.table_bloat_scan('dedup');
SELECT indexrelid, method FROM hastecrm_perf.index_bloat_scan('dedup_grp');
RESET ROLE;
DROP OWNED BY bloat_plain, bloat_reader, bloat_monitor;
DROP ROLE bloat_plain, bloat_reader, bloat_monitor;

DROP SCHEMA "bloat sch""ema; --" CASCADE;
DROP MATERIALIZED VIEW bloat_matview;
DROP VIEW bloat_view;
DROP SEQUENCE bloat_seq;
DROP TABLE churn, toasty, dedup, parts, unlogged_t, never_analyzed, no_stats_t, stale_t, tiny, empty_t;
DROP EXTENSION pgstattuple;
DROP EXTENSION hastecrm_perf;
