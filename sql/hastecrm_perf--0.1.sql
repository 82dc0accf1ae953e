-- hastecrm_perf 0.1
\echo Use "CREATE EXTENSION hastecrm_perf" to load this file. \quit

COMMENT ON SCHEMA hastecrm_perf IS
  'hastecrm_perf: database performance reports and maintenance jobs';
