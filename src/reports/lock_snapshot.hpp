// Reads the lock manager into the plain structs of core/lock_graph.
//
// GetLockStatusData() gives one consistent picture of every PROCLOCK; it does
// not give wait-queue order. For each awaited lock, GetBlockerStatusData() on
// the waiter queued last returns the pids ahead of it, which is the whole
// queue: usually one call per awaited lock, not one per waiter.
#pragma once

#include "core/containers.hpp"
#include "core/lock_graph.hpp"

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

LockSnapshot read_lock_snapshot(Resource& resource);

}  // namespace hastecrm_perf::reports
