-- The hasteCRM demo schema of the performance guide, with a few thousand rows.
CREATE TABLE workspaces (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id   bigint NOT NULL REFERENCES workspaces,
  email          text NOT NULL,
  email_verified boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_workspace_created_idx ON contacts (workspace_id, created_at);

-- Emails, partitioned by month on sent_at: last year's archive, the last two
-- months, this one and the next, and a DEFAULT partition for the rest (older
-- mail, and mail scheduled further ahead). scripts/demo.d/maintenance.sql puts
-- the table under the maintenance worker.
CREATE TABLE emails (
  id         bigint GENERATED ALWAYS AS IDENTITY,
  contact_id bigint NOT NULL,
  subject    text NOT NULL,
  sent_at    timestamptz NOT NULL,
  PRIMARY KEY (id, sent_at)
) PARTITION BY RANGE (sent_at);
CREATE INDEX emails_contact_sent_idx ON emails (contact_id, sent_at);
DO $$
DECLARE month date;
BEGIN
  FOREACH month IN ARRAY ARRAY(
      SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date
      FROM unnest(ARRAY[-13, -2, -1, 0, 1]) i) LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF emails FOR VALUES FROM (%L) TO (%L)',
      'emails_' || to_char(month, 'YYYY_MM'),
      month::timestamp AT TIME ZONE 'UTC',
      (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
  END LOOP;
END $$;
CREATE TABLE emails_default PARTITION OF emails DEFAULT;

INSERT INTO workspaces (name) SELECT 'workspace ' || g FROM generate_series(1, 20) g;
INSERT INTO contacts (workspace_id, email, email_verified, created_at)
SELECT 1 + g % 20, 'contact' || g || '@example.com', g % 3 = 0,
       now() - (g % 60) * interval '1 day'
FROM generate_series(1, 5000) g;
INSERT INTO emails (contact_id, subject, sent_at)
SELECT 1 + g % 5000, 'Hello #' || g, now() - (g % 55) * interval '1 day'
FROM generate_series(1, 8000) g;
-- Older mail (into the DEFAULT partition), last year's archive, and mail
-- scheduled two months ahead (DEFAULT too, until its partition exists).
INSERT INTO emails (contact_id, subject, sent_at)
SELECT 1 + g % 5000, 'Archived #' || g, now() - (100 + g % 200) * interval '1 day'
FROM generate_series(1, 1000) g;
INSERT INTO emails (contact_id, subject, sent_at)
SELECT 1 + g % 5000, 'Last year #' || g,
       (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '13 months' + (g % 28) * interval '1 day')
         AT TIME ZONE 'UTC'
FROM generate_series(1, 300) g;
INSERT INTO emails (contact_id, subject, sent_at)
SELECT 1 + g % 5000, 'Scheduled #' || g,
       (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months' + (g % 28) * interval '1 day')
         AT TIME ZONE 'UTC'
FROM generate_series(1, 40) g;

-- The guide's contact_stats, exactly as the guide writes it: new and verified
-- contacts per workspace and day. scripts/demo.d/maintenance.sql schedules
-- its refreshes (date_trunc on a timestamptz reads only TimeZone, so they
-- are skipped while contacts does not change).
CREATE MATERIALIZED VIEW contact_stats AS SELECT workspace_id, DATE_TRUNC('day', created_at) as date, COUNT(*) as new_contacts, COUNT(CASE WHEN email_verified THEN 1 END) as verified_contacts FROM contacts GROUP BY workspace_id, DATE_TRUNC('day', created_at);
CREATE UNIQUE INDEX contact_stats_workspace_date_idx ON contact_stats (workspace_id, date);

ANALYZE;
