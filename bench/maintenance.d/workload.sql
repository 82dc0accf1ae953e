-- One pgbench transaction against the table being rebuilt: an index lookup
-- on the rebuilt column and an update of the row it finds (through it too).
\set id random(1, :rows)
SELECT count(*) FROM :tbl WHERE v = :id;
UPDATE :tbl SET w = w + 1 WHERE v = :id;
