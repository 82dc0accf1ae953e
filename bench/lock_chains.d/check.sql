-- Checks lock_chains() against pg_blocking_pids() and the recursive CTE.
-- psql variables: scenario, waiters, cte (the text of recursive_cte.sql).
--
-- One statement reads all three, so they see the same queue; the checks then
-- run on that snapshot.
CREATE TEMP TABLE snapshot AS
WITH lc AS MATERIALIZED (
  SELECT pid, root_pid, depth, blocked_by, chain FROM hastecrm_perf.lock_chains()
),
blocking AS MATERIALIZED (
  SELECT p.pid, ARRAY(SELECT DISTINCT b FROM unnest(pg_blocking_pids(p.pid)) b ORDER BY 1) AS blocked_by
  FROM (SELECT pid FROM pg_stat_activity UNION SELECT pid FROM lc) p
),
cte AS MATERIALIZED (
  SELECT pid, root_pid, depth, blocked_by, chain FROM (:cte
  ) t
)
SELECT 'lock_chains' AS source, * FROM lc
UNION ALL SELECT 'pg_blocking_pids', pid, NULL, NULL, blocked_by, NULL FROM blocking
UNION ALL SELECT 'recursive_cte', * FROM cte;

CREATE TEMP VIEW lc AS SELECT pid, root_pid, depth, blocked_by, chain FROM snapshot WHERE source = 'lock_chains';
CREATE TEMP VIEW blocking AS SELECT pid, blocked_by FROM snapshot WHERE source = 'pg_blocking_pids';
CREATE TEMP VIEW cte AS SELECT pid, root_pid, depth, blocked_by, chain FROM snapshot WHERE source = 'recursive_cte';
-- Every pid that waits or blocks, per pg_blocking_pids().
CREATE TEMP VIEW involved AS
  SELECT pid FROM blocking WHERE blocked_by <> '{}' UNION SELECT unnest(blocked_by) FROM blocking;

CREATE TEMP VIEW edge_mismatch AS
  SELECT lc.pid, lc.blocked_by AS lock_chains, b.blocked_by AS pg_blocking_pids
  FROM lc JOIN blocking b USING (pid) WHERE lc.blocked_by IS DISTINCT FROM b.blocked_by;
CREATE TEMP VIEW pid_set_mismatch AS
  SELECT pid, 'only in lock_chains()' AS side FROM (SELECT pid FROM lc EXCEPT SELECT pid FROM involved) x
  UNION ALL
  SELECT pid, 'only in pg_blocking_pids()' FROM (SELECT pid FROM involved EXCEPT SELECT pid FROM lc) y;
CREATE TEMP VIEW tree_mismatch AS
  (SELECT 'lock_chains' AS source, * FROM lc EXCEPT SELECT 'lock_chains', * FROM cte)
  UNION ALL
  (SELECT 'recursive_cte', * FROM cte EXCEPT SELECT 'recursive_cte', * FROM lc);

INSERT INTO bench_check
SELECT :'scenario', :max_connections, :waiters, (SELECT count(*) FROM lc),
       (SELECT count(*) FROM edge_mismatch), (SELECT count(*) FROM pid_set_mismatch),
       (SELECT count(*) FROM tree_mismatch);

SELECT format('%s: edges equal: %s (%s of %s pids differ); pid sets equal: %s (%s differ); '
              'tree equal to the recursive CTE: %s (%s rows differ)', scenario,
              CASE WHEN edge_mismatches = 0 THEN 'yes' ELSE 'no' END, edge_mismatches, rows,
              CASE WHEN pid_set_mismatches = 0 THEN 'yes' ELSE 'no' END, pid_set_mismatches,
              CASE WHEN tree_mismatches = 0 THEN 'yes' ELSE 'no' END, tree_mismatches) AS line,
       edge_mismatches + pid_set_mismatches + tree_mismatches > 0 AS differs
FROM bench_check WHERE scenario = :'scenario' AND max_connections = :max_connections \gset
\echo :line

-- Anything that differs, pid by pid.
\if :differs
SELECT * FROM edge_mismatch ORDER BY pid;
SELECT * FROM pid_set_mismatch ORDER BY pid;
SELECT * FROM tree_mismatch ORDER BY pid, source;
\endif
