-- From a slow statement to the index that fixes it (SPEC §12): the statement in
-- slow_queries(), its plan in query_plans, the index index_advice() validates;
-- then the index is created as advised and the statement's plan and p95 change.
-- The demo's tables are small, so 0.1 ms counts as slow here.
SET hastecrm_perf.slow_query_ms = 0.1;
SET hastecrm_perf.plan_capture_ms = 0.1;
\o /dev/null
SELECT id, workspace_id FROM contacts WHERE email = 'contact97@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact194@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact291@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact388@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact485@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact582@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact679@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact776@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact873@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact970@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1067@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1164@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1261@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1358@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1455@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1552@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1649@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1746@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1843@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact1940@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2037@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2134@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2231@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2328@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2425@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2522@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2619@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2716@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2813@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact2910@example.com';
\o
\echo
\echo == slow_queries(): a lookup by e-mail address
SELECT query, calls, round(mean_ms::numeric, 3) AS mean_ms, round(p95_ms::numeric, 3) AS p95_ms
FROM hastecrm_perf.slow_queries() WHERE query ~ 'WHERE email = ';
\echo == query_plans: its plan (literals masked)
SELECT planid, calls, round(p95_ms::numeric, 3) AS p95_ms, plan FROM hastecrm_perf.query_plans
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND queryid IN (SELECT queryid FROM hastecrm_perf.query_latency WHERE query ~ 'WHERE email = ');
\echo == index_advice(): validated by planning it with the index present hypothetically
SELECT index_ddl, queries, calls, round(cost_before) AS cost_before, round(cost_after) AS cost_after,
       pg_size_pretty(est_size_bytes) AS est_size
FROM hastecrm_perf.index_advice() WHERE relid = 'contacts'::regclass AND index_ddl ~ '\(email\)';
\echo == the advice applied:
SELECT index_ddl FROM hastecrm_perf.index_advice()
WHERE relid = 'contacts'::regclass AND index_ddl ~ '\(email\)' LIMIT 1 \gexec
-- EXPLAIN texts are made at most 10 times a second server-wide.
\! sleep 0.2
\o /dev/null
SELECT id, workspace_id FROM contacts WHERE email = 'contact3007@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3104@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3201@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3298@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3395@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3492@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3589@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3686@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3783@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3880@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact3977@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4074@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4171@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4268@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4365@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4462@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4559@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4656@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4753@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4850@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact4947@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5044@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5141@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5238@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5335@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5432@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5529@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5626@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5723@example.com';
SELECT id, workspace_id FROM contacts WHERE email = 'contact5820@example.com';
\o
\echo == query_plans: the new plan has a row of its own, and its p95 fell
SELECT planid, calls, round(p95_ms::numeric, 3) AS p95_ms, split_part(plan, E'\n', 1) AS plan
FROM hastecrm_perf.query_plans
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND queryid IN (SELECT queryid FROM hastecrm_perf.query_latency WHERE query ~ 'WHERE email = ')
ORDER BY first_seen;
RESET hastecrm_perf.plan_capture_ms;
RESET hastecrm_perf.slow_query_ms;
