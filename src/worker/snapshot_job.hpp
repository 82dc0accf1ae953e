// The history snapshot as a job of the scheduler (kind 'snapshot', target
// 'history'): its schedule and state are the row of hastecrm_perf.history_state;
// its body is history/snapshot.
#pragma once

#include "core/containers.hpp"
#include "worker/job.hpp"

namespace hastecrm_perf::worker {

// Adds the job when this database keeps the history, and never during
// recovery (a standby writes nothing). Runs as the extension's owner.
void add_snapshot_job(Vector<Job>& jobs, Oid extension_owner, Resource& resource);

JobOutcome take_snapshot_job(const Job& job, Resource& resource);

// record_run()'s statement for this kind: $1 (the target) and $7 unused.
extern const char* const update_snapshot_sql;

}  // namespace hastecrm_perf::worker
