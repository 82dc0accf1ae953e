-- Both tools in one database, where the timings and checks go, and the
-- procedures that build partitioned tables and time the two tools.
CREATE EXTENSION hastecrm_perf;
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

-- part: noop | create | readers. For noop, parents is the number of managed
-- parents of each tool; for create, the number of parents of the set.
CREATE TABLE bench_timing (part text, parents int, variant text, round int, ms float8,
                           partitions int);
CREATE TABLE bench_check (part text, parents int, variant text, what text, ok boolean,
                          detail text);

-- An activity table as a CRM keeps it: a row per event, partitioned by month,
-- a primary key (which must hold the partition key) and an index per account.
CREATE PROCEDURE bench_parents(schema text, n int)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SCHEMA %I', schema);
  FOR i IN 1..n LOOP
    EXECUTE format(
      'CREATE TABLE %I.%I (id bigint NOT NULL, account_id int NOT NULL, created_at timestamptz NOT NULL,'
      ' kind text NOT NULL, payload text, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)',
      schema, 't_' || lpad(i::text, 3, '0'));
    EXECUTE format('CREATE INDEX ON %I.%I (account_id, created_at)',
                   schema, 't_' || lpad(i::text, 3, '0'));
  END LOOP;
END $$;

CREATE FUNCTION bench_parent(schema text, i int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT format('%I.%I', schema, 't_' || lpad(i::text, 3, '0')) $$;

-- Range partitions (the default left out) of the parents of a schema.
CREATE FUNCTION bench_partitions(schema text) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT count(*)::int
  FROM pg_inherits i
  JOIN pg_class p ON p.oid = i.inhparent
  JOIN pg_class c ON c.oid = i.inhrelid
  WHERE p.relnamespace = schema::regnamespace AND p.relkind = 'p'
    AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
$$;

CREATE FUNCTION bench_defaults(schema text) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT count(*)::int
  FROM pg_inherits i
  JOIN pg_class p ON p.oid = i.inhparent
  JOIN pg_class c ON c.oid = i.inhrelid
  WHERE p.relnamespace = schema::regnamespace AND p.relkind = 'p'
    AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
$$;

-- Puts parents first..last of a schema under a tool, monthly, premake
-- partitions ahead of the current one, which gets a row.
CREATE PROCEDURE bench_manage(tool text, schema text, first int, last int, premake int)
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN first..last LOOP
    IF tool = 'hastecrm_perf' THEN
      PERFORM hastecrm_perf.manage_partitions(bench_parent(schema, i)::regclass, 'monthly', premake);
    ELSE
      -- From the current month: pg_partman would otherwise also make premake
      -- partitions in the past.
      PERFORM partman.create_parent(p_parent_table => bench_parent(schema, i), p_control => 'created_at',
                                    p_type => 'native', p_interval => 'monthly', p_premake => premake,
                                    p_start_partition => date_trunc('month', now())::text);
    END IF;
    EXECUTE format('INSERT INTO %s VALUES (1, 1, now(), %L, NULL)', bench_parent(schema, i), 'note');
    COMMIT;
  END LOOP;
END $$;

-- Part a: both tools' maintenance with nothing to do, alternating (which one
-- goes first alternates too), one call per transaction; one untimed round
-- first. Checks that hastecrm_perf reported every parent with nothing done
-- and that neither tool created a partition.
CREATE PROCEDURE bench_noop(parents int, rounds int)
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz;
  ms float8;
  total int;
  idle int;
  bad int := 0;
  before_ours int := bench_partitions('noop_ours');
  before_pm int := bench_partitions('noop_partman');
BEGIN
  FOR round IN 0..rounds LOOP
    FOR k IN 0..1 LOOP
      IF (k + round) % 2 = 0 THEN
        started := clock_timestamp();
        SELECT count(*), count(*) FILTER (WHERE action = 'none' AND status = 'ok')
          INTO total, idle FROM hastecrm_perf.run_maintenance();
        ms := 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
        IF total <> parents OR idle <> parents THEN
          bad := bad + 1;
        END IF;
        IF round > 0 THEN
          INSERT INTO bench_timing VALUES ('noop', parents, 'hastecrm_perf', round, ms);
        END IF;
      ELSE
        started := clock_timestamp();
        PERFORM partman.run_maintenance();
        ms := 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
        IF round > 0 THEN
          INSERT INTO bench_timing VALUES ('noop', parents, 'pg_partman', round, ms);
        END IF;
      END IF;
      COMMIT;
    END LOOP;
  END LOOP;
  INSERT INTO bench_check VALUES
    ('noop', parents, 'hastecrm_perf', 'every call reported each parent with nothing done',
     bad = 0, format('%s of %s calls did not', bad, rounds + 1)),
    ('noop', parents, 'hastecrm_perf', 'no partition created',
     bench_partitions('noop_ours') = before_ours,
     format('%s partitions before, %s after', before_ours, bench_partitions('noop_ours'))),
    ('noop', parents, 'pg_partman', 'no partition created',
     bench_partitions('noop_partman') = before_pm,
     format('%s partitions before, %s after', before_pm, bench_partitions('noop_partman')));
END $$;

-- Part b, setup path: the partitions of n fresh parents made at once, each
-- parent in its own transaction, 4 partitions each (the current month and 3
-- ahead). pg_partman's create_parent() also makes a default partition and a
-- template table per parent (it cannot be told not to); manage_partitions()
-- makes no default; the plain variant is what a DBA would script.
CREATE PROCEDURE bench_create(method text, schema text, n int, round int)
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz := clock_timestamp();
  month timestamptz := date_trunc('month', now());
  ms float8;
  before int := bench_partitions(schema);
BEGIN
  FOR i IN 1..n LOOP
    IF method = 'manage_partitions' THEN
      PERFORM hastecrm_perf.manage_partitions(bench_parent(schema, i)::regclass, 'monthly', 3);
    ELSIF method = 'create_parent' THEN
      PERFORM partman.create_parent(p_parent_table => bench_parent(schema, i), p_control => 'created_at',
                                    p_type => 'native', p_interval => 'monthly', p_premake => 3,
                                    p_start_partition => month::text);
    ELSE
      FOR k IN 0..3 LOOP
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                       schema, 't_' || lpad(i::text, 3, '0') || to_char(month + k * interval '1 month', '_YYYY_MM'),
                       bench_parent(schema, i), month + k * interval '1 month',
                       month + (k + 1) * interval '1 month');
      END LOOP;
    END IF;
    COMMIT;
  END LOOP;
  ms := 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
  INSERT INTO bench_timing VALUES ('create', n, method, round, ms, bench_partitions(schema) - before);
END $$;

-- Part b, maintenance path: n parents each with the current month and the
-- next, and a row in the current one; premake then raised from 1 to 5, so the
-- next maintenance run makes 4 partitions for each parent. Only that run is
-- timed.
CREATE PROCEDURE bench_create_maintenance(tool text, schema text, n int, round int)
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz;
  ms float8;
  before int;
  total int;
  made int;
BEGIN
  CALL bench_manage(tool, schema, 1, n, 1);
  IF tool = 'hastecrm_perf' THEN
    UPDATE hastecrm_perf.partition_config SET premake = 5
    WHERE parent::regclass::oid IN (SELECT oid FROM pg_class WHERE relnamespace = schema::regnamespace);
  ELSE
    UPDATE partman.part_config SET premake = 5 WHERE parent_table LIKE schema || '.%';
  END IF;
  before := bench_partitions(schema);
  COMMIT;
  started := clock_timestamp();
  IF tool = 'hastecrm_perf' THEN
    SELECT count(*), count(*) FILTER (WHERE action = 'create 4' AND status = 'ok')
      INTO total, made FROM hastecrm_perf.run_maintenance();
  ELSE
    PERFORM partman.run_maintenance();
  END IF;
  ms := 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
  INSERT INTO bench_timing VALUES ('create', n, tool || ' run_maintenance', round, ms,
                                   bench_partitions(schema) - before);
  IF tool = 'hastecrm_perf' THEN
    INSERT INTO bench_check VALUES ('create', n, tool || ' run_maintenance',
      'every parent reported ''create 4''', total = n AND made = n,
      format('%s of %s jobs', made, total));
  END IF;
END $$;

-- Removes a schema's parents from both tools and drops them.
CREATE PROCEDURE bench_drop(schema text)
LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  DELETE FROM hastecrm_perf.partition_config
  WHERE parent::oid IN (SELECT oid FROM pg_class WHERE relnamespace = schema::regnamespace);
  DELETE FROM partman.part_config WHERE parent_table LIKE schema || '.%';
  FOR t IN SELECT relname FROM pg_class
           WHERE relnamespace = 'partman'::regnamespace AND relname LIKE 'template\_' || schema || '\_%'
             AND relkind = 'r'
  LOOP
    EXECUTE format('DROP TABLE partman.%I', t);
  END LOOP;
  EXECUTE format('DROP SCHEMA %I CASCADE', schema);
END $$;

-- Part c: a new reader of the parent every 50 ms, each in its own
-- transaction, until the script says stop. lock_timeout (set by the caller)
-- caps a probe's wait; a probe that hits it is recorded as such.
CREATE TABLE bench_probe (scenario text, started timestamptz, finished timestamptz, completed boolean);
CREATE TABLE bench_stop (scenario text);
CREATE PROCEDURE bench_probe(scenario text, target text)
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz;
  deadline constant timestamptz := clock_timestamp() + interval '60 s';
  n bigint;
BEGIN
  LOOP
    EXIT WHEN clock_timestamp() > deadline
           OR EXISTS (SELECT FROM bench_stop s WHERE s.scenario = bench_probe.scenario);
    started := clock_timestamp();
    BEGIN
      EXECUTE format('SELECT count(*) FROM %s', target) INTO n;
      INSERT INTO bench_probe VALUES (scenario, started, clock_timestamp(), true);
    EXCEPTION WHEN lock_not_available THEN
      INSERT INTO bench_probe VALUES (scenario, started, clock_timestamp(), false);
    END;
    COMMIT;
    PERFORM pg_sleep(0.05);
    COMMIT;
  END LOOP;
END $$;

-- One maintenance call of a part c scenario, with what it said.
CREATE TABLE bench_maintenance (scenario text, attempt int, started timestamptz, finished timestamptz,
                                result text);
CREATE PROCEDURE bench_maintain(scenario text, tool text, attempt int)
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz := clock_timestamp();
  result text;
BEGIN
  IF tool = 'hastecrm_perf' THEN
    SELECT string_agg(format('%s, %s%s', status, action, coalesce(' (' || detail || ')', '')), '; ')
      INTO result FROM hastecrm_perf.run_maintenance();
  ELSE
    BEGIN
      PERFORM partman.run_maintenance();
      result := 'returned';
    EXCEPTION WHEN OTHERS THEN
      result := 'ERROR: ' || sqlerrm;
    END;
  END IF;
  INSERT INTO bench_maintenance VALUES (scenario, attempt, started, clock_timestamp(), result);
END $$;

-- A part c parent: monthly, 4 ahead, a row in the current month (and, with a
-- default partition, one in it from 2001), and the newest partition dropped,
-- so the next maintenance run has one to create. Returns the parent's name.
CREATE FUNCTION bench_reader_setup(tool text, with_default boolean, reads text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  parent text := 'public.r_' || replace(tool, 'hastecrm_perf', 'ours') ||
                 CASE WHEN with_default THEN '_default_' || reads ELSE '_nodefault' END;
  newest text;
BEGIN
  EXECUTE format('CREATE TABLE %s (id bigint NOT NULL, account_id int NOT NULL, created_at timestamptz NOT NULL,'
                 ' kind text NOT NULL, payload text, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)',
                 parent);
  IF tool = 'hastecrm_perf' THEN
    IF with_default THEN
      EXECUTE format('CREATE TABLE %s_default PARTITION OF %s DEFAULT', parent, parent);
    END IF;
    PERFORM hastecrm_perf.manage_partitions(parent::regclass, 'monthly', 4);
  ELSE
    PERFORM partman.create_parent(p_parent_table => parent, p_control => 'created_at',
                                  p_type => 'native', p_interval => 'monthly', p_premake => 4,
                                  p_start_partition => date_trunc('month', now())::text);
    IF NOT with_default THEN
      EXECUTE format('DROP TABLE %s_default', parent);
    END IF;
  END IF;
  EXECUTE format('INSERT INTO %s SELECT g, g %% 50, now(), %L, NULL FROM generate_series(1, 1000) g',
                 parent, 'note');
  IF with_default THEN
    EXECUTE format('INSERT INTO %s VALUES (0, 0, %L, %L, NULL)', parent, '2001-01-01', 'old');
  END IF;
  SELECT c.oid::regclass::text INTO newest
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = parent::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
  ORDER BY c.relname DESC LIMIT 1;
  EXECUTE format('DROP TABLE %s', newest);
  RETURN parent;
END $$;
