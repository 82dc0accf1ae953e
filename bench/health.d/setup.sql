-- 10,000+ relations shaped like an application schema: per table a heap,
-- its TOAST table and TOAST index, a primary key, its sequence and one
-- foreign-key index; every tenth table lacks that index, every twentieth has
-- a duplicate prefix index. \set tables sets the count.
CREATE EXTENSION hastecrm_perf;
CREATE TABLE accounts (id int PRIMARY KEY);
INSERT INTO accounts SELECT generate_series(1, 100);
SELECT format($$CREATE TABLE t%1$s (id serial PRIMARY KEY, account_id int REFERENCES accounts, note text);
                %2$s %3$s$$, n,
              CASE WHEN n % 10 <> 0 THEN format('CREATE INDEX ON t%s (account_id, id);', n) ELSE '' END,
              CASE WHEN n % 20 = 1 THEN format('CREATE INDEX ON t%s (account_id);', n) ELSE '' END)
FROM generate_series(1, :tables) n \gexec
SELECT format('INSERT INTO t%s (account_id, note) SELECT g %% 100 + 1, repeat(''x'', 20) FROM generate_series(1, 20) g', n)
FROM generate_series(1, :tables) n \gexec
VACUUM ANALYZE;
