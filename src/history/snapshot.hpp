// The body of the snapshot job: one snapshot of the statements, the
// databases, once a day the relation sizes, and the lock episodes the
// launcher sampled; then the hourly rollups, retention and the size cap.
// Runs in the history database, in the job's transaction, as the
// extension's owner.
#pragma once

#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::history {

// Whether this session's database keeps the history: history is on and it is
// history_database (default: the first of worker_databases).
bool is_history_database();

struct SnapshotSummary {
    explicit SnapshotSummary(Resource& resource) : action(&resource), detail(&resource) {}
    String action;  // "snapshot"
    String detail;  // what was written and dropped
};

SnapshotSummary take_snapshot(Resource& resource);

}  // namespace hastecrm_perf::history
