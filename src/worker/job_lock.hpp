// A job never overlaps itself: it runs holding a transaction-level advisory
// lock on its target, whether the worker or a manual run_maintenance() runs
// it. The lock is the two-key advisory lock (job_lock_space, target OID), so
// pg_locks shows it as classid 1212370001, objid <target OID>, objsubid 2.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

inline constexpr unsigned job_lock_space = 1212370001;

// False when another session holds it.
bool try_lock_job(Oid target);
// Waits, within lock_timeout.
void lock_job(Oid target);

}  // namespace hastecrm_perf::worker
