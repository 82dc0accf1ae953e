-- What a DBA runs instead, one query per check, the forms found in wikis,
-- PgHero and check_postgres (written by us for the comparison). Each is the
-- folk formula, not PostgreSQL's rule: the point here is their cost.
-- cache_hit
SELECT sum(blks_hit)::float8 / nullif(sum(blks_hit + blks_read), 0) FROM pg_stat_database;
SELECT relname, heap_blks_hit::float8 / nullif(heap_blks_hit + heap_blks_read, 0) FROM pg_statio_user_tables
ORDER BY heap_blks_read DESC LIMIT 10;
-- connections
SELECT count(*), current_setting('max_connections') FROM pg_stat_activity;
-- long_transactions
SELECT pid, now() - xact_start, state FROM pg_stat_activity
WHERE xact_start < now() - interval '1 hour' OR (state = 'idle in transaction' AND state_change < now() - interval '5 minutes');
-- memory
SELECT name, setting, unit FROM pg_settings
WHERE name IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'max_connections', 'effective_cache_size');
-- autovacuum (first term only, as PgHero)
SELECT s.relname, s.n_dead_tup FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::int
      + current_setting('autovacuum_vacuum_scale_factor')::float8 * c.reltuples;
-- wraparound
SELECT datname, age(datfrozenxid) FROM pg_database ORDER BY 2 DESC;
SELECT c.oid::regclass, age(c.relfrozenxid) FROM pg_class c WHERE c.relkind IN ('r', 'm', 't') ORDER BY 2 DESC LIMIT 20;
-- unused_indexes
SELECT s.indexrelname, pg_relation_size(s.indexrelid) FROM pg_stat_user_indexes s JOIN pg_index i USING (indexrelid)
WHERE s.idx_scan = 0 AND NOT i.indisunique;
-- duplicate_indexes (the PostgreSQL wiki's query)
SELECT pg_size_pretty(sum(pg_relation_size(idx))::bigint), (array_agg(idx))[1], (array_agg(idx))[2]
FROM (SELECT indexrelid::regclass AS idx, (indrelid::text || E'\n' || indclass::text || E'\n' || indkey::text || E'\n'
             || coalesce(indexprs::text, '') || E'\n' || coalesce(indpred::text, '')) AS key FROM pg_index) sub
GROUP BY key HAVING count(*) > 1;
-- invalid_indexes
SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;
-- fk_without_index
SELECT c.conrelid::regclass, c.conname FROM pg_constraint c
WHERE c.contype = 'f' AND NOT EXISTS (
    SELECT FROM pg_index i WHERE i.indrelid = c.conrelid
      AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey);
-- sequences
SELECT schemaname, sequencename, last_value::float8 / max_value FROM pg_sequences ORDER BY 3 DESC NULLS LAST;
-- replication
SELECT application_name, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication;
SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots;
-- slow_queries, n_plus_one, lock_waits
SELECT queryid, p95_ms FROM hastecrm_perf.query_latency WHERE p95_ms > 100;
SELECT queryid, occurrences FROM hastecrm_perf.n_plus_one;
SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock';
