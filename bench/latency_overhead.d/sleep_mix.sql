-- pgbench script: one statement whose latency is set by pg_sleep, 90% of calls
-- asking 1-3 ms and 10% asking 20-40 ms. pg_sleep waits in whole milliseconds
-- (rounded up), so the latencies cluster near integer ms: the hard case for a
-- histogram that assumes values spread evenly inside a bucket.
\set pick random(1, 100)
\set us random(1000, 3000)
\if :pick > 90
\set us random(20000, 40000)
\endif
SELECT pg_sleep(:us / 1000000.0);
