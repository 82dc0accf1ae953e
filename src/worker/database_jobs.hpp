// The database-wide jobs of the weekly maintenance (SPEC §5): ANALYZE where
// statistics are stale and REINDEX CONCURRENTLY of bloated B-trees. Their
// settings and state are the rows of maintenance_config; they run as the
// database owner's jobs (only the owner or a superuser schedules them), each
// table or index as its own owner.
#pragma once

#include <optional>

#include "core/containers.hpp"
#include "pg/isolation.hpp"
#include "worker/job.hpp"
#include "worker/job_catalog.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

// Job lock keys of the two jobs (job_lock.hpp): below any relation's OID.
inline constexpr Oid analyze_job_key = 1;
inline constexpr Oid reindex_job_key = 2;

// Adds the scheduled database-wide jobs (runs as the extension's owner).
void append_database_jobs(Vector<Job>& jobs, Resource& resource);
// The job's state after a run, and its job_log row.
void record_database_job_run(const RunRecord& record);
// A job_log row of its own, for one rebuilt index.
void log_database_job_step(JobKind kind, const char* target, std::int64_t started,
                           std::int64_t finished, JobStatus status, const char* action,
                           const char* detail);

// Whether `now` is inside the job's window, in partition_timezone.
bool inside_job_window(const Job& job, std::int64_t now);
// When the window that contains `now` closes (an instant); nullopt without one.
std::optional<std::int64_t> job_window_close(const Job& job, std::int64_t now);

// Runs the job: its tables or indexes each in a unit of their own, failures
// of one recorded in the outcome, never thrown.
JobOutcome analyze_stale_tables(const Job& job, pg::Isolation isolation, Resource& resource);
JobOutcome rebuild_bloated_indexes(const Job& job, pg::Isolation isolation, Resource& resource);

}  // namespace hastecrm_perf::worker
