#include "worker/job_lock.hpp"

#include "pg/call.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/lock.h"
}

namespace hastecrm_perf::worker {
namespace {

LockAcquireResult acquire(Oid target, bool wait) {
    return pg::call([target, wait] {
        LOCKTAG tag;
        SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, job_lock_space, target, 2);
        return LockAcquire(&tag, ExclusiveLock, false, !wait);
    });
}

}  // namespace

bool try_lock_job(Oid target) { return acquire(target, false) != LOCKACQUIRE_NOT_AVAIL; }

void lock_job(Oid target) { acquire(target, true); }

}  // namespace hastecrm_perf::worker
