#include "worker/shared_state.hpp"

extern "C" {
#include "postgres.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

struct SharedState {
    TimestampTz created;
    pg_atomic_uint32 notices[max_databases];
};

SharedState* shared = nullptr;

}  // namespace

void request_shared_state() { RequestAddinShmemSpace(sizeof(SharedState)); }

// Runs at server start and again at every crash reinitialisation.
void attach_shared_state() {
    bool found = false;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared = static_cast<SharedState*>(
        ShmemInitStruct("hastecrm_perf worker state", sizeof(SharedState), &found));
    if (!found) {
        shared->created = GetCurrentTimestamp();
        for (pg_atomic_uint32& notice : shared->notices)
            pg_atomic_init_u32(&notice, 0);
    }
    LWLockRelease(AddinShmemInitLock);
}

bool first_notice(int slot) {
    if (shared == nullptr || slot < 0 || slot >= max_databases)
        return true;
    return pg_atomic_exchange_u32(&shared->notices[slot], 1) == 0;
}

void clear_notice(int slot) {
    if (shared != nullptr && slot >= 0 && slot < max_databases)
        pg_atomic_write_u32(&shared->notices[slot], 0);
}

std::int64_t shared_memory_epoch() { return shared == nullptr ? 0 : shared->created; }

}  // namespace hastecrm_perf::worker
