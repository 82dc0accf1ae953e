-- What hastecrm_perf offers so far, over the demo schema.
\pset footer off
\echo
\echo '== The extension'
\dx hastecrm_perf
\echo
\echo '== Its settings (postgresql.conf: hastecrm_perf.*)'
SELECT name, setting, unit, context, short_desc
FROM pg_settings WHERE name LIKE 'hastecrm\_perf.%' ORDER BY name;
\echo
\echo '== The demo schema'
SELECT c.relname AS relation, c.relkind AS kind,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS size,
       c.reltuples::bigint AS rows_estimate
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'm')
ORDER BY c.relname;
