// One pass over the PGPROC array, taking no lock: which backends wait on a
// heavyweight lock (and on which), and where each live pid's PGPROC is. What
// it reads can be stale by the time it is used: it only says where to look,
// and whatever is trusted is read again under the lock manager's own locks
// (GetBlockerStatusData) or checked against the pid.
//
// This replaces GetLockStatusData() and the backend-status snapshot, which
// copy every backend's state (and take every backend's fast-path LWLock):
// reading three fields per slot costs little at any max_connections, and the
// work that follows grows with the sessions involved in waits only.
#pragma once

#include <cstdint>

#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
#include "storage/proc.h"
}

namespace hastecrm_perf::reports {

struct ProcWait {
    std::int32_t pid;
    const void* lock;  // the LOCK waited on: a grouping key, never dereferenced
    TimestampTz wait_start;  // 0 while the wait is being set up
};

class ProcTable {
public:
    explicit ProcTable(Resource& resource);

    // Waiting backends, by lock and then latest wait first.
    const Vector<ProcWait>& waits() const { return waits_; }

    // The PGPROC last seen with this pid, or nullptr; the caller checks its pid again.
    PGPROC* find(std::int32_t pid) const;

    // When this pid started waiting, as seen by the pass (0: unknown).
    TimestampTz wait_start(std::int32_t pid) const;

private:
    Vector<std::pair<std::int32_t, int>> by_pid_;  // (pid, procno), sorted
    Vector<ProcWait> waits_;
    Vector<std::pair<std::int32_t, TimestampTz>> starts_;  // sorted by pid
};

}  // namespace hastecrm_perf::reports
