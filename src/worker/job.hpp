// A maintenance job as the catalog tables describe it, and how one run ended.
#pragma once

#include <cstdint>
#include <optional>

#include "core/containers.hpp"
#include "core/job_schedule.hpp"
#include "core/maintenance_choice.hpp"
#include "core/partition_calendar.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

// analyze and reindex are database-wide (maintenance_config); snapshot is
// the history's (history_state); the others have a relation as their target.
enum class JobKind { partitions, refresh, snapshot, analyze, reindex };
inline bool database_wide(JobKind kind) { return kind == JobKind::analyze || kind == JobKind::reindex; }
const char* kind_name(JobKind kind);  // as in jobs.kind and job_log.kind

enum class JobStatus { ok, skipped, error, lock_timeout };
const char* status_name(JobStatus status);  // as in job_log.status

struct PartitionSettings {
    PartitionStep step = PartitionStep::monthly;
    int premake = 4;
    std::optional<IntervalValue> retention;
    bool drop = false;  // retention_action 'drop' rather than 'detach'
};

struct RefreshSettings {
    IntervalValue every{};
    std::optional<bool> concurrently;
    bool skip_unchanged = true;
    std::optional<String> signature;  // base tables at the last refresh
};

struct DatabaseJobSettings {
    IntervalValue every{};
    std::optional<MaintenanceWindow> window;
    ReindexRule reindex;
};

struct Job {
    explicit Job(Resource& resource) : target_name(&resource) {}

    JobKind kind = JobKind::partitions;
    Oid target = InvalidOid;
    String target_name;  // regclass text, or the OID once the target is gone
    bool target_exists = false;
    Oid owner = InvalidOid;
    std::optional<std::int64_t> next_run;
    int consecutive_failures = 0;
    PartitionSettings partitions;
    RefreshSettings refresh;
    DatabaseJobSettings database;
};

struct JobOutcome {
    explicit JobOutcome(Resource& resource)
        : action(&resource), detail(&resource), error_detail(&resource) {}

    JobStatus status = JobStatus::ok;
    String action;  // "create 2", "refresh concurrently", "none", ...
    String detail;
    String error_detail;  // the server log's only (see pg::Failure)
    int sqlstate = 0;     // of the error in `detail`; 0: none
    bool did_something = false;  // a check that found nothing to do is not logged
    // Another session runs the job: its run records the state, not this one
    // (whose writes would wait for that session's transaction).
    bool running_elsewhere = false;
    std::optional<String> signature;  // refresh: the base tables it refreshed from
};

}  // namespace hastecrm_perf::worker
