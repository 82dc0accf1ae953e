-- Views for the correctness part, added after the timings: beside the
-- pipeline_NNN views, whose base tables are deals_NNN and accounts,
--   big_deals_007      a matview over a plain view over deals_007;
--   pipeline_007_rollup a matview over the matview pipeline_007;
--   recent_009         a matview whose query calls now() (deals of the last
--                      30 days): its base tables cannot tell whether its
--                      result changed, so it is refreshed every cycle;
--   daily_deals_011    deals per account and day, DATE_TRUNC('day', created_at)
--                      on a timestamptz, as the guide's contact_stats: it reads
--                      TimeZone only, so it is skipped while deals_011 does
--                      not change, and refreshed once when TimeZone does;
--   monthly_deals_013  won amount per to_char(created_at, 'YYYY-MM'): the same.
CREATE VIEW big_deals_007_v AS SELECT * FROM deals_007 WHERE amount >= 5000;
CREATE MATERIALIZED VIEW big_deals_007 AS
  SELECT account_id, count(*) AS deals, sum(amount) AS amount FROM big_deals_007_v GROUP BY account_id;
CREATE UNIQUE INDEX ON big_deals_007 (account_id);
CREATE MATERIALIZED VIEW pipeline_007_rollup AS
  SELECT region, sum(deals) AS deals, sum(amount) AS amount FROM pipeline_007 GROUP BY region;
CREATE UNIQUE INDEX ON pipeline_007_rollup (region);
CREATE MATERIALIZED VIEW recent_009 AS
  SELECT account_id, count(*) AS deals FROM deals_009
  WHERE created_at > now() - interval '30 days' GROUP BY account_id;
CREATE UNIQUE INDEX ON recent_009 (account_id);
CREATE MATERIALIZED VIEW daily_deals_011 AS
  SELECT account_id, DATE_TRUNC('day', created_at) AS day, COUNT(*) AS deals,
         COUNT(CASE WHEN stage = 'won' THEN 1 END) AS won
  FROM deals_011 GROUP BY account_id, DATE_TRUNC('day', created_at);
CREATE UNIQUE INDEX ON daily_deals_011 (account_id, day);
CREATE MATERIALIZED VIEW monthly_deals_013 AS
  SELECT to_char(created_at, 'YYYY-MM') AS month, sum(amount) FILTER (WHERE stage = 'won') AS won
  FROM deals_013 GROUP BY 1;
CREATE UNIQUE INDEX ON monthly_deals_013 (month);
SELECT count(hastecrm_perf.schedule_refresh(v, '1 second')) AS scheduled
FROM unnest(ARRAY['big_deals_007', 'pipeline_007_rollup', 'recent_009', 'daily_deals_011',
                  'monthly_deals_013']::regclass[]) v \gset
