#include "history/history_shared.hpp"

#include <cstring>

extern "C" {
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace hastecrm_perf::history {
namespace {

struct HistoryShared {
    pg_atomic_uint32 baseline;  // dsm_handle
    LWLock* ring_lock;
    LockEpisode ring[lock_episode_capacity];
};

HistoryShared* shared = nullptr;

}  // namespace

constexpr const char* tranche_name = "hastecrm_perf history";

void request_history_shared() {
    RequestAddinShmemSpace(sizeof(HistoryShared));
    RequestNamedLWLockTranche(tranche_name, 1);
}

// At server start and after every crash reinitialisation: the baseline segment
// is gone with the old shared memory, and so are the episodes.
void attach_history_shared() {
    bool found = false;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = static_cast<HistoryShared*>(
        ShmemInitStruct("hastecrm_perf history", sizeof(HistoryShared), &found));
    if (!found) {
        std::memset(static_cast<void*>(shared), 0, sizeof(HistoryShared));
        pg_atomic_init_u32(&shared->baseline, DSM_HANDLE_INVALID);
        shared->ring_lock = &GetNamedLWLockTranche(tranche_name)->lock;
    }
    LWLockRelease(AddinShmemInitLock);
}

dsm_handle baseline_handle() {
    return shared == nullptr ? DSM_HANDLE_INVALID : pg_atomic_read_u32(&shared->baseline);
}

void set_baseline_handle(dsm_handle handle) {
    if (shared != nullptr)
        pg_atomic_write_u32(&shared->baseline, handle);
}

namespace detail {

LockEpisode* lock_ring_acquire() {
    if (shared == nullptr)
        return nullptr;
    LWLockAcquire(shared->ring_lock, LW_EXCLUSIVE);
    return shared->ring;
}

void lock_ring_release() { LWLockRelease(shared->ring_lock); }

}  // namespace detail
}  // namespace hastecrm_perf::history
