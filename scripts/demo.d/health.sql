-- health(): three problems planted by scripts/demo, found among whatever
-- else this fresh server has to say.
\pset footer off
\echo
\echo '== Planted: a duplicate index, a foreign key without an index, a session idle in transaction'
CREATE INDEX contacts_workspace_idx ON contacts (workspace_id);   -- a prefix of contacts_workspace_created_idx
CREATE TABLE notes (id bigserial PRIMARY KEY, contact_id bigint REFERENCES contacts, body text);
CREATE INDEX notes_body_contact_idx ON notes (body, contact_id); -- contact_id not leading: no help to the FK
-- The demo's session has been idle for seconds, not the default 5 minutes.
INSERT INTO hastecrm_perf.health_settings VALUES ('long_transactions', 'idle_in_transaction_s', '', 1);
\echo
\echo '== What health() finds (hastecrm_perf.health())'
SELECT "check", severity, object, value, advice
FROM hastecrm_perf.health()
WHERE "check" IN ('duplicate_indexes', 'fk_without_index', 'long_transactions')
ORDER BY "check", object;
\echo
\echo '== Every finding, by check and severity'
SELECT "check", severity, count(*) FROM hastecrm_perf.health() GROUP BY 1, 2 ORDER BY 1, 2;
