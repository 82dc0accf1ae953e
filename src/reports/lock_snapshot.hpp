// Reads the lock manager into the plain structs of core/lock_graph, for the
// locks somebody waits on and nothing else.
//
// The waiting backends come from the PGPROC array (reports/proc_table). For
// each awaited lock, GetBlockerStatusData() on the waiter queued last returns,
// under the lock manager's partition locks, every PROCLOCK of that lock and
// the pids ahead of it in the queue, which is the whole queue: usually one
// call per awaited lock, not one per waiter (pg_blocking_pids makes one per
// pid). Fast-path locks need no reading: a request in a mode they conflict
// with moves them into the main lock table before it waits.
#pragma once

#include "core/containers.hpp"
#include "core/lock_graph.hpp"
#include "reports/proc_table.hpp"

extern "C" {
#include "postgres.h"
#include "storage/lock.h"
}

namespace hastecrm_perf::reports {

struct LockSnapshot {
    Vector<AwaitedLock> locks;
    Vector<LOCKTAG> tags;                   // per lock
    Vector<Vector<TimestampTz>> wait_start;  // per lock, per member (0: unknown)
};

LockSnapshot read_lock_snapshot(const ProcTable& procs, Resource& resource);

}  // namespace hastecrm_perf::reports
