#include "worker/shared_state.hpp"

extern "C" {
#include "postgres.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

struct SharedState {
    TimestampTz created;
    pg_atomic_uint32 notices[max_databases];
    // A launcher watches at most max_databases workers, so as many claims.
    slock_t claims_lock;  // held over a few plain reads and writes only
    struct Claim {
        int pid;  // 0: free
        Oid database;
    } claims[max_databases];
};

SharedState* shared = nullptr;

// on_shmem_exit runs on every way out but a crash, and a crash makes the
// postmaster rebuild shared memory: a claim never outlives its process.
void release_claim(int, Datum) {
    SpinLockAcquire(&shared->claims_lock);
    for (SharedState::Claim& claim : shared->claims)
        if (claim.pid == MyProcPid)
            claim = SharedState::Claim{0, InvalidOid};
    SpinLockRelease(&shared->claims_lock);
}

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
        SpinLockInit(&shared->claims_lock);
        for (SharedState::Claim& claim : shared->claims)
            claim = SharedState::Claim{0, InvalidOid};
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

bool claim_database(std::uint32_t database) {
    if (shared == nullptr)
        return true;
    // Registered first: nothing between the claim and its release can fail.
    on_shmem_exit(release_claim, 0);
    int free_index = -1;
    bool taken = false;
    SpinLockAcquire(&shared->claims_lock);
    for (int i = 0; i < max_databases; ++i) {
        const SharedState::Claim& claim = shared->claims[i];
        if (claim.pid != 0 && claim.database == database)
            taken = true;
        else if (claim.pid == 0 && free_index < 0)
            free_index = i;
    }
    if (!taken && free_index >= 0)
        shared->claims[free_index] = SharedState::Claim{MyProcPid, database};
    SpinLockRelease(&shared->claims_lock);
    return !taken && free_index >= 0;
}

int worker_of_database(std::uint32_t database) {
    if (shared == nullptr || database == InvalidOid)
        return 0;
    int pid = 0;
    SpinLockAcquire(&shared->claims_lock);
    for (const SharedState::Claim& claim : shared->claims)
        if (claim.pid != 0 && claim.database == database)
            pid = claim.pid;
    SpinLockRelease(&shared->claims_lock);
    return pid;
}

std::int64_t shared_memory_epoch() { return shared == nullptr ? 0 : shared->created; }

}  // namespace hastecrm_perf::worker
