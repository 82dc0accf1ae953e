-- Run in a fresh session while sessions queue: which relation locks does the
-- session hold after lock_chains(), against what the pg_locks query alone
-- needs? Under lock_timeout, a call that waited on a heavyweight lock would
-- fail instead of returning.
SET lock_timeout = '1s';
\set held 'SELECT coalesce(string_agg(format(''%s %s'', relation::regclass, mode), '', '' ORDER BY relation::regclass::text, mode), ''none'') AS locks FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = ''relation'''

BEGIN;
SELECT count(*) AS rows FROM hastecrm_perf.lock_chains() \gset
:held \gset after_
COMMIT;
BEGIN;
:held \gset alone_
COMMIT;
SELECT format('lock check: lock_chains() returned %s rows under lock_timeout = 1s; '
              'relation locks held after it: %s; held by the pg_locks query alone: %s; '
              'lock_chains() took none of its own: %s', :rows, :'after_locks', :'alone_locks',
              CASE WHEN :'after_locks' = :'alone_locks' THEN 'yes' ELSE 'no' END) AS line \gset
\echo :line
