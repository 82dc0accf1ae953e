// What history keeps in shared memory:
// - the handle of the statement baseline (history/statement_baseline), a
//   dynamic segment that exists only while history is on;
// - the ring of lock episodes the launcher fills every second and the next
//   snapshot writes (history/lock_episode_ring).
#pragma once

#include <cstdint>

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
#include "storage/dsm.h"
}

namespace hastecrm_perf::history {

// One wait of one backend on one heavyweight lock, as sampled.
struct LockEpisode {
    std::uint64_t sequence;  // 0: the slot is free
    bool ended;              // not seen waiting at the last sample: ready to write
    bool written;            // a snapshot wrote it
    TimestampTz started;     // the lock manager's waitStart
    TimestampTz last_seen;   // the last sample that saw it waiting
    Oid dbid;                // the waiter's database
    std::int32_t waiter_pid;
    Oid waiter_userid;
    std::uint64_t waiter_queryid;  // 0 while waiting in parse analysis: filled in when it ends
    TimestampTz waiter_statement_start;
    std::uint8_t lock_type;  // LockTagType
    std::uint8_t lock_mode;  // LOCKMODE
    Oid relation;            // for relation, page and tuple locks
    std::int32_t root_pid;
    Oid root_dbid;
    Oid root_userid;
    char root_state[32];
    TimestampTz root_xact_start;  // 0: unknown
    TimestampTz root_sampled_at;  // when the root's transaction age was seen
    std::uint64_t root_queryid;
};

inline constexpr int lock_episode_capacity = 1024;

void request_history_shared();
void attach_history_shared();

// The baseline's segment handle (DSM_HANDLE_INVALID: none).
dsm_handle baseline_handle();
void set_baseline_handle(dsm_handle handle);

// The ring, under its LWLock (exclusive). Visit gets LockEpisode[lock_episode_capacity]
// and must not raise or allocate.
template <typename Visit>
void with_lock_episodes(Visit&& visit);

namespace detail {
LockEpisode* lock_ring_acquire();  // nullptr without shared memory
void lock_ring_release();
}  // namespace detail

template <typename Visit>
void with_lock_episodes(Visit&& visit) {
    LockEpisode* ring = detail::lock_ring_acquire();
    if (ring == nullptr)
        return;
    visit(ring);
    detail::lock_ring_release();
}

}  // namespace hastecrm_perf::history
