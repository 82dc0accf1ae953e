// The blocking forest of heavyweight locks, from a plain snapshot of the lock
// manager. Edges follow pg_blocking_pids() exactly:
//  - hard: another backend holds a mode that conflicts with the request;
//  - soft: another backend requests a conflicting mode and is ahead in the
//    lock's wait queue (queue order, not arrival order: a backend that already
//    holds a mode conflicting with earlier waiters' requests is queued ahead);
//  - members of a lock group never block each other, and every pid is folded
//    to its group leader; a prepared transaction is pid 0.
#pragma once

#include <array>
#include <cstdint>

#include "core/containers.hpp"

namespace hastecrm_perf {

// PostgreSQL's MAX_LOCKMODES: modes are 1..9, 0 means "no lock".
inline constexpr int max_lock_modes = 10;
using LockConflicts = std::array<std::uint32_t, max_lock_modes>;

// One PROCLOCK of a lock: what one backend holds and requests on it.
struct LockMember {
    std::int32_t pid;
    std::int32_t leader_pid;  // lock group leader; the pid itself outside a group
    std::uint32_t hold_mask;  // bit (1 << mode) for each mode held
    int wait_mode;            // mode requested and not granted; 0 when not waiting
};

// A lock that somebody waits on, as the lock manager saw it at one instant.
struct AwaitedLock {
    Vector<LockMember> members;
    Vector<std::int32_t> wait_queue;  // pids of the waiting members, front first
    LockConflicts conflicts;          // modes each mode conflicts with, as bit masks
};

// One backend of the forest (a lock group leader).
struct ForestNode {
    std::int32_t pid;
    std::int32_t root_pid;
    int depth;                        // 0 for a root
    Vector<std::int32_t> blocked_by;  // direct blockers: sorted, distinct
    int blocking_count;               // distinct pids waiting on it, directly or not
    Vector<std::int32_t> chain;       // root .. pid, along tree parents
    // The wait this row reports (the leader's own, else a group member's);
    // lock = -1 when the pid waits on nothing.
    int lock;                         // index into the input locks
    int member;                       // index into that lock's members
    bool in_cycle_without_root;       // its tree hangs from a deadlock cycle
};

// Nodes in display order: trees by blocking_count (largest first, then lowest
// root pid), each tree depth-first with children by pid.
Vector<ForestNode> build_lock_forest(const Vector<AwaitedLock>& locks, Resource& resource);

}  // namespace hastecrm_perf
