// The extension's job tables as the jobs see them: partition_config,
// refresh_config and job_log. Everything runs through SPI as the current
// user: callers switch to the extension's owner first (pg::RunAs), because
// target owners have no rights on these tables.
#pragma once

#include <cstdint>
#include <optional>

#include "core/containers.hpp"
#include "worker/job.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

// The version of the extension's SQL objects this library's jobs use.
inline constexpr const char* schema_version = "0.2";

// The owner of the installed extension; throws when it is not installed, or
// when its objects are of another version than the library's (55000, with
// the ALTER EXTENSION ... UPDATE that brings them level).
Oid extension_owner();

// Every configured job, in a stable order (partitions, then refreshes, by OID).
Vector<Job> load_jobs(Resource& resource);

struct RunRecord {
    const Job* job;
    const JobOutcome* outcome;
    std::int64_t started;
    std::int64_t finished;
    std::int64_t next_run;
    int consecutive_failures;
};
// The state of the job after a run, and a job_log row when it did something,
// skipped or failed.
void record_run(const RunRecord& record);
// Partition checks that found nothing to do, in one statement: last_run only.
void record_checks(const Vector<Oid>& parents, std::int64_t checked, std::int64_t next_run);
// The target is gone: the job is deleted, and the log says so.
void forget_job(const Job& job, std::int64_t now);
void prune_job_log(std::int64_t before);

// The API's writes. A new or changed job runs on the next cycle.
void save_partition_job(Oid parent, const char* step, int premake, const Datum* retention,
                        const char* retention_action);
void save_refresh_job(Oid view, Datum every, std::optional<bool> concurrently,
                      bool skip_unchanged);
// False when there was no such job.
bool delete_job(JobKind kind, Oid target);

}  // namespace hastecrm_perf::worker
