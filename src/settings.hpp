// The extension's GUCs (SPEC §6). Values are read through these variables.
#pragma once

namespace hastecrm_perf::settings {

// Background worker and maintenance jobs.
extern char* worker_databases;
extern int naptime_s;
extern char* worker_role;
extern int lock_timeout_ms;
extern int refresh_timeout_ms;
extern char* partition_timezone;
extern int job_log_days;

// Query latency tracking.
extern bool track_latency;
extern bool track_nested;
extern int max_queries;
extern double slow_query_ms;
extern int n_plus_one_threshold;

// History (SPEC §8).
extern char* history_database;
extern int history_interval_s;
extern int history_top;
extern int history_days;
extern int history_hourly_days;
extern int history_max_mb;
extern int lock_episode_ms;

// Plan capture (SPEC §12): -1 follows slow_query_ms, -2 is off.
extern double plan_capture_ms;
extern bool plan_capture_analyze;

// Defines every GUC; called once from _PG_init.
void define();

}  // namespace hastecrm_perf::settings
