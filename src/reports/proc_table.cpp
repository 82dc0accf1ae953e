#include "reports/proc_table.hpp"

#include <algorithm>

extern "C" {
#include "port/atomics.h"
}

namespace hastecrm_perf::reports {

ProcTable::ProcTable(Resource& resource) : by_pid_(&resource), waits_(&resource), starts_(&resource) {
    const std::uint32_t count = ProcGlobal->allProcCount;
    PGPROC* const procs = ProcGlobal->allProcs;
    // One cache line per slot, each slot several hundred bytes from the last: asking for
    // lines ahead keeps several misses in flight instead of one at a time.
    constexpr std::uint32_t prefetch_distance = 8;
    for (std::uint32_t n = 0; n < count; ++n) {
        if (n + prefetch_distance < count)
            __builtin_prefetch(&procs[n + prefetch_distance].pid);
        const volatile PGPROC* proc = &procs[n];
        const std::int32_t pid = proc->pid;
        if (pid == 0)
            continue;  // a free slot or a prepared transaction (pid 0 in the lock data)
        by_pid_.push_back({pid, static_cast<int>(n)});
        const void* lock = proc->waitLock;
        if (lock == nullptr)
            continue;
        const auto start = static_cast<TimestampTz>(
            pg_atomic_read_u64(const_cast<pg_atomic_uint64*>(&proc->waitStart)));
        waits_.push_back(ProcWait{pid, lock, start});
        starts_.push_back({pid, start});
    }
    std::sort(by_pid_.begin(), by_pid_.end());
    std::sort(starts_.begin(), starts_.end());
    std::sort(waits_.begin(), waits_.end(), [](const ProcWait& a, const ProcWait& b) {
        if (a.lock != b.lock)
            return std::less<const void*>()(a.lock, b.lock);
        return a.wait_start > b.wait_start;
    });
}

PGPROC* ProcTable::find(std::int32_t pid) const {
    const auto it = std::lower_bound(by_pid_.begin(), by_pid_.end(), std::pair<std::int32_t, int>{pid, -1});
    return it != by_pid_.end() && it->first == pid ? &ProcGlobal->allProcs[it->second] : nullptr;
}

TimestampTz ProcTable::wait_start(std::int32_t pid) const {
    const auto it = std::lower_bound(starts_.begin(), starts_.end(), std::pair<std::int32_t, TimestampTz>{pid, 0});
    return it != starts_.end() && it->first == pid ? it->second : 0;
}

}  // namespace hastecrm_perf::reports
