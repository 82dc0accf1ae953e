-- Maintenance jobs for the background worker (started here with
-- hastecrm_perf.naptime = 1): monthly partitions of emails, made 3 months
-- ahead and detached after 12 months, and contact_stats refreshed every
-- 2 seconds when one of its base tables changed.
\pset footer off
\echo
\echo '== Partitions of emails, 3 months ahead, 12 months kept (hastecrm_perf.manage_partitions)'
\echo '   the missing ones are made at once; rows of their range leave the DEFAULT partition'
SELECT hastecrm_perf.manage_partitions('emails', 'monthly', 3, retention => '12 months') AS created;
\echo
\echo '== contact_stats refreshed every 2 seconds (hastecrm_perf.schedule_refresh)'
\o /dev/null
SELECT hastecrm_perf.schedule_refresh('contact_stats', '2 seconds');
\o
\echo '   the demo now waits for the worker (polling hastecrm_perf.job_log),'
\echo '   adds 10 contacts to workspace 3, and waits for the refresh that follows'
