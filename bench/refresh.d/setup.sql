-- The materialized views, their schedule, where the timings and checks go,
-- and the procedure that times a cycle of hastecrm_perf.run_maintenance()
-- against refreshing every view by hand. psql variables: views, rows.
CREATE EXTENSION hastecrm_perf;

CREATE TABLE bench_timing (variant text, round int, ms float8);
CREATE TABLE bench_check (what text, ok boolean, detail text);
-- What each maintenance cycle of the correctness part did to each view.
CREATE TABLE bench_cycle (cycle int, label text, target text, action text, status text, detail text,
                          duration_ms float8);

-- One table shared by every view: the accounts of a CRM.
CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL);
INSERT INTO accounts
SELECT g, 'account ' || g, (ARRAY['emea', 'amer', 'apac'])[1 + g % 3] FROM generate_series(1, 100) g;

-- A deals table per pipeline, each with its own view: deals and amounts per
-- account and stage, joined to the account (100 accounts, so 100 rows a view).
CREATE FUNCTION bench_name(prefix text, i int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT prefix || lpad(i::text, 3, '0') $$;

CREATE PROCEDURE bench_build(views int, rows int)
LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  PERFORM setseed(0.42);
  FOR i IN 1..views LOOP
    t := bench_name('deals_', i);
    EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts,'
                   ' stage text NOT NULL, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL)', t);
    EXECUTE format('INSERT INTO %I SELECT g, 1 + (random() * 99)::int,'
                   ' (ARRAY[''lead'', ''qualified'', ''proposal'', ''won'', ''lost''])[1 + (random() * 4)::int],'
                   ' round((random() * 10000)::numeric, 2), now() - random() * interval ''365 days'''
                   ' FROM generate_series(1, %s) g', t, rows);
    EXECUTE format('CREATE MATERIALIZED VIEW %I AS'
                   ' SELECT a.id AS account_id, a.name, a.region, count(*) AS deals,'
                   ' count(*) FILTER (WHERE d.stage = ''won'') AS won,'
                   ' sum(d.amount) AS amount, sum(d.amount) FILTER (WHERE d.stage = ''won'') AS won_amount,'
                   ' avg(d.amount) AS average, max(d.created_at) AS last_deal'
                   ' FROM accounts a JOIN %I d ON d.account_id = a.id'
                   ' GROUP BY a.id, a.name, a.region', bench_name('pipeline_', i), t);
    EXECUTE format('CREATE UNIQUE INDEX ON %I (account_id)', bench_name('pipeline_', i));
    PERFORM hastecrm_perf.schedule_refresh(bench_name('pipeline_', i)::regclass, '1 second');
  END LOOP;
END $$;
CALL bench_build(:views, :rows);
VACUUM ANALYZE;

-- Interleaved rounds (the order rotates), one untimed round first:
--   hastecrm_perf: every view made due, then one run_maintenance() — all skipped;
--   concurrently:  REFRESH MATERIALIZED VIEW CONCURRENTLY of each view, one
--                  transaction each (what a pg_cron job per view does);
--   plain:         REFRESH MATERIALIZED VIEW of each view, one transaction each.
-- Each variant's whole pass is timed; the check counts the views
-- hastecrm_perf reported as skipped.
CREATE PROCEDURE bench_compare(views int, rounds int)
LANGUAGE plpgsql AS $$
DECLARE
  variants constant text[] := ARRAY['hastecrm_perf', 'concurrently', 'plain'];
  variant text;
  started timestamptz;
  ms float8;
  total int;
  skipped int;
  bad int := 0;
BEGIN
  FOR round IN 0..rounds LOOP
    FOR k IN 0..2 LOOP
      variant := variants[1 + (k + round) % 3];
      IF variant = 'hastecrm_perf' THEN
        UPDATE hastecrm_perf.refresh_config SET next_run = NULL;
        COMMIT;
        started := clock_timestamp();
        SELECT count(*), count(*) FILTER (WHERE status = 'skipped')
          INTO total, skipped FROM hastecrm_perf.run_maintenance();
        ms := 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
        IF total <> views OR skipped <> views THEN
          bad := bad + 1;
          RAISE WARNING 'round %: % jobs, % skipped', round, total, skipped;
        END IF;
      ELSE
        started := clock_timestamp();
        FOR i IN 1..views LOOP
          EXECUTE format('REFRESH MATERIALIZED VIEW %s%I',
                         CASE variant WHEN 'concurrently' THEN 'CONCURRENTLY ' ELSE '' END,
                         bench_name('pipeline_', i));
          COMMIT;
        END LOOP;
        ms := 1000 * extract(epoch FROM clock_timestamp() - started)::float8;
      END IF;
      IF round > 0 THEN
        INSERT INTO bench_timing VALUES (variant, round, ms);
      END IF;
      COMMIT;
    END LOOP;
  END LOOP;
  INSERT INTO bench_check VALUES
    ('every timed hastecrm_perf cycle skipped every view', bad = 0,
     format('%s of %s cycles did not', bad, rounds + 1));
END $$;

-- The first cycle after scheduling: every view is refreshed (concurrently:
-- each is populated and has a unique index) and its base tables' signature
-- recorded.
CREATE PROCEDURE bench_first_run(views int)
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz := clock_timestamp();
  total int;
  refreshed int;
BEGIN
  SELECT count(*), count(*) FILTER (WHERE action = 'refresh concurrently' AND status = 'ok')
    INTO total, refreshed FROM hastecrm_perf.run_maintenance();
  INSERT INTO bench_timing VALUES ('hastecrm_perf first run', 1,
                                   1000 * extract(epoch FROM clock_timestamp() - started)::float8);
  INSERT INTO bench_check VALUES ('the first cycle refreshed every view concurrently',
                                  total = views AND refreshed = views,
                                  format('%s of %s jobs', refreshed, total));
END $$;
