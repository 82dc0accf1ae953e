-- A live lock chain: printed while the sessions started by scripts/demo wait.
\pset footer off
\echo
\echo '== Lock chains: who blocks whom (hastecrm_perf.lock_tree)'
SELECT line FROM hastecrm_perf.lock_tree;
\echo
\echo '== The same forest with its details (hastecrm_perf.lock_chains())'
SELECT pid, root_pid AS root, depth, blocked_by, blocking_count AS blocks,
       lock_mode, relation, application_name AS app, suggestion
FROM hastecrm_perf.lock_chains();
