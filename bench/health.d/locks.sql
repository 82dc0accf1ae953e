-- Inside the transaction of health(): the relation locks it left, by mode.
BEGIN;
SELECT count(*) AS findings FROM hastecrm_perf.health() \gset
SELECT coalesce(string_agg(mode || ' ' || n, ', ' ORDER BY mode), 'none') AS locks
FROM (SELECT mode, count(*) AS n FROM pg_locks
      WHERE pid = pg_backend_pid() AND locktype = 'relation' GROUP BY mode) l;
SELECT count(*) AS stronger FROM pg_locks
WHERE pid = pg_backend_pid() AND locktype = 'relation' AND mode <> 'AccessShareLock';
COMMIT;
