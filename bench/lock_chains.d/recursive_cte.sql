-- What a DBA would run instead of hastecrm_perf.lock_chains(): the same forest
-- (pid, root_pid, depth, blocked_by, chain) built from pg_blocking_pids() with a
-- recursive CTE, plus the pg_stat_activity and pg_locks columns of each pid.
-- Depth is the distance from the nearest root, the tree parent the blocker of
-- least depth (lowest pid on ties), as lock_chains() defines them.
--
-- Row-lock queues make the blocking graph dense (the k-th waiter is blocked by
-- every waiter ahead of it), so walking every path explodes; the walk goes
-- level by level instead, keeping the pids already placed. It does not compute
-- blocking_count (a transitive count) nor a suggestion, so it does less work
-- than lock_chains(); nor does it place sessions that only wait in a deadlock
-- cycle (the deadlock detector ends those within deadlock_timeout).
WITH RECURSIVE
activity AS MATERIALIZED (
  SELECT a.*, ARRAY(SELECT DISTINCT b FROM unnest(pg_blocking_pids(a.pid)) b ORDER BY 1) AS blocked_by
  FROM pg_stat_activity a
),
edge AS MATERIALIZED (
  SELECT b AS blocker, a.pid AS waiter FROM activity a, unnest(a.blocked_by) b
),
-- Level 0: blockers nobody blocks. Level n + 1: waiters of level n not yet placed.
level(depth, frontier, seen) AS (
  SELECT 0, array_agg(DISTINCT e.blocker), array_agg(DISTINCT e.blocker)
  FROM edge e WHERE NOT EXISTS (SELECT FROM edge w WHERE w.waiter = e.blocker)
  UNION ALL
  SELECT l.depth + 1, nxt.pids, l.seen || nxt.pids
  FROM level l, LATERAL (SELECT array_agg(DISTINCT e.waiter) AS pids FROM edge e
                         WHERE e.blocker = ANY (l.frontier) AND e.waiter <> ALL (l.seen)) nxt
  WHERE nxt.pids IS NOT NULL
),
placed AS (SELECT p.pid, l.depth FROM level l, unnest(l.frontier) p(pid)),
parent AS MATERIALIZED (
  SELECT DISTINCT ON (e.waiter) e.waiter AS pid, e.blocker AS parent
  FROM edge e JOIN placed p ON p.pid = e.blocker
  ORDER BY e.waiter, p.depth, e.blocker
),
tree(pid, root_pid, depth, chain) AS (
  SELECT pid, pid, 0, ARRAY[pid] FROM placed WHERE depth = 0
  UNION ALL
  SELECT c.pid, t.root_pid, t.depth + 1, t.chain || c.pid
  FROM tree t JOIN parent c ON c.parent = t.pid
),
wait AS MATERIALIZED (
  SELECT pid, locktype, mode, relation, waitstart FROM pg_locks WHERE NOT granted
)
SELECT t.pid, t.root_pid, t.depth, coalesce(a.blocked_by, '{}') AS blocked_by, t.chain,
       w.locktype AS lock_type, w.mode AS lock_mode, w.relation::regclass AS relation,
       now() - w.waitstart AS waiting_for, a.state, a.wait_event_type, a.wait_event,
       now() - a.xact_start AS xact_age, now() - a.state_change AS state_age,
       a.usename, a.application_name, a.client_addr, a.query
FROM tree t LEFT JOIN activity a USING (pid) LEFT JOIN wait w USING (pid)
