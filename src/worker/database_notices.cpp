#include "worker/database_notices.hpp"

extern "C" {
#include "postgres.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/lwlock.h"
}

namespace hastecrm_perf::worker {
namespace {

pg_atomic_uint32* notices = nullptr;

}  // namespace

void request_notice_memory() { RequestAddinShmemSpace(sizeof(pg_atomic_uint32) * max_databases); }

void attach_notice_memory() {
    bool found = false;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    notices = static_cast<pg_atomic_uint32*>(
        ShmemInitStruct("hastecrm_perf database notices",
                        sizeof(pg_atomic_uint32) * max_databases, &found));
    if (!found)
        for (int i = 0; i < max_databases; ++i)
            pg_atomic_init_u32(&notices[i], 0);
    LWLockRelease(AddinShmemInitLock);
}

bool first_notice(int slot) {
    if (notices == nullptr || slot < 0 || slot >= max_databases)
        return true;
    return pg_atomic_exchange_u32(&notices[slot], 1) == 0;
}

void clear_notice(int slot) {
    if (notices != nullptr && slot >= 0 && slot < max_databases)
        pg_atomic_write_u32(&notices[slot], 0);
}

}  // namespace hastecrm_perf::worker
