-- What the maintenance worker did: printed by scripts/demo once job_log shows
-- a refresh, skipped refreshes, and a new refresh after contacts changed.
\pset footer off
\echo
\echo '== Partitions of emails now (pg_partition_tree)'
SELECT t.relid AS partition, pg_get_expr(c.relpartbound, c.oid) AS bounds,
       (SELECT count(*) FROM emails e WHERE e.tableoid = t.relid) AS rows
FROM pg_partition_tree('emails') t
JOIN pg_class c ON c.oid = t.relid
WHERE t.isleaf
ORDER BY pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', t.relid::text;
\echo
\echo '== Detached by retention: standalone tables now'
SELECT c.oid::regclass AS detached, pg_size_pretty(pg_total_relation_size(c.oid)) AS size
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
  AND c.relname LIKE 'emails\_%' AND NOT c.relispartition;
\echo
\echo '== The jobs (hastecrm_perf.jobs)'
SELECT * FROM hastecrm_perf.jobs;
\echo
\echo '== What they did (hastecrm_perf.job_log, latest last): a check that finds nothing to do is not logged'
SELECT kind, target, status, action, detail
FROM (SELECT * FROM hastecrm_perf.job_log ORDER BY id DESC LIMIT 10) latest
ORDER BY id;
\echo
\echo '== contact_stats after its last refresh: workspace 3 counts its 10 new contacts'
SELECT workspace_id, sum(new_contacts) AS contacts, sum(verified_contacts) AS verified,
       max(date) AS newest_day
FROM contact_stats WHERE workspace_id = 3 GROUP BY workspace_id;
