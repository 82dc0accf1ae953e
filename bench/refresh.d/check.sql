-- After the correctness cycles: what each cycle refreshed against what it
-- must have, and every scheduled view's content against its query.
-- psql variable: views (the number of pipeline_NNN views).

-- What must be refreshed in each cycle, given what happened before it:
-- the views whose base tables changed, and recent_009 (its query calls now())
-- every time.
CREATE TABLE expected (cycle int, target text);
INSERT INTO expected
SELECT c, 'recent_009' FROM generate_series(1, 10) c
UNION ALL SELECT 1, unnest(ARRAY['big_deals_007', 'pipeline_007_rollup', 'daily_deals_011',
                                 'monthly_deals_013'])
-- 3: one row of deals_007 updated: its view, the view over the view over it,
-- and the view over its view.
UNION ALL SELECT 3, unnest(ARRAY['pipeline_007', 'big_deals_007', 'pipeline_007_rollup'])
-- 5: one row of accounts updated: every pipeline view joins it, and
-- pipeline_007_rollup reads pipeline_007.
UNION ALL SELECT 5, bench_name('pipeline_', i) FROM generate_series(1, :views) i
UNION ALL SELECT 5, 'pipeline_007_rollup'
-- 8 and 10: TimeZone changed: the views whose functions read it; 9: nothing.
UNION ALL SELECT c, unnest(ARRAY['daily_deals_011', 'monthly_deals_013']) FROM unnest(ARRAY[8, 10]) c;

CREATE VIEW refreshed AS
SELECT cycle, target FROM bench_cycle WHERE action LIKE 'refresh%' AND status = 'ok';

-- A view the cycle should have refreshed and the next one did is late, not
-- missing; the next cycle's refresh of it is that catch-up, not needless.
CREATE VIEW cycle_diff AS
SELECT c.cycle, c.label,
       ARRAY(SELECT target FROM expected e WHERE e.cycle = c.cycle
             EXCEPT SELECT target FROM refreshed r WHERE r.cycle = c.cycle ORDER BY 1) AS missing,
       ARRAY(SELECT target FROM refreshed r WHERE r.cycle = c.cycle
             EXCEPT SELECT target FROM expected e WHERE e.cycle = c.cycle ORDER BY 1) AS extra
FROM (SELECT DISTINCT cycle, label FROM bench_cycle) c;

CREATE VIEW cycle_result AS
SELECT d.cycle, d.label,
       (SELECT count(*) FROM bench_cycle b WHERE b.cycle = d.cycle) AS jobs,
       (SELECT count(*) FROM bench_cycle b WHERE b.cycle = d.cycle AND b.status = 'skipped') AS skipped,
       (SELECT sum(duration_ms) FROM bench_cycle b WHERE b.cycle = d.cycle) AS ms,
       (SELECT count(*) FROM bench_cycle b WHERE b.cycle = d.cycle AND b.status NOT IN ('ok', 'skipped')) AS failed,
       ARRAY(SELECT target FROM refreshed r WHERE r.cycle = d.cycle ORDER BY 1) AS refreshed,
       ARRAY(SELECT unnest(d.missing) EXCEPT SELECT unnest(n.extra) ORDER BY 1) AS missing,
       ARRAY(SELECT unnest(d.missing) INTERSECT SELECT unnest(n.extra) ORDER BY 1) AS late,
       ARRAY(SELECT unnest(d.extra) EXCEPT SELECT unnest(p.missing) ORDER BY 1) AS extra,
       ARRAY(SELECT unnest(d.extra) INTERSECT SELECT unnest(p.missing) ORDER BY 1) AS caught_up
FROM cycle_diff d
LEFT JOIN cycle_diff n ON n.cycle = d.cycle + 1
LEFT JOIN cycle_diff p ON p.cycle = d.cycle - 1;

INSERT INTO bench_check
SELECT format('cycle %s (%s): refreshed exactly the views whose base tables changed', cycle, label),
       missing = '{}' AND late = '{}' AND extra = '{}' AND failed = 0,
       concat_ws('; ',
         CASE WHEN missing <> '{}' THEN 'not refreshed: ' || array_to_string(missing, ', ') END,
         CASE WHEN late <> '{}' THEN format('refreshed one cycle late (in cycle %s): %s',
                                            cycle + 1, array_to_string(late, ', ')) END,
         CASE WHEN extra <> '{}' THEN 'refreshed needlessly: ' || array_to_string(extra, ', ') END,
         CASE WHEN failed > 0 THEN failed || ' job(s) failed' END)
FROM cycle_result ORDER BY cycle;

-- Every view holds what its query returns now (recent_009's window moves, so
-- it is refreshed first).
REFRESH MATERIALIZED VIEW recent_009;
CREATE TEMP TABLE stale (view text, rows_differ bigint);
DO $$
DECLARE
  v record;
  n bigint;
BEGIN
  FOR v IN SELECT c.oid::regclass AS view, pg_get_viewdef(c.oid) AS query
           FROM hastecrm_perf.refresh_config r JOIN pg_class c ON c.oid = r.view::oid
  LOOP
    EXECUTE format('SELECT count(*) FROM ((TABLE %1$s EXCEPT ALL (%2$s)) UNION ALL ((%2$s) EXCEPT ALL TABLE %1$s)) d',
                   v.view, rtrim(v.query, '; ')) INTO n;
    IF n > 0 THEN
      INSERT INTO stale VALUES (v.view::text, n);
    END IF;
  END LOOP;
END $$;
INSERT INTO bench_check
SELECT 'every scheduled view holds what its query returns after the cycles', count(*) = 0,
       coalesce(string_agg(format('%s: %s rows differ', view, rows_differ), ', '), '')
FROM stale;
