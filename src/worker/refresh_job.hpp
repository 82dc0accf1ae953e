// A scheduled refresh of one materialized view.
//
// CONCURRENTLY when the job asks for it, or, left to us, when the view is
// populated and has a unique index without expressions or predicate: readers
// then never wait. A view is skipped when none of the tables it reads (through
// views and partitions) changed since its last refresh, judged by their
// storage (TRUNCATE, rewrites) and their cumulative row counters. Where that
// cannot be judged (foreign tables, functions that are not immutable, counters
// off), it is always refreshed: skipping must never hide a change.
#pragma once

#include "core/containers.hpp"
#include "worker/job.hpp"

namespace hastecrm_perf::worker {

JobOutcome refresh_view(const Job& job, Resource& resource);

// Throws the error a user should see when `view` cannot be scheduled.
void check_refreshable(Oid view, std::optional<bool> concurrently);

}  // namespace hastecrm_perf::worker
