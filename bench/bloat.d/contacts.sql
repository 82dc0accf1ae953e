-- The big table: hasteCRM-like contacts, a primary key on id and a
-- deduplicated B-tree on workspace_id (50 values, skewed: workspace k holds
-- (2k − 1) / 2500 of the rows), then the workload that bloats them.
-- psql variable: rows.
--
-- Which rows a statement touches comes from a hash of the id, so every page
-- gets its own random share, as under a real workload (a stride would make all
-- pages alike and the sampling too easy). abs(mod(h, 100)) of a 64-bit hash is
-- uniform on 0..99.
CREATE EXTENSION pgstattuple;

-- Created and loaded in one transaction: with wal_level = minimal the load and
-- the index builds write no WAL.
BEGIN;
CREATE TABLE contacts (
  id bigint NOT NULL,
  workspace_id int NOT NULL,
  email text NOT NULL,               -- 25 characters
  email_verified bool NOT NULL,
  created_at timestamptz NOT NULL,
  note text                          -- 40 characters
);
INSERT INTO contacts
SELECT g,
       1 + floor(sqrt(abs(mod(hashint8extended(g, 0), 2500))))::int,
       'u' || lpad(g::text, 12, '0') || '@example.com',
       g % 3 = 0,
       timestamptz '2024-01-01 00:00 UTC' + g * interval '7 seconds',
       md5(g::text) || lpad(g::text, 8, '0')
FROM generate_series(1, :rows) g;
ALTER TABLE contacts ADD PRIMARY KEY (id);
CREATE INDEX contacts_workspace_id_idx ON contacts (workspace_id);
COMMIT;
INSERT INTO bench_truth VALUES ('contacts (loaded)', pg_relation_size('contacts'), NULL);

-- 40% of the rows get a new version (pages are full: it lands at the end of
-- the table, and both indexes get a new entry), then 20% of the rows go,
-- updated ones included. No VACUUM (the script runs ANALYZE afterwards).
UPDATE contacts SET email_verified = true, note = upper(note)
WHERE abs(mod(hashint8extended(id, 1), 100)) < 40;
DELETE FROM contacts WHERE abs(mod(hashint8extended(id, 2), 100)) < 20;
