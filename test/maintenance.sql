-- Maintenance jobs (SPEC §5, §7): manage_partitions(), unmanage_partitions(),
-- schedule_refresh(), unschedule_refresh(), run_maintenance(), the jobs view
-- and job_log, driven by hand (this server has no worker_databases, so the
-- worker does nothing here).
--
-- Partition names and bounds depend on today's date: the expectations are
-- computed here in SQL, in UTC (hastecrm_perf.partition_timezone's default),
-- and only booleans and counts are printed, never a date, a duration or an
-- OID. Each manage_partitions() call is checked in the same transaction, so
-- the extension and the expectations see the same now().
--
-- Change detection of refreshes reads the cumulative statistics: after a
-- change, pg_stat_force_next_flush() (its own statement: the backend flushes
-- when it goes idle) makes it visible to run_maintenance().
CREATE EXTENSION hastecrm_perf;
\set SHOW_CONTEXT never

-- The API of SPEC §5, as installed.
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS returns,
       pg_get_function_arguments(p.oid) AS arguments
FROM pg_proc p
WHERE p.pronamespace = 'hastecrm_perf'::regnamespace
  AND p.proname IN ('manage_partitions', 'unmanage_partitions', 'schedule_refresh',
                    'unschedule_refresh', 'run_maintenance')
ORDER BY 1::text;
SELECT c.relname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS columns
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.oid IN ('hastecrm_perf.jobs'::regclass, 'hastecrm_perf.job_log'::regclass)
GROUP BY c.relname ORDER BY 1;

-- Test helpers. expected_partitions(): the partitions manage_partitions()
-- should have made for `parent` (its period holding now() and premake after
-- it): name, partition bound as pg_get_expr() prints it, lower bound.
CREATE FUNCTION clip_bytes(s text, max_bytes int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT left(s, (SELECT max(k) FROM generate_series(0, char_length(s)) AS k
                  WHERE octet_length(left(s, k)) <= max_bytes))
$$;
CREATE FUNCTION expected_partitions(parent regclass, step text, premake int)
RETURNS TABLE (name text, bound text, lower timestamp)
LANGUAGE sql STABLE AS $$
  WITH s AS (
    SELECT CASE step WHEN 'daily' THEN 'day' WHEN 'weekly' THEN 'week' WHEN 'monthly' THEN 'month'
                     WHEN 'quarterly' THEN 'quarter' WHEN 'yearly' THEN 'year' END AS unit,
           CASE step WHEN 'daily' THEN interval '1 day' WHEN 'weekly' THEN interval '1 week'
                     WHEN 'monthly' THEN interval '1 month' WHEN 'quarterly' THEN interval '3 months'
                     WHEN 'yearly' THEN interval '1 year' END AS width,
           -- ISO week-numbering year and week; date_trunc('week') is an ISO Monday.
           CASE step WHEN 'daily' THEN 'YYYY_MM_DD' WHEN 'weekly' THEN 'IYYY_"w"IW'
                     WHEN 'monthly' THEN 'YYYY_MM' WHEN 'quarterly' THEN 'YYYY_"q"Q'
                     WHEN 'yearly' THEN 'YYYY' END AS pattern,
           (SELECT a.atttypid FROM pg_partitioned_table pt
            JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
            WHERE pt.partrelid = parent) AS keytype,
           (SELECT relname FROM pg_class WHERE oid = parent) AS parent_name
  ), p AS (
    SELECT s.*, date_trunc(s.unit, now() AT TIME ZONE 'UTC') + g * s.width AS lo,
           date_trunc(s.unit, now() AT TIME ZONE 'UTC') + (g + 1) * s.width AS hi
    FROM s, generate_series(0, premake) AS g
  )
  SELECT clip_bytes(parent_name, 63 - octet_length('_' || to_char(lo, pattern)))
           || '_' || to_char(lo, pattern),
         format('FOR VALUES FROM (%L) TO (%L)',
                CASE keytype WHEN 'timestamptz'::regtype THEN (lo AT TIME ZONE 'UTC')::text
                             WHEN 'timestamp'::regtype THEN lo::text ELSE lo::date::text END,
                CASE keytype WHEN 'timestamptz'::regtype THEN (hi AT TIME ZONE 'UTC')::text
                             WHEN 'timestamp'::regtype THEN hi::text ELSE hi::date::text END),
         lo
  FROM p
$$;

-- What a DBA checks after manage_partitions(parent, step, premake): how many
-- partitions the table has, that every expected one exists with its expected
-- bounds (hence contiguous), that a row stamped now() lands in the first one,
-- that the parent's owner owns them, that no helper CHECK constraint is left
-- and that every index of the parent has its attached counterpart on each.
CREATE FUNCTION check_partitions(parent regclass, step text, premake int,
  OUT partitions bigint, OUT names_ok bool, OUT bounds_ok bool, OUT now_lands_ok bool,
  OUT owner_ok bool, OUT no_bounds_check bool, OUT indexes_ok bool)
LANGUAGE plpgsql AS $$
DECLARE
  keytype regtype;
  landed regclass;
BEGIN
  SELECT a.atttypid INTO keytype FROM pg_partitioned_table pt
  JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
  WHERE pt.partrelid = parent;
  SELECT count(*) INTO partitions FROM pg_inherits WHERE inhparent = parent;
  SELECT bool_and(c.oid IS NOT NULL), bool_and(pg_get_expr(c.relpartbound, c.oid) = e.bound),
         bool_and(c.relowner = (SELECT relowner FROM pg_class WHERE oid = parent)),
         NOT bool_or(EXISTS (SELECT FROM pg_constraint k
                             WHERE k.conrelid = c.oid AND k.conname = 'hastecrm_perf_bounds')),
         bool_and((SELECT count(*) FROM pg_index x JOIN pg_inherits ii ON ii.inhrelid = x.indexrelid
                   WHERE x.indrelid = c.oid)
                  = (SELECT count(*) FROM pg_index x WHERE x.indrelid = parent))
    INTO names_ok, bounds_ok, owner_ok, no_bounds_check, indexes_ok
  FROM expected_partitions(parent, step, premake) e
  LEFT JOIN (pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid)
    ON i.inhparent = parent AND c.relname = e.name;
  EXECUTE format('INSERT INTO %s (%I) VALUES (%s) RETURNING tableoid::regclass', parent,
                 (SELECT a.attname FROM pg_partitioned_table pt
                  JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
                  WHERE pt.partrelid = parent),
                 CASE keytype WHEN 'timestamptz'::regtype THEN 'now()'
                              WHEN 'timestamp'::regtype THEN $q$now() AT TIME ZONE 'UTC'$q$
                              ELSE $q$(now() AT TIME ZONE 'UTC')::date$q$ END)
    INTO landed;
  SELECT c.relname = e.name INTO now_lands_ok
  FROM expected_partitions(parent, step, premake) e, pg_class c
  WHERE c.oid = landed ORDER BY e.lower LIMIT 1;
END $$;

-- Partition names, date digits masked.
CREATE FUNCTION masked(t text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT regexp_replace(t, '_\d{4}(_(\d{2}|w\d{2}|q\d))?(_\d{2})?', '_<date>', 'g') $$;

--------------------------------------------------------------------------------
-- 1. Every step on every key type. Fifteen tables owned by maint_owner (which
-- may create tables in public), each with a plain and a unique index; a
-- superuser puts them under maintenance with the default premake (4).
CREATE ROLE maint_owner;
GRANT CREATE ON SCHEMA public TO maint_owner;
CREATE TABLE steps (n int, step text, keytype text);
INSERT INTO steps
SELECT row_number() OVER (), s, k
FROM unnest(ARRAY['timestamptz', 'timestamp', 'date']) AS k,
     unnest(ARRAY['daily', 'weekly', 'monthly', 'quarterly', 'yearly']) AS s;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM steps ORDER BY n LOOP
    EXECUTE format('CREATE TABLE %I (id bigint, at %s NOT NULL, note text) PARTITION BY RANGE (at)',
                   r.step || '_' || r.keytype, r.keytype);
    EXECUTE format('CREATE INDEX ON %I (id)', r.step || '_' || r.keytype);
    EXECUTE format('CREATE UNIQUE INDEX ON %I (at, id)', r.step || '_' || r.keytype);
    EXECUTE format('ALTER TABLE %I OWNER TO maint_owner', r.step || '_' || r.keytype);
  END LOOP;
END $$;

BEGIN;
-- premake + 1 partitions each, the first time.
SELECT keytype, step, hastecrm_perf.manage_partitions((step || '_' || keytype)::regclass, step) AS created
FROM steps ORDER BY n;
SELECT keytype, step, c.*
FROM steps, check_partitions((step || '_' || keytype)::regclass, step, 4) AS c ORDER BY n;
-- The names as a DBA sees them: <parent>_YYYY_MM_DD, _YYYY_wWW, _YYYY_MM, _YYYY_qN, _YYYY.
SELECT s.step, count(*) AS partitions,
       bool_and(c.relname ~ ('^' || s.step || '_' || s.keytype ||
                CASE s.step WHEN 'daily' THEN '_\d{4}_\d{2}_\d{2}$' WHEN 'weekly' THEN '_\d{4}_w\d{2}$'
                            WHEN 'monthly' THEN '_\d{4}_\d{2}$' WHEN 'quarterly' THEN '_\d{4}_q[1-4]$'
                            ELSE '_\d{4}$' END)) AS pattern_ok
FROM steps s JOIN pg_inherits i ON i.inhparent = (s.step || '_' || s.keytype)::regclass
JOIN pg_class c ON c.oid = i.inhrelid
GROUP BY s.step ORDER BY min(s.n);
-- Made by a superuser, owned by the tables' owner.
SELECT current_user = 'maint_owner' AS caller_is_owner, array_agg(DISTINCT c.relowner::regrole) AS partition_owners
FROM steps s JOIN pg_inherits i ON i.inhparent = (s.step || '_' || s.keytype)::regclass
JOIN pg_class c ON c.oid = i.inhrelid;
COMMIT;
-- Again: nothing is missing, nothing is created.
SELECT keytype, step, hastecrm_perf.manage_partitions((step || '_' || keytype)::regclass, step) AS created
FROM steps ORDER BY n;
SELECT kind, target, schedule, last_status, consecutive_failures
FROM hastecrm_perf.jobs WHERE target LIKE '%date' ORDER BY target;
-- A check that finds nothing to do reports 'none' and logs nothing.
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance()
WHERE target LIKE 'public.%date' ORDER BY target;
SELECT count(*) AS log_rows FROM hastecrm_perf.job_log;
SELECT target, last_status, last_run IS NOT NULL AS checked, next_run > last_run AS next_run_later
FROM hastecrm_perf.jobs WHERE target LIKE '%date' ORDER BY target;

-- unmanage_partitions() forgets the job and keeps the partitions; a second
-- call says there is no such job (42704).
SELECT hastecrm_perf.unmanage_partitions((step || '_' || keytype)::regclass) FROM steps ORDER BY n;
SELECT count(*) AS jobs_left FROM hastecrm_perf.jobs;
SELECT count(*) AS partitions_kept FROM pg_inherits i JOIN steps s ON i.inhparent = (s.step || '_' || s.keytype)::regclass;
SELECT hastecrm_perf.unmanage_partitions('daily_date');
\echo :LAST_ERROR_SQLSTATE

--------------------------------------------------------------------------------
-- 2. A larger premake creates only what is missing; a partition made by hand
-- over periods +4 and +5 (one partition for two months) is left alone and
-- not duplicated.
CREATE TABLE grow (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
BEGIN;
SELECT hastecrm_perf.manage_partitions('grow', 'monthly', 1) AS created;
DO $$
BEGIN
  EXECUTE format('CREATE TABLE grow_by_hand PARTITION OF grow FOR VALUES FROM (%L) TO (%L)',
    (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '4 months') AT TIME ZONE 'UTC',
    (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '6 months') AT TIME ZONE 'UTC');
END $$;
SELECT hastecrm_perf.manage_partitions('grow', 'monthly', 6) AS created;
SELECT hastecrm_perf.manage_partitions('grow', 'monthly', 6) AS created_again;
-- Which periods (0 = the current month) have a managed partition, and the rest.
SELECT coalesce(e.n::text, c.relname) AS period, e.bound = pg_get_expr(c.relpartbound, c.oid) AS bound_ok
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
LEFT JOIN (SELECT row_number() OVER (ORDER BY lower) - 1 AS n, * FROM expected_partitions('grow', 'monthly', 6)) e
  ON e.name = c.relname
WHERE i.inhparent = 'grow'::regclass ORDER BY e.n, c.relname;
COMMIT;
-- A different step: the days ahead all lie in existing monthly partitions.
SELECT hastecrm_perf.manage_partitions('grow', 'daily', 3) AS created_daily;
SELECT hastecrm_perf.unmanage_partitions('grow');

-- A partition made by hand over part of two periods (from the 10th of month
-- +2 to the 10th of month +3) is left alone too, and the rest of both periods
-- is made as pieces named <period's name>_2, so that no gap is left ahead.
-- Bounds are shown as offsets from the start of the current month.
CREATE TABLE part_over (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at);
BEGIN;
DO $$
BEGIN
  EXECUTE format('CREATE TABLE part_over_by_hand PARTITION OF part_over FOR VALUES FROM (%L) TO (%L)',
    (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months 9 days') AT TIME ZONE 'UTC',
    (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months 9 days') AT TIME ZONE 'UTC');
END $$;
SELECT hastecrm_perf.manage_partitions('part_over', 'monthly', 4) AS created;
SELECT coalesce(e.n::text, '-') AS period, masked(p.relname) AS partition,
       p.relname IN (e.name, e.name || '_2') AS name_ok,
       age(p.lower AT TIME ZONE 'UTC', m.m0) AS starts, age(p.upper AT TIME ZONE 'UTC', m.m0) AS ends,
       p.lower = lag(p.upper) OVER (ORDER BY p.lower) AS follows_previous
FROM (SELECT c.relname,
             substring(pg_get_expr(c.relpartbound, c.oid) FROM $$FROM \('([^']*)'\)$$)::timestamptz AS lower,
             substring(pg_get_expr(c.relpartbound, c.oid) FROM $$TO \('([^']*)'\)$$)::timestamptz AS upper
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'part_over'::regclass) AS p
CROSS JOIN (SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AS m0) AS m
LEFT JOIN (SELECT row_number() OVER (ORDER BY lower) - 1 AS n, name
           FROM expected_partitions('part_over', 'monthly', 4)) AS e
  ON p.relname IN (e.name, e.name || '_2')
ORDER BY p.lower;
COMMIT;
SELECT hastecrm_perf.manage_partitions('part_over', 'monthly', 4) AS created_again;
SELECT hastecrm_perf.unmanage_partitions('part_over');

--------------------------------------------------------------------------------
-- 3. A DEFAULT partition: the rows of a new range move out of it into the new
-- partition (generated columns recomputed), the others stay.
CREATE TABLE withdef (id int, at date NOT NULL, note text,
                      doubled int GENERATED ALWAYS AS (id * 2) STORED) PARTITION BY RANGE (at);
CREATE INDEX ON withdef (note);
CREATE TABLE withdef_default PARTITION OF withdef DEFAULT;
-- Rows on the 6th of months 0 to 3, and two far away.
INSERT INTO withdef (id, at, note)
SELECT g, (date_trunc('month', now() AT TIME ZONE 'UTC') + g * interval '1 month' + interval '5 days')::date,
       'month ' || g
FROM generate_series(0, 3) AS g;
INSERT INTO withdef (id, at, note) VALUES (10, '2000-01-15', 'past'), (11, '2200-01-15', 'future');
SELECT count(*) AS rows_in_default FROM withdef_default;
BEGIN;
SELECT hastecrm_perf.manage_partitions('withdef', 'monthly', 1) AS created;
SELECT tableoid = 'withdef_default'::regclass AS in_default, array_agg(id ORDER BY id) AS ids,
       array_agg(doubled ORDER BY id) AS doubled, array_agg(note ORDER BY id) AS notes
FROM withdef GROUP BY 1 ORDER BY 1;
SELECT count(*) AS partitions, count(*) FILTER (WHERE e.name IS NOT NULL AND pg_get_expr(c.relpartbound, c.oid) = e.bound) AS as_expected
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
LEFT JOIN expected_partitions('withdef', 'monthly', 1) e ON e.name = c.relname
WHERE i.inhparent = 'withdef'::regclass;
COMMIT;
-- run_maintenance() says how many rows it moved: next month's partition is
-- taken away (its row with it), two rows of next month go to the default.
DO $$
DECLARE next_month text := 'withdef_' || to_char(now() AT TIME ZONE 'UTC' + interval '1 month', 'YYYY_MM');
BEGIN
  EXECUTE format('ALTER TABLE withdef DETACH PARTITION %I', next_month);
  EXECUTE format('DROP TABLE %I', next_month);
END $$;
INSERT INTO withdef (id, at, note)
SELECT g, (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month 7 days')::date, 'again'
FROM generate_series(20, 21) AS g;
SELECT kind, target, action, status, masked(detail) AS detail FROM hastecrm_perf.run_maintenance();
SELECT tableoid = 'withdef_default'::regclass AS in_default, array_agg(id ORDER BY id) AS ids
FROM withdef GROUP BY 1 ORDER BY 1;
SELECT kind, target, status, action, masked(detail) AS detail FROM hastecrm_perf.job_log ORDER BY id;
SELECT hastecrm_perf.unmanage_partitions('withdef');

--------------------------------------------------------------------------------
-- 4. Retention. Hand-made old partitions: MINVALUE to 2020, January 2020, one
-- ending six months ago (younger than the cutoff: kept) and one from 2100 to
-- MAXVALUE (never retired).
CREATE TABLE ret (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ret_old PARTITION OF ret FOR VALUES FROM (MINVALUE) TO ('2020-01-01 00:00:00+00');
CREATE TABLE ret_2020_01 PARTITION OF ret FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2020-02-01 00:00:00+00');
DO $$
BEGIN
  EXECUTE format('CREATE TABLE ret_recent PARTITION OF ret FOR VALUES FROM (%L) TO (%L)',
    '2020-02-01 00:00:00+00',
    (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '6 months') AT TIME ZONE 'UTC');
END $$;
CREATE TABLE ret_far PARTITION OF ret FOR VALUES FROM ('2100-01-01 00:00:00+00') TO (MAXVALUE);
INSERT INTO ret VALUES (1, '1999-01-01 00:00:00+00'), (2, '2020-01-05 00:00:00+00'),
                       (3, '2020-03-01 00:00:00+00'), (4, '2150-01-01 00:00:00+00');
-- The same on a date key and on a timestamp key.
CREATE TABLE ret_date (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ret_date_2019 PARTITION OF ret_date FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
CREATE TABLE ret_ts (at timestamp NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ret_ts_2020_q1 PARTITION OF ret_ts FOR VALUES FROM ('2020-01-01') TO ('2020-04-01');
-- manage_partitions() creates; retention is applied by the job.
SELECT hastecrm_perf.manage_partitions('ret', 'monthly', 1, '1 year') AS created;
SELECT hastecrm_perf.manage_partitions('ret_date', 'yearly', 1, '2 years') AS created;
SELECT hastecrm_perf.manage_partitions('ret_ts', 'quarterly', 1, '6 months') AS created;
SELECT relname, relispartition FROM pg_class
WHERE relname IN ('ret_old', 'ret_2020_01', 'ret_recent', 'ret_far', 'ret_date_2019', 'ret_ts_2020_q1') ORDER BY 1;
SELECT kind, target, schedule, last_status FROM hastecrm_perf.jobs ORDER BY target;
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance();
-- Detached: still tables with their rows, no longer partitions.
SELECT c.relname, c.relkind, c.relispartition, n.rows
FROM pg_class c
JOIN (SELECT 'ret_old' AS relname, count(*) AS rows FROM ret_old
      UNION ALL SELECT 'ret_2020_01', count(*) FROM ret_2020_01
      UNION ALL SELECT 'ret_recent', count(*) FROM ret_recent
      UNION ALL SELECT 'ret_far', count(*) FROM ret_far) n ON n.relname = c.relname
ORDER BY 1;
SELECT count(*) AS rows_in_ret FROM ret;
SELECT relname, relispartition FROM pg_class WHERE relname IN ('ret_date_2019', 'ret_ts_2020_q1') ORDER BY 1;
SELECT hastecrm_perf.unmanage_partitions('ret_date'), hastecrm_perf.unmanage_partitions('ret_ts');
SELECT kind, target, status, action,
       CASE target WHEN 'public.withdef' THEN masked(detail) ELSE detail END AS detail
FROM hastecrm_perf.job_log ORDER BY id;
SELECT kind, target, schedule, last_status, last_error, consecutive_failures
FROM hastecrm_perf.jobs ORDER BY target;
-- Nothing more to retire.
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance();
-- With 'drop': January 2020 attached again, then dropped.
ALTER TABLE ret ATTACH PARTITION ret_2020_01 FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2020-02-01 00:00:00+00');
SELECT hastecrm_perf.manage_partitions('ret', 'monthly', 1, '1 year', 'drop') AS created;
SELECT kind, target, schedule FROM hastecrm_perf.jobs ORDER BY target;
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance();
SELECT to_regclass('ret_2020_01') AS ret_2020_01, to_regclass('ret_old') IS NOT NULL AS ret_old_kept;
SELECT kind, target, status, action, detail FROM hastecrm_perf.job_log WHERE target = 'public.ret' ORDER BY id;
SELECT hastecrm_perf.unmanage_partitions('ret');
SELECT count(*) AS ret_partitions FROM pg_inherits WHERE inhparent = 'ret'::regclass;

--------------------------------------------------------------------------------
-- 5. Refreshes. One base table, views refreshed every hour:
--   mv_conc   populated, unique index              -> refresh concurrently
--   mv_plain  no unique index                      -> refresh
--   mv_forced unique index, concurrently => false  -> refresh
--   mv_nodata WITH NO DATA, unique index, concurrently => true
--             -> refresh (CONCURRENTLY is impossible on an unpopulated view)
CREATE TABLE base (id int PRIMARY KEY, grp int, amount numeric) WITH (autovacuum_enabled = off);
INSERT INTO base SELECT g, g % 3, g FROM generate_series(1, 30) AS g;
CREATE MATERIALIZED VIEW mv_conc AS SELECT grp, sum(amount) AS total, count(*) AS n FROM base GROUP BY grp;
CREATE UNIQUE INDEX ON mv_conc (grp);
CREATE MATERIALIZED VIEW mv_plain AS SELECT grp, sum(amount) AS total FROM base GROUP BY grp;
CREATE MATERIALIZED VIEW mv_forced AS SELECT grp, sum(amount) AS total FROM base GROUP BY grp;
CREATE UNIQUE INDEX ON mv_forced (grp);
CREATE MATERIALIZED VIEW mv_nodata AS SELECT grp, sum(amount) AS total FROM base GROUP BY grp WITH NO DATA;
CREATE UNIQUE INDEX ON mv_nodata (grp);
SELECT hastecrm_perf.schedule_refresh('mv_conc', '1 hour');
SELECT hastecrm_perf.schedule_refresh('mv_plain', '1 hour');
SELECT hastecrm_perf.schedule_refresh('mv_forced', '1 hour', "concurrently" => false);
SELECT hastecrm_perf.schedule_refresh('mv_nodata', '1 hour', "concurrently" => true);
SELECT kind, target, schedule, next_run IS NULL AS due_now, last_run IS NULL AS never_ran, last_status
FROM hastecrm_perf.jobs ORDER BY target;
UPDATE base SET amount = amount + 1;
SELECT pg_stat_force_next_flush();
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
-- The new data is visible.
SELECT 'mv_conc' AS view, array_agg(total ORDER BY grp) FROM mv_conc
UNION ALL SELECT 'mv_plain', array_agg(total ORDER BY grp) FROM mv_plain
UNION ALL SELECT 'mv_forced', array_agg(total ORDER BY grp) FROM mv_forced
UNION ALL SELECT 'mv_nodata', array_agg(total ORDER BY grp) FROM mv_nodata;
SELECT relname, relispopulated FROM pg_class WHERE relname = 'mv_nodata';
SELECT kind, target, last_status, consecutive_failures,
       next_run - last_run BETWEEN interval '59 minutes' AND interval '61 minutes' AS next_in_an_hour
FROM hastecrm_perf.jobs ORDER BY target;
-- They just ran: not due, the next run does nothing.
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
-- Scheduling again makes a job due at once; with no base change it is skipped.
SELECT hastecrm_perf.schedule_refresh('mv_conc', '1 hour');
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
-- A change makes it refresh again (concurrently).
SELECT hastecrm_perf.schedule_refresh('mv_conc', '1 hour');
INSERT INTO base VALUES (31, 0, 1000);
SELECT pg_stat_force_next_flush();
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT array_agg(total ORDER BY grp) AS mv_conc_totals FROM mv_conc;
-- skip_unchanged => false: refreshed even without a change.
SELECT hastecrm_perf.schedule_refresh('mv_conc', '1 hour', skip_unchanged => false);
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT kind, target, schedule FROM hastecrm_perf.jobs ORDER BY target;
SELECT hastecrm_perf.unschedule_refresh(v) FROM unnest('{mv_conc,mv_plain,mv_forced,mv_nodata}'::regclass[]) AS v;

-- Change detection, on views due at every run (every microsecond):
--   mv_layers  a view over a view over a partitioned table: a row written
--              straight into a leaf partition is noticed
--   mv_now     uses now(): always refreshed, never skipped
--   mv_trunc   TRUNCATE of its base table is noticed
--   mv_fail    its query divides by zero once the base table changes: the
--              job fails, the others in the same run succeed
CREATE TABLE pbase (id int, at date NOT NULL, amount int) PARTITION BY RANGE (at);
CREATE TABLE pbase_2020 PARTITION OF pbase FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE pbase_2021 PARTITION OF pbase FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
INSERT INTO pbase VALUES (1, '2020-05-01', 10), (2, '2021-05-01', 20);
CREATE VIEW pbase_positive AS SELECT id, amount FROM pbase WHERE amount > 0;
CREATE VIEW pbase_layer AS SELECT * FROM pbase_positive;
CREATE MATERIALIZED VIEW mv_layers AS SELECT sum(amount) AS total FROM pbase_layer;
CREATE MATERIALIZED VIEW mv_now AS SELECT now() - interval '1 day' AS since, count(*) AS n FROM pbase;
CREATE TABLE tbase (id int);
INSERT INTO tbase VALUES (1), (2);
CREATE MATERIALIZED VIEW mv_trunc AS SELECT count(*) AS n FROM tbase;
CREATE TABLE divisor (d int);
INSERT INTO divisor VALUES (1);
CREATE MATERIALIZED VIEW mv_fail AS SELECT 100 / d AS q FROM divisor;
SELECT pg_stat_force_next_flush();
SELECT hastecrm_perf.schedule_refresh(v, '1 microsecond')
FROM unnest('{mv_layers,mv_now,mv_trunc,mv_fail}'::regclass[]) AS v;
SELECT max(id) AS log_mark FROM hastecrm_perf.job_log \gset
-- The first run refreshes them all (no signature yet); the second skips all
-- but mv_now.
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
INSERT INTO pbase_2021 VALUES (3, '2021-06-01', 5);
TRUNCATE tbase;
UPDATE divisor SET d = 0;
SELECT pg_stat_force_next_flush();
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT (SELECT total FROM mv_layers) AS layers_total, (SELECT n FROM mv_trunc) AS trunc_rows,
       (SELECT q FROM mv_fail) AS fail_kept_old_data;
SELECT kind, target, last_status, last_error, consecutive_failures, next_run > last_run AS backs_off
FROM hastecrm_perf.jobs ORDER BY target;
SELECT kind, target, status, action, detail FROM hastecrm_perf.job_log WHERE id > :log_mark ORDER BY id;
-- mv_fail backs off (not due); the others are skipped or refreshed.
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
-- Fixed and scheduled again: it succeeds and its failure count resets.
UPDATE divisor SET d = 4;
SELECT pg_stat_force_next_flush();
SELECT hastecrm_perf.schedule_refresh('mv_fail', '1 microsecond');
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() WHERE target = 'public.mv_fail';
SELECT q FROM mv_fail;
SELECT kind, target, last_status, last_error, consecutive_failures FROM hastecrm_perf.jobs WHERE target = 'public.mv_fail';

-- unschedule_refresh() forgets the job, the view stays; a second call: 42704.
SELECT hastecrm_perf.unschedule_refresh('mv_now');
SELECT hastecrm_perf.unschedule_refresh('mv_now');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS mv_now_rows FROM mv_now;

--------------------------------------------------------------------------------
-- 6. Dropped targets: the job goes with its target at once (an event
-- trigger), logged (skipped, remove) under the target's name; the next
-- run_maintenance() finds nothing left to remove.
CREATE TABLE gone_parts (at date NOT NULL) PARTITION BY RANGE (at);
SELECT hastecrm_perf.manage_partitions('gone_parts', 'yearly', 1) AS created;
SELECT max(id) AS log_mark FROM hastecrm_perf.job_log \gset
DROP TABLE gone_parts;
DROP MATERIALIZED VIEW mv_trunc;
SELECT kind, target FROM hastecrm_perf.jobs ORDER BY target;
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY target;
SELECT kind, target, status, action, detail
FROM hastecrm_perf.job_log WHERE id > :log_mark AND action = 'remove' ORDER BY kind;
SELECT hastecrm_perf.unschedule_refresh(v) FROM unnest('{mv_layers,mv_fail}'::regclass[]) AS v;

--------------------------------------------------------------------------------
-- 7. Bad input (SPEC §7): a clear error with a fitting SQLSTATE, and nothing
-- changes (configuration and catalog compared before and after).
CREATE TABLE good (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE MATERIALIZED VIEW good_mv AS SELECT 1 AS x;
CREATE MATERIALIZED VIEW idx_mv AS SELECT 1 AS x;
CREATE UNIQUE INDEX idx_mv_partial ON idx_mv (x) WHERE x > 0;
CREATE UNIQUE INDEX idx_mv_expression ON idx_mv ((x + 1));
CREATE TABLE plain_t (at timestamptz);
CREATE VIEW a_view AS SELECT * FROM plain_t;
CREATE INDEX plain_idx ON plain_t (at);
CREATE SEQUENCE a_seq;
CREATE TABLE by_list (at date) PARTITION BY LIST (at);
CREATE TABLE by_hash (at date) PARTITION BY HASH (at);
CREATE TABLE two_cols (at date, id int) PARTITION BY RANGE (at, id);
CREATE TABLE by_expr (ts timestamp) PARTITION BY RANGE ((date_trunc('day', ts)));
CREATE TABLE by_int (n int) PARTITION BY RANGE (n);
CREATE TABLE by_text (s text) PARTITION BY RANGE (s);
CREATE TEMP TABLE temp_parted (at date) PARTITION BY RANGE (at);
CREATE TABLE sub_parted (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE sub_parted_2020 PARTITION OF sub_parted FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
-- One that is managed, whose settings must survive the bad calls.
SELECT hastecrm_perf.manage_partitions('good', 'monthly', 2) AS created;
SELECT (SELECT count(*) FROM pg_class) AS relations_before,
       (SELECT md5(string_agg(c::text, ';' ORDER BY c::text)) FROM hastecrm_perf.partition_config c)
         AS partition_config_before,
       (SELECT md5(coalesce(string_agg(c::text, ';' ORDER BY c::text), '')) FROM hastecrm_perf.refresh_config c)
         AS refresh_config_before \gset

-- NULL for each required argument.
SELECT hastecrm_perf.manage_partitions(NULL, 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 4, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unmanage_partitions(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh(NULL, '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('good_mv', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('good_mv', '1 hour', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unschedule_refresh(NULL);
\echo :LAST_ERROR_SQLSTATE
-- Relations that do not exist, or of the wrong kind.
SELECT hastecrm_perf.manage_partitions(0, 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions(4000000000, 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('plain_t', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('a_view', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('plain_idx', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('a_seq', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good_mv', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('sub_parted_2020', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unmanage_partitions(4000000000);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unmanage_partitions('plain_t');
\echo :LAST_ERROR_SQLSTATE
-- Partition keys it cannot manage.
SELECT hastecrm_perf.manage_partitions('by_list', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('by_hash', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('two_cols', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('by_expr', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('by_int', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('by_text', 'daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('temp_parted', 'daily');
\echo :LAST_ERROR_SQLSTATE
-- Steps, counts, intervals and actions out of range (also on a managed table).
SELECT hastecrm_perf.manage_partitions('good', 'hourly');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'Daily');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', '');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 1001);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 4, '-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 4, '0');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 4, '1 month -40 days');
\echo :LAST_ERROR_SQLSTATE
-- A cutoff before any representable timestamp.
SELECT hastecrm_perf.manage_partitions('good', 'daily', 4, '200000 years');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 4, '1 year', 'truncate');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.manage_partitions('good', 'daily', 4, '1 year', 'DROP');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('good_mv', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('good_mv', '-1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('good_mv', '1 day -25 hours');
\echo :LAST_ERROR_SQLSTATE
-- schedule_refresh() on what is not a materialized view.
SELECT hastecrm_perf.schedule_refresh('plain_t', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('a_view', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('good', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh(4000000000, '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unschedule_refresh('plain_t');
\echo :LAST_ERROR_SQLSTATE
-- concurrently => true needs a unique index on plain columns, without WHERE.
SELECT hastecrm_perf.schedule_refresh('good_mv', '1 hour', true);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('idx_mv', '1 hour', true);
\echo :LAST_ERROR_SQLSTATE
-- The owner of a table must be able to create its partitions: a table whose
-- owner may not create in its schema is refused (the error names the
-- schema; terse, as the statement it quotes holds a date).
CREATE SCHEMA locked_schema;
CREATE TABLE locked_schema.parts (at date NOT NULL) PARTITION BY RANGE (at);
ALTER TABLE locked_schema.parts OWNER TO maint_owner;
\set VERBOSITY terse
SELECT hastecrm_perf.manage_partitions('locked_schema.parts', 'monthly', 1);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA locked_schema CASCADE;

-- Nothing changed: no relation made, the configuration as it was.
SELECT (SELECT count(*) FROM pg_class) = :relations_before AS relations_unchanged,
       (SELECT md5(string_agg(c::text, ';' ORDER BY c::text)) FROM hastecrm_perf.partition_config c)
         = :'partition_config_before' AS partition_config_unchanged,
       (SELECT md5(coalesce(string_agg(c::text, ';' ORDER BY c::text), '')) FROM hastecrm_perf.refresh_config c)
         = :'refresh_config_before' AS refresh_config_unchanged;
SELECT kind, target, schedule FROM hastecrm_perf.jobs ORDER BY target;
SELECT hastecrm_perf.unmanage_partitions('good');
DROP TABLE good, plain_t CASCADE;
DROP TABLE by_list, by_hash, two_cols, by_expr, by_int, by_text, temp_parted, sub_parted;
DROP MATERIALIZED VIEW good_mv, idx_mv;
DROP SEQUENCE a_seq;

--------------------------------------------------------------------------------
-- 8. Hostile identifiers: quotes, spaces, ';', unicode, 63-byte names, in a
-- hostile schema, with a hostile key column and a DEFAULT partition (the row
-- move names every column). No text of an identifier is ever executed:
-- table victim survives.
CREATE TABLE victim (id int);
CREATE SCHEMA "maint sch""ema; DROP TABLE victim; --";
SET search_path = "maint sch""ema; DROP TABLE victim; --", public;
CREATE TABLE "we;ird ""name"" ü" ("at""; DROP TABLE victim; --" timestamptz NOT NULL,
                                  "ü ""col""" text) PARTITION BY RANGE ("at""; DROP TABLE victim; --");
CREATE TABLE "we;ird default" PARTITION OF "we;ird ""name"" ü" DEFAULT;
INSERT INTO "we;ird ""name"" ü" VALUES (now(), 'moved'), ('2000-01-01 00:00:00+00', 'stays');
CREATE TABLE "x; DROP TABLE victim; --" (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE "x; old ""part""" PARTITION OF "x; DROP TABLE victim; --"
  FOR VALUES FROM ('2000-01-01') TO ('2001-01-01');
-- 63 bytes: 31 two-byte characters and an 'x'; and 63 ASCII letters.
SELECT repeat('é', 31) || 'x' AS long_utf8, repeat('a', 63) AS long_ascii \gset
CREATE TABLE :"long_utf8" (at timestamp NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE :"long_ascii" (at date NOT NULL) PARTITION BY RANGE (at);
SELECT octet_length(:'long_utf8') AS utf8_bytes, octet_length(:'long_ascii') AS ascii_bytes;
BEGIN;
SELECT hastecrm_perf.manage_partitions('"we;ird ""name"" ü"', 'weekly', 2) AS created;
SELECT hastecrm_perf.manage_partitions('"x; DROP TABLE victim; --"', 'yearly', 1, '10 years', 'drop') AS created;
SELECT hastecrm_perf.manage_partitions(:'long_utf8'::regclass, 'monthly', 1) AS created;
SELECT hastecrm_perf.manage_partitions(:'long_ascii'::regclass, 'daily', 1) AS created;
SELECT t.name, c.*
FROM (VALUES ('we;ird "name" ü', 'weekly', 2), ('x; DROP TABLE victim; --', 'yearly', 1),
             (:'long_utf8', 'monthly', 1), (:'long_ascii', 'daily', 1)) AS t(name, step, premake),
     check_partitions(format('%I', t.name)::regclass, t.step, t.premake) AS c
ORDER BY 1;
COMMIT;
-- Partition names fit in 63 bytes with their suffix whole; the schema is the parent's.
SELECT masked(c.relname) AS partition, octet_length(c.relname) AS bytes,
       c.relnamespace::regnamespace AS schema
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent IN (format('%I', :'long_utf8')::regclass, format('%I', :'long_ascii')::regclass)
ORDER BY c.relname;
-- The default's row of this week moved, with its hostile column (the row
-- without one is check_partitions()'s).
SELECT masked(tableoid::regclass::text) AS partition, "ü ""col""" FROM "we;ird ""name"" ü" ORDER BY 2;
-- Retention drops the 2000 partition; a refresh of a hostile view in the hostile schema.
CREATE MATERIALIZED VIEW "mv ""q""; DROP TABLE victim; --" AS SELECT count(*) AS n FROM "we;ird ""name"" ü";
CREATE UNIQUE INDEX ON "mv ""q""; DROP TABLE victim; --" (n);
SELECT hastecrm_perf.schedule_refresh('"mv ""q""; DROP TABLE victim; --"', '1 day');
SELECT kind, masked(target) AS target, action, status, masked(detail) AS detail
FROM hastecrm_perf.run_maintenance() ORDER BY 1, 2;
SELECT kind, masked(target) AS target FROM hastecrm_perf.jobs ORDER BY 1, 2;
SELECT to_regclass('"x; old ""part"""') AS dropped_partition;
RESET search_path;
SELECT to_regclass('victim') AS victim_survives;
SELECT hastecrm_perf.unmanage_partitions(format('%I.%I', 'maint sch"ema; DROP TABLE victim; --', t)::regclass)
FROM unnest(ARRAY['we;ird "name" ü', 'x; DROP TABLE victim; --', :'long_utf8', :'long_ascii']) AS t;
SELECT hastecrm_perf.unschedule_refresh('"maint sch""ema; DROP TABLE victim; --"."mv ""q""; DROP TABLE victim; --"');
DROP SCHEMA "maint sch""ema; DROP TABLE victim; --" CASCADE;
DROP TABLE victim;

--------------------------------------------------------------------------------
-- 9. Privileges. maint_owner owns its tables and may put them under
-- maintenance itself (schema usage is granted to PUBLIC); maint_other owns
-- nothing; maint_monitor is a pg_monitor member.
CREATE ROLE maint_other;
CREATE ROLE maint_monitor IN ROLE pg_monitor;
CREATE TABLE su_parts (at date NOT NULL) PARTITION BY RANGE (at);
SELECT hastecrm_perf.manage_partitions('su_parts', 'yearly', 1) AS created;
SET ROLE maint_owner;
CREATE TABLE owner_parts (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE owner_base (id int);
CREATE MATERIALIZED VIEW owner_mv AS SELECT count(*) AS n FROM owner_base;
BEGIN;
SELECT hastecrm_perf.manage_partitions('owner_parts', 'weekly', 2) AS created;
SELECT * FROM check_partitions('owner_parts', 'weekly', 2);
COMMIT;
SELECT hastecrm_perf.schedule_refresh('owner_mv', '1 microsecond');
-- Not on a table it does not own.
SELECT hastecrm_perf.manage_partitions('su_parts', 'yearly', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unmanage_partitions('su_parts');
\echo :LAST_ERROR_SQLSTATE
-- run_maintenance() by a non-superuser runs the jobs of what it owns only.
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status, detail FROM hastecrm_perf.run_maintenance() ORDER BY 1, 2;
-- It cannot read the job tables.
SELECT count(*) FROM hastecrm_perf.jobs;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SET ROLE maint_other;
SELECT hastecrm_perf.manage_partitions('owner_parts', 'weekly', 2);
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unmanage_partitions('owner_parts');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.schedule_refresh('owner_mv', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unschedule_refresh('owner_mv');
\echo :LAST_ERROR_SQLSTATE
-- Bad input is still reported as such first.
SELECT hastecrm_perf.manage_partitions('owner_parts', 'hourly');
\echo :LAST_ERROR_SQLSTATE
-- It runs nothing.
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status FROM hastecrm_perf.run_maintenance();
SELECT count(*) FROM hastecrm_perf.job_log;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hastecrm_perf.jobs;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hastecrm_perf.partition_config;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hastecrm_perf.refresh_config;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- A pg_monitor member reads jobs and job_log, not the configuration tables.
SET ROLE maint_monitor;
SELECT kind, target, schedule, last_status FROM hastecrm_perf.jobs ORDER BY 1, 2;
SELECT count(*) > 0 AS reads_job_log FROM hastecrm_perf.job_log;
SELECT count(*) FROM hastecrm_perf.partition_config;
\echo :LAST_ERROR_SQLSTATE
SELECT hastecrm_perf.unmanage_partitions('owner_parts');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- The owner drops its table: the job goes with it (the event trigger runs
-- as the extension's owner), before any run_maintenance().
SET ROLE maint_owner;
SELECT hastecrm_perf.unschedule_refresh('owner_mv');
DROP TABLE owner_parts;
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status FROM hastecrm_perf.run_maintenance();
RESET ROLE;
SELECT count(*) AS jobs FROM hastecrm_perf.jobs;
SELECT kind, CASE WHEN action = 'remove' THEN '(dropped)' ELSE target END AS target, action, status FROM hastecrm_perf.run_maintenance();
SELECT kind, target FROM hastecrm_perf.jobs;
SELECT hastecrm_perf.unmanage_partitions('su_parts');

--------------------------------------------------------------------------------
-- Moving rows out of a DEFAULT partition would be a DELETE there and an
-- INSERT into a table not attached yet: with a foreign key that references the
-- table, or a row trigger on the default, the job refuses (and changes nothing).
CREATE TABLE fk_parent (id int, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE fk_parent_default PARTITION OF fk_parent DEFAULT;
INSERT INTO fk_parent VALUES (1, now());
CREATE TABLE fk_child (id int, at timestamptz, FOREIGN KEY (id, at) REFERENCES fk_parent ON DELETE CASCADE);
INSERT INTO fk_child VALUES (1, (SELECT at FROM fk_parent));
SELECT hastecrm_perf.manage_partitions('fk_parent', 'monthly', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT (SELECT count(*) FROM fk_child) AS child_rows_kept,
       (SELECT count(*) FROM pg_inherits WHERE inhparent = 'fk_parent'::regclass) AS partitions,
       (SELECT count(*) FROM hastecrm_perf.partition_config WHERE parent = 'fk_parent'::regclass) AS managed;
-- With no row of the new range in the default, nothing moves: no refusal.
DELETE FROM fk_child;
DELETE FROM fk_parent;
SELECT hastecrm_perf.manage_partitions('fk_parent', 'monthly', 1) AS created;
DROP TABLE fk_child, fk_parent;

CREATE TABLE trg_parent (at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE trg_parent_default PARTITION OF trg_parent DEFAULT;
CREATE FUNCTION trg_audit() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TRIGGER audit AFTER INSERT OR DELETE ON trg_parent FOR EACH ROW EXECUTE FUNCTION trg_audit();
INSERT INTO trg_parent VALUES (now());
SELECT hastecrm_perf.manage_partitions('trg_parent', 'monthly', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'trg_parent'::regclass;
DROP TABLE trg_parent;
DROP FUNCTION trg_audit();

-- A view over an inheritance parent notices a change in a child.
CREATE TABLE inh_parent (v int);
CREATE TABLE inh_child () INHERITS (inh_parent);
INSERT INTO inh_parent VALUES (1);
CREATE MATERIALIZED VIEW inh_mv AS SELECT count(*) AS n FROM inh_parent;
SELECT hastecrm_perf.schedule_refresh('inh_mv', '1 second');
SELECT action, status FROM hastecrm_perf.run_maintenance() WHERE target = 'public.inh_mv';
UPDATE hastecrm_perf.refresh_config SET next_run = NULL WHERE view = 'inh_mv'::regclass;
SELECT action, status FROM hastecrm_perf.run_maintenance() WHERE target = 'public.inh_mv';
INSERT INTO inh_child VALUES (2);
SELECT pg_stat_force_next_flush();
UPDATE hastecrm_perf.refresh_config SET next_run = NULL WHERE view = 'inh_mv'::regclass;
SELECT action, status FROM hastecrm_perf.run_maintenance() WHERE target = 'public.inh_mv';
SELECT n FROM inh_mv;
DROP TABLE inh_parent CASCADE;
SELECT count(*) AS removed FROM hastecrm_perf.run_maintenance() WHERE action = 'remove';

-- Row security: what a policy reads is not in the view's query, so a view
-- over such a table is refreshed every time it is due.
CREATE TABLE rls_base (v int);
ALTER TABLE rls_base ENABLE ROW LEVEL SECURITY;
CREATE MATERIALIZED VIEW rls_mv AS SELECT count(*) AS n FROM rls_base;
SELECT hastecrm_perf.schedule_refresh('rls_mv', '1 second');
SELECT action, status, detail FROM hastecrm_perf.run_maintenance() WHERE target = 'public.rls_mv';
UPDATE hastecrm_perf.refresh_config SET next_run = NULL WHERE view = 'rls_mv'::regclass;
SELECT action, status, detail FROM hastecrm_perf.run_maintenance() WHERE target = 'public.rls_mv';
DROP TABLE rls_base CASCADE;
SELECT count(*) AS removed FROM hastecrm_perf.run_maintenance() WHERE action = 'remove';

--------------------------------------------------------------------------------
SELECT count(*) AS jobs_left FROM hastecrm_perf.jobs;
SET client_min_messages = warning;
DROP TABLE steps, grow, part_over, withdef, ret, ret_old, ret_date, ret_date_2019, ret_ts, ret_ts_2020_q1,
  base, pbase, tbase, divisor, su_parts CASCADE;
DROP FUNCTION check_partitions(regclass, text, int), expected_partitions(regclass, text, int),
  clip_bytes(text, int), masked(text);
DROP OWNED BY maint_owner, maint_other, maint_monitor;
RESET client_min_messages;
DROP ROLE maint_owner, maint_other, maint_monitor;
DROP EXTENSION hastecrm_perf;
