-- After a part c scenario: the partition the maintenance had to make exists,
-- with the right bounds, and no row was lost or moved where it does not belong.
-- psql variables: scenario, parent.
SELECT count(*) FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT') AS ranges,
       count(*) FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) =
         format('FOR VALUES FROM (%L) TO (%L)', date_trunc('month', now()) + interval '4 months',
                date_trunc('month', now()) + interval '5 months')) AS newest
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = :'parent'::regclass \gset
SELECT count(*) AS total_rows FROM :parent \gset
SELECT count(*) AS old_rows FROM :parent WHERE created_at < '2002-01-01' \gset
INSERT INTO bench_check VALUES
  ('readers', NULL, :'scenario', 'the missing partition was made once the long transaction ended',
   :ranges = 5 AND :newest = 1,
   format('%s range partitions (want 5), %s for the 5th month from now (want 1)', :ranges, :newest)),
  ('readers', NULL, :'scenario', 'every row still there',
   :total_rows = 1000 + :old_rows AND :old_rows <= 1, format('%s rows', :total_rows));
