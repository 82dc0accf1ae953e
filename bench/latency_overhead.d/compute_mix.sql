-- pgbench script: one CPU-bound statement whose executor time grows with n
-- (about 27 ns per row on the reference machine), 90% of calls about 1-3 ms and
-- 10% about 20-40 ms, spread continuously. The set-returning function in the
-- target list streams its rows (ProjectSet): nothing is materialized or
-- spilled, so the time is all executor time.
\set pick random(1, 100)
\set n random(37000, 111000)
\if :pick > 90
\set n random(740000, 1480000)
\endif
SELECT count(*) FROM (SELECT generate_series(1, :n)) s;
