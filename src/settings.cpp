#include "settings.hpp"

#include <climits>

#include "core/name_list.hpp"
#include "pg/memory.hpp"

extern "C" {
#include "postgres.h"
#include "pgtime.h"
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace hastecrm_perf::settings {

char* worker_databases = nullptr;
int naptime_s = 60;
char* worker_role = nullptr;
int lock_timeout_ms = 1000;
int refresh_timeout_ms = 0;
char* partition_timezone = nullptr;
int job_log_days = 7;
bool track_latency = true;
bool track_nested = false;
int max_queries = 5000;
double slow_query_ms = 100.0;
int n_plus_one_threshold = 10;
char* history_database = nullptr;
int history_interval_s = 300;
int history_top = 200;
int history_days = 7;
int history_hourly_days = 90;
int history_max_mb = 512;
int lock_episode_ms = 1000;
double plan_capture_ms = -1.0;
bool plan_capture_analyze = false;

namespace {

// Check hooks run in the postmaster too: no ereport, no escaping exception.
bool check_database_list(char** newval, void**, GucSource) {
    // The reason is copied out of the C++ objects first: GUC_check_errdetail
    // allocates, and may raise, which must not happen inside a catch block.
    char reason[128] = "";
    try {
        auto resource = pg::ContextResource::current();
        const NameList list = parse_name_list(*newval, resource);
        if (list.error.empty())
            return true;
        snprintf(reason, sizeof reason, "%s.", list.error.c_str());
    } catch (...) {
        snprintf(reason, sizeof reason, "Out of memory while reading the list.");
    }
    GUC_check_errdetail("%s", reason);
    return false;
}

bool check_time_zone(char** newval, void**, GucSource) {
    if (pg_tzset(*newval) != nullptr)
        return true;
    GUC_check_errdetail("Time zone \"%s\" is not recognized.", *newval);
    return false;
}

// 0 turns history off; below 10 s a snapshot would cost more than it tells.
bool check_history_interval(int* newval, void**, GucSource) {
    if (*newval == 0 || *newval >= 10)
        return true;
    GUC_check_errdetail("Use 0 to turn history off, or an interval of at least 10 s.");
    return false;
}

// -1 follows slow_query_ms and -2 turns capture off; other negatives mean nothing.
bool check_plan_capture_ms(double* newval, void**, GucSource) {
    if (*newval >= 0.0 || *newval == -1.0 || *newval == -2.0)
        return true;
    GUC_check_errdetail("Use -1 to follow slow_query_ms, -2 to turn capture off, or 0 and above.");
    return false;
}

}  // namespace

void define() {
    DefineCustomStringVariable(
        "hastecrm_perf.worker_databases",
        "Comma-separated databases whose maintenance jobs the background worker runs.",
        nullptr, &worker_databases, "", PGC_SIGHUP, 0, check_database_list, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.naptime", "Interval between two wake-ups of the maintenance launcher.",
        nullptr, &naptime_s, 60, 1, 86400, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "hastecrm_perf.worker_role",
        "Role the per-database maintenance worker connects as.",
        "Empty means the bootstrap superuser.", &worker_role, "", PGC_SIGHUP, 0, nullptr,
        nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.lock_timeout",
        "lock_timeout applied to maintenance DDL and materialized view refreshes.", nullptr,
        &lock_timeout_ms, 1000, 1, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.refresh_timeout",
        "statement_timeout for one materialized view refresh.", "Zero means no limit.",
        &refresh_timeout_ms, 0, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "hastecrm_perf.partition_timezone", "Time zone in which partition bounds are computed.",
        nullptr, &partition_timezone, "UTC", PGC_SIGHUP, 0, check_time_zone, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.job_log_days", "Days of maintenance history kept in job_log.", nullptr,
        &job_log_days, 7, 1, 36500, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomBoolVariable(
        "hastecrm_perf.track_latency", "Times statements in the executor hooks.", nullptr,
        &track_latency, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "hastecrm_perf.track_nested",
        "Also times statements run inside functions and procedures.", nullptr, &track_nested,
        false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // A postmaster-level GUC may only be defined while the postmaster loads us;
    // loaded later (no preloading) the latency table does not exist anyway.
    if (process_shared_preload_libraries_in_progress)
        DefineCustomIntVariable(
            "hastecrm_perf.max_queries", "Entries of the shared query latency table.", nullptr,
            &max_queries, 5000, 100, 1000000, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    DefineCustomRealVariable(
        "hastecrm_perf.slow_query_ms",
        "Mean latency from which slow_queries() reports a statement.", nullptr, &slow_query_ms,
        100.0, 0.0, 86400000.0, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.n_plus_one_threshold",
        "Executions of one statement inside a transaction that make it an N+1 suspect.",
        nullptr, &n_plus_one_threshold, 10, 2, 1000000, PGC_USERSET, 0, nullptr, nullptr,
        nullptr);

    DefineCustomStringVariable(
        "hastecrm_perf.history_database", "Database in which the worker keeps history.",
        "Empty means the first of hastecrm_perf.worker_databases.", &history_database, "",
        PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.history_interval", "Interval between two history snapshots.",
        "Zero turns history off.", &history_interval_s, 300, 0, 86400, PGC_SIGHUP, GUC_UNIT_S,
        check_history_interval, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.history_top", "Statements kept per history snapshot, by time.", nullptr,
        &history_top, 200, 10, 5000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.history_days", "Days of snapshots and lock episodes kept.", nullptr,
        &history_days, 7, 1, 36500, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.history_hourly_days", "Days of hourly statement rollups kept.", nullptr,
        &history_hourly_days, 90, 1, 36500, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.history_max_mb", "Hard cap on the storage of history.",
        "The oldest partitions are dropped first.", &history_max_mb, 512, 1, INT_MAX / 2,
        PGC_SIGHUP, GUC_UNIT_MB, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "hastecrm_perf.lock_episode_ms", "Shortest lock wait recorded as a lock episode.",
        "Zero turns lock episodes off.", &lock_episode_ms, 1000, 0, INT_MAX, PGC_SIGHUP,
        GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomRealVariable(
        "hastecrm_perf.plan_capture_ms", "Latency from which a statement keeps its plan.",
        "-1 follows hastecrm_perf.slow_query_ms; -2 turns plan capture off.", &plan_capture_ms,
        -1.0, -2.0, 86400000.0, PGC_SUSET, 0, check_plan_capture_ms, nullptr, nullptr);
    DefineCustomBoolVariable(
        "hastecrm_perf.plan_capture_analyze",
        "Collects sampled timing and buffers for the plans of known slow statements.", nullptr,
        &plan_capture_analyze, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);

    MarkGUCPrefixReserved("hastecrm_perf");
}

}  // namespace hastecrm_perf::settings
