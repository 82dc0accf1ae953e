-- Health (SPEC §9): every check with a real problem and a look-alike that is
-- not one. Output is filtered to this test's objects (schema health_t) and to
-- columns that do not depend on the machine: sizes, ages and ratios of the
-- server itself are only checked for their shape.
CREATE EXTENSION hastecrm_perf;
\set SHOW_CONTEXT never
CREATE SCHEMA health_t;

-- Shape, documentation and privileges.
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS result,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       has_function_privilege('pg_monitor', p.oid, 'EXECUTE') AS monitor_execute
FROM pg_proc p WHERE p.pronamespace = 'hastecrm_perf'::regnamespace AND p.proname LIKE 'health%' ORDER BY 1;
SELECT "check", count(parameter) AS parameters, bool_and(value = default_value) AS defaults,
       bool_or(needs_primary) AS needs_primary, bool_or(needs_history) AS needs_history
FROM hastecrm_perf.health_checks GROUP BY "check" ORDER BY "check";
-- Kept by pg_dump, every row (the table holds only what a DBA set).
SELECT c.relname, x.extcondition
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(relid, extcondition)
JOIN pg_class c ON c.oid = x.relid WHERE e.extname = 'hastecrm_perf' AND c.relname = 'health_settings';

-- health_settings refuses what health() could not use.
INSERT INTO hastecrm_perf.health_settings VALUES ('no_such_check', 'mute', '', NULL);
INSERT INTO hastecrm_perf.health_settings VALUES ('sequences', 'no_such_parameter', '', 1);
INSERT INTO hastecrm_perf.health_settings VALUES ('sequences', 'warning_ratio', '', -1);
INSERT INTO hastecrm_perf.health_settings VALUES ('sequences', 'warning_ratio', '', 'NaN');
INSERT INTO hastecrm_perf.health_settings VALUES ('sequences', 'warning_ratio', '', 'Infinity');
INSERT INTO hastecrm_perf.health_settings VALUES ('sequences', 'warning_ratio', 'health_t.x', 0.5);
INSERT INTO hastecrm_perf.health_settings VALUES ('sequences', 'mute', '', 1);
INSERT INTO hastecrm_perf.health_settings VALUES (NULL, 'mute', '', NULL);
SELECT hastecrm_perf.health_setting_known(NULL, NULL), hastecrm_perf.health_setting_known('bloat', 'mute'),
       hastecrm_perf.health_setting_known('bloat', 'min_bytes'), hastecrm_perf.health_setting_known('bloat', 'x');
SELECT count(*) AS settings_rows FROM hastecrm_perf.health_settings;

-- The thresholds a test needs to see small fixtures; every other check muted
-- while one is looked at would hide interactions, so all run together.
INSERT INTO hastecrm_perf.health_settings (check_name, parameter, value) VALUES
    ('bloat', 'min_bytes', 0), ('slow_queries', 'min_calls', 1), ('n_plus_one', 'warning_wasted_ms', 0);
SELECT "check", parameter, default_value, value FROM hastecrm_perf.health_checks
WHERE value <> default_value ORDER BY 1, 2;

CREATE VIEW health_t.findings AS
SELECT h."check", h.severity, h.object, h.value, h.detail, h.advice FROM hastecrm_perf.health() h
WHERE h.object LIKE '%health\_t.%' OR h.advice LIKE '%health\_t.%';

-- duplicate_indexes -----------------------------------------------------------
-- (a) is a leading prefix of (a, b): redundant. (a DESC), (a) WHERE a > 0,
-- (a) NULLS FIRST and (a) COLLATE "C" on text are different keys; a hash on
-- (a) is another access method; (a) INCLUDE (c) allows index-only scans that
-- (a, b) does not.
CREATE TABLE health_t.dup (a int, b int, c int, t text);
CREATE INDEX dup_ab ON health_t.dup (a, b);
CREATE INDEX dup_a ON health_t.dup (a);
CREATE TABLE health_t.look (a int, b int, c int, t text);
CREATE INDEX look_ab ON health_t.look (a, b);
CREATE INDEX look_a_desc ON health_t.look (a DESC);
CREATE INDEX look_a_partial ON health_t.look (a) WHERE a > 0;
CREATE INDEX look_a_nulls_first ON health_t.look (a NULLS FIRST);
CREATE INDEX look_a_hash ON health_t.look USING hash (a);
CREATE INDEX look_a_include ON health_t.look (a) INCLUDE (c);
CREATE INDEX look_t ON health_t.look (t);
CREATE INDEX look_t_c ON health_t.look (t COLLATE "C");
CREATE INDEX look_lower ON health_t.look (lower(t));
CREATE INDEX look_upper ON health_t.look (upper(t));
-- Same keys twice: the newer goes. A plain unique index beside the primary
-- key on the same column: the plain one goes, never the constraint's.
CREATE TABLE health_t.twice (id int PRIMARY KEY, e text);
CREATE UNIQUE INDEX twice_id_unique ON health_t.twice (id);
CREATE INDEX twice_lower_1 ON health_t.twice (lower(e));
CREATE INDEX twice_lower_2 ON health_t.twice (lower(e));
-- A unique (a) is never a prefix duplicate of (a, b): it enforces something.
CREATE TABLE health_t.uniq (a int, b int);
CREATE UNIQUE INDEX uniq_a ON health_t.uniq (a);
CREATE INDEX uniq_ab ON health_t.uniq (a, b);
SELECT severity, object, advice FROM health_t.findings WHERE "check" = 'duplicate_indexes' ORDER BY object;

-- fk_without_index ------------------------------------------------------------
CREATE TABLE health_t.parent (id int PRIMARY KEY);
CREATE TABLE health_t.child_covered (pid int REFERENCES health_t.parent, x int);
CREATE INDEX ON health_t.child_covered (pid, x);
CREATE TABLE health_t.child_trailing (pid int REFERENCES health_t.parent, x int);
CREATE INDEX ON health_t.child_trailing (x, pid);
CREATE TABLE health_t.child_not_null (pid int REFERENCES health_t.parent, x int);
CREATE INDEX ON health_t.child_not_null (pid) WHERE pid IS NOT NULL;
CREATE TABLE health_t.child_partial (pid int REFERENCES health_t.parent, x int);
CREATE INDEX ON health_t.child_partial (pid) WHERE x > 0;
CREATE TABLE health_t.child_two_indexes (pid int REFERENCES health_t.parent, x int);
CREATE INDEX ON health_t.child_two_indexes (x);
CREATE INDEX ON health_t.child_two_indexes (x, pid);
-- A partitioned table is judged once, at the parent: its partitions' clones
-- of the constraint are not findings of their own.
CREATE TABLE health_t.child_parted (pid int REFERENCES health_t.parent, x int) PARTITION BY RANGE (x);
CREATE TABLE health_t.child_parted_1 PARTITION OF health_t.child_parted FOR VALUES FROM (0) TO (10);
CREATE TABLE health_t.child_parted_covered (pid int REFERENCES health_t.parent, x int) PARTITION BY RANGE (x);
CREATE INDEX ON health_t.child_parted_covered (pid);
CREATE TABLE health_t.child_parted_covered_1 PARTITION OF health_t.child_parted_covered FOR VALUES FROM (0) TO (10);
SELECT severity, object, advice FROM health_t.findings WHERE "check" = 'fk_without_index' ORDER BY object;

-- sequences -------------------------------------------------------------------
-- A bigint column fed by an AS integer sequence at 91% stops at 2^31 - 1;
-- the same value from a bigint sequence is nothing. An integer column fed by
-- a bigint sequence stops at the column's limit. Descending ones count down.
CREATE SEQUENCE health_t.seq_int AS integer;
CREATE TABLE health_t.seq_narrow (id bigint DEFAULT nextval('health_t.seq_int'));
ALTER SEQUENCE health_t.seq_int OWNED BY health_t.seq_narrow.id;
SELECT setval('health_t.seq_int', (0.91 * 2147483647)::bigint) \g /dev/null
CREATE TABLE health_t.seq_wide (id bigserial);
SELECT setval('health_t.seq_wide_id_seq', (0.91 * 2147483647)::bigint) \g /dev/null
CREATE SEQUENCE health_t.seq_big AS bigint;
CREATE TABLE health_t.seq_column (id integer DEFAULT nextval('health_t.seq_big'));
SELECT setval('health_t.seq_big', (0.80 * 2147483647)::bigint) \g /dev/null
CREATE TABLE health_t.seq_serial (id serial);
SELECT setval('health_t.seq_serial_id_seq', (0.70 * 2147483647)::bigint) \g /dev/null
CREATE SEQUENCE health_t.seq_down AS integer INCREMENT -1 MAXVALUE -1;
SELECT setval('health_t.seq_down', (-0.95 * 2147483648)::bigint) \g /dev/null
SELECT severity, object, value, advice FROM health_t.findings WHERE "check" = 'sequences' ORDER BY object;

-- autovacuum ------------------------------------------------------------------
-- 500 dead tuples of 10,000: past 50 + 0.01 x 10,000 with the table's own
-- scale factor, not past 50 + 0.2 x 10,000 with the server's. Both tables
-- keep autovacuum away (autovacuum_enabled = false) so that it cannot race
-- the test; the finding says so.
CREATE TABLE health_t.av_own (id int) WITH (autovacuum_enabled = false, autovacuum_vacuum_scale_factor = 0.01);
CREATE TABLE health_t.av_server (id int) WITH (autovacuum_enabled = false);
INSERT INTO health_t.av_own SELECT generate_series(1, 10000);
INSERT INTO health_t.av_server SELECT generate_series(1, 10000);
SELECT pg_stat_force_next_flush() \g /dev/null
VACUUM (ANALYZE) health_t.av_own, health_t.av_server;
DELETE FROM health_t.av_own WHERE id <= 500;
DELETE FROM health_t.av_server WHERE id <= 500;
SELECT pg_stat_force_next_flush() \g /dev/null
-- A partitioned parent whose partitions hold rows: never analyzed by
-- autovacuum, so the planner has no statistics for it; analyzed once by hand
-- it is fine.
CREATE TABLE health_t.av_parted (id int) PARTITION BY RANGE (id);
CREATE TABLE health_t.av_parted_1 PARTITION OF health_t.av_parted FOR VALUES FROM (0) TO (100000);
CREATE TABLE health_t.av_parted_done (id int) PARTITION BY RANGE (id);
CREATE TABLE health_t.av_parted_done_1 PARTITION OF health_t.av_parted_done FOR VALUES FROM (0) TO (100000);
INSERT INTO health_t.av_parted SELECT generate_series(1, 1000);
INSERT INTO health_t.av_parted_done SELECT generate_series(1, 1000);
ANALYZE health_t.av_parted_1, health_t.av_parted_done;
SELECT severity, object, value, advice, detail LIKE '%autovacuum_enabled = false%' AS says_disabled
FROM health_t.findings WHERE "check" = 'autovacuum' ORDER BY object;

-- invalid_indexes -------------------------------------------------------------
CREATE TABLE health_t.inv (a int);
INSERT INTO health_t.inv VALUES (1), (1);
CREATE UNIQUE INDEX CONCURRENTLY inv_a_unique ON health_t.inv (a);
CREATE INDEX CONCURRENTLY inv_a ON health_t.inv (a);
CREATE TABLE health_t.inv_parted (a int) PARTITION BY RANGE (a);
CREATE TABLE health_t.inv_parted_1 PARTITION OF health_t.inv_parted FOR VALUES FROM (0) TO (10);
CREATE INDEX inv_parted_a ON ONLY health_t.inv_parted (a);
SELECT severity, object, advice FROM health_t.findings WHERE "check" = 'invalid_indexes' ORDER BY object;

-- bloat -----------------------------------------------------------------------
-- 60% of the rows deleted and vacuumed: the pages stay, the estimate sees it;
-- the untouched table beside it is not reported.
CREATE TABLE health_t.bloated (id int, pad text) WITH (autovacuum_enabled = false);
CREATE TABLE health_t.tight (id int, pad text) WITH (autovacuum_enabled = false);
INSERT INTO health_t.bloated SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
INSERT INTO health_t.tight SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
DELETE FROM health_t.bloated WHERE id % 5 <> 0;
SELECT pg_stat_force_next_flush() \g /dev/null
VACUUM (ANALYZE) health_t.bloated, health_t.tight;
SELECT severity, object, advice FROM health_t.findings WHERE "check" = 'bloat' ORDER BY object;

-- slow_queries and n_plus_one (the library is preloaded here) ----------------
SET hastecrm_perf.slow_query_ms = 20;
SELECT pg_sleep(0.03) \g /dev/null
SELECT 1 AS fast \g /dev/null
BEGIN;
SELECT id FROM health_t.av_server WHERE id = 600 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 601 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 602 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 603 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 604 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 605 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 606 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 607 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 608 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 609 \g /dev/null
SELECT id FROM health_t.av_server WHERE id = 610 \g /dev/null
COMMIT;
SELECT "check", severity, regexp_replace(detail, '^.*: ', '') AS query, advice
FROM hastecrm_perf.health() WHERE "check" = 'slow_queries' AND detail LIKE '%ms: SELECT pg\_sleep($1)';
SELECT count(*) AS fast_reported FROM hastecrm_perf.health()
WHERE "check" = 'slow_queries' AND detail LIKE '%SELECT $1 AS fast%';
SELECT "check", severity, advice FROM health_t.findings WHERE "check" = 'n_plus_one';
RESET hastecrm_perf.slow_query_ms;

-- connections -----------------------------------------------------------------
-- A role with a limit and no session is nothing; this database limited to
-- the one connection it has is full.
CREATE ROLE health_t_limited LOGIN CONNECTION LIMIT 1;
SELECT "check", severity, object FROM hastecrm_perf.health()
WHERE "check" = 'connections' AND object IN ('role health_t_limited');
SELECT format('ALTER DATABASE %I CONNECTION LIMIT 1', current_database()) \gexec
SELECT "check", severity, replace(object, current_database(), 'DB') AS object, value,
       replace(advice, current_database(), 'DB') AS advice
FROM hastecrm_perf.health() WHERE "check" = 'connections' AND object LIKE 'database %';
SELECT format('ALTER DATABASE %I CONNECTION LIMIT -1', current_database()) \gexec

-- wraparound ------------------------------------------------------------------
-- A healthy cluster's ages are the normal sawtooth: nothing. With the
-- critical headroom raised past any age every database is critical, template0
-- included.
SELECT count(*) AS wraparound_findings FROM hastecrm_perf.health() WHERE "check" = 'wraparound';
INSERT INTO hastecrm_perf.health_settings VALUES ('wraparound', 'critical_headroom', '', 2200000000);
SELECT severity, object FROM hastecrm_perf.health() WHERE "check" = 'wraparound' AND object = 'database template0';
DELETE FROM hastecrm_perf.health_settings WHERE check_name = 'wraparound';

-- memory, cache_hit: the server's own figures, so only the shape ---------------
INSERT INTO hastecrm_perf.health_settings VALUES ('memory', 'warning_ratio', '', 0), ('cache_hit', 'warning_ratio', '', 1),
    ('cache_hit', 'min_blocks', '', 0);
SELECT "check", severity, object, advice ~ '^ALTER SYSTEM SET work_mem = ''[0-9]+[kMG]B''; ' AS runnable_advice
FROM hastecrm_perf.health() WHERE "check" = 'memory' AND object = 'server';
SELECT "check", object LIKE 'database %' AS per_database, detail LIKE 'since %' AS says_since_when
FROM hastecrm_perf.health() WHERE "check" = 'cache_hit' AND object = format('database %I', current_database());
DELETE FROM hastecrm_perf.health_settings WHERE check_name IN ('memory', 'cache_hit');

-- Windowed checks without History say so instead of guessing.
SELECT "check", severity, detail FROM hastecrm_perf.health() WHERE "check" = 'unused_indexes';
-- Nothing replicates here, no session idles in a transaction, no lock waits:
-- none of those checks reports anything.
SELECT count(*) AS quiet FROM hastecrm_perf.health() WHERE "check" IN ('replication', 'long_transactions', 'lock_waits');

-- Mutes: a whole check, or one object of it.
INSERT INTO hastecrm_perf.health_settings (check_name, object) VALUES ('fk_without_index', 'health_t.child_trailing (pid)');
INSERT INTO hastecrm_perf.health_settings (check_name) VALUES ('duplicate_indexes');
SELECT "check", object FROM health_t.findings WHERE "check" IN ('fk_without_index', 'duplicate_indexes') ORDER BY 1, 2;
SELECT "check", muted, muted_objects FROM hastecrm_perf.health_checks
WHERE "check" IN ('fk_without_index', 'duplicate_indexes') GROUP BY 1, 2, 3 ORDER BY 1;

-- Hostile names stay names in the advice.
CREATE TABLE health_t."we;ird ""t""" ("f k" int REFERENCES health_t.parent);
SELECT advice FROM health_t.findings WHERE "check" = 'fk_without_index' AND object LIKE '%we;ird%';

-- The locks health() leaves behind in its transaction: AccessShareLock at most.
BEGIN;
SELECT count(*) > 0 AS found_something FROM hastecrm_perf.health();
SELECT DISTINCT mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'
  AND mode <> 'AccessShareLock';
COMMIT;

-- An unprivileged caller is refused; a member of pg_monitor is not.
CREATE ROLE health_t_nobody;
CREATE ROLE health_t_monitor IN ROLE pg_monitor;
SET ROLE health_t_nobody;
SELECT count(*) FROM hastecrm_perf.health();
SELECT count(*) FROM hastecrm_perf.health_checks;
INSERT INTO hastecrm_perf.health_settings (check_name) VALUES ('bloat');
RESET ROLE;
SET ROLE health_t_monitor;
SELECT count(*) > 0 AS monitor_sees_findings FROM hastecrm_perf.health();
INSERT INTO hastecrm_perf.health_settings (check_name) VALUES ('bloat');
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA health_t CASCADE;
RESET client_min_messages;
DROP ROLE health_t_nobody;
DROP ROLE health_t_monitor;
DROP ROLE health_t_limited;
DROP EXTENSION hastecrm_perf;
