#include "reports/lock_snapshot.hpp"

#include <algorithm>
#include <cstring>

#include "pg/call.hpp"

extern "C" {
#include "utils/memutils.h"
}

namespace hastecrm_perf::reports {

namespace {

bool same_tag(const LOCKTAG& a, const LOCKTAG& b) {
    return std::memcmp(&a, &b, sizeof(LOCKTAG)) == 0;
}

class SnapshotReader {
public:
    SnapshotReader(const ProcTable& procs, Resource& resource)
        : procs_(procs), resource_(resource),
          out_{Vector<AwaitedLock>(&resource), Vector<LOCKTAG>(&resource),
               Vector<Vector<TimestampTz>>(&resource)} {}

    LockSnapshot read() {
        const Vector<ProcWait>& waits = procs_.waits();
        // GetBlockerStatusData() allocates for max_connections backends
        // (~100 kB at 1000) and we copy out what we need: its memory is
        // given back before the next call, so the call's peak stays small
        // (memory the C library returns at the end has to be faulted in again).
        lock_reads_ = pg::call([] {
            return AllocSetContextCreate(CurrentMemoryContext, "lock_chains lock reads",
                                         ALLOCSET_SMALL_SIZES);
        });
        for (std::size_t begin = 0; begin < waits.size();) {
            std::size_t end = begin + 1;
            while (end < waits.size() && waits[end].lock == waits[begin].lock)
                ++end;
            add_lock(begin, end);
            begin = end;
        }
        pg::call([this] { MemoryContextDelete(lock_reads_); });
        return std::move(out_);
    }

private:
    // The waiters seen on one lock, latest first: the first still waiting
    // there gives the queue.
    void add_lock(std::size_t begin, std::size_t end) {
        AwaitedLock lock{Vector<LockMember>(&resource_), Vector<std::int32_t>(&resource_), {}};
        LOCKTAG tag{};
        const Vector<ProcWait>& waits = procs_.waits();
        const int bound = static_cast<int>(end - begin) + 1;
        bool found = false;
        for (std::size_t w = begin; w < end && !found; ++w)
            found = read_queue(waits[w].pid, bound, lock, tag);
        if (!found)
            return;  // every wait seen there has ended
        for (const LOCKTAG& seen : out_.tags)
            if (same_tag(seen, tag))
                return;  // the lock was freed and reused between the two reads
        lock.conflicts = conflicts_of(tag);
        Vector<TimestampTz>& starts = out_.wait_start.emplace_back();
        starts.reserve(lock.members.size());
        for (const LockMember& member : lock.members)
            starts.push_back(member.wait_mode != NoLock ? procs_.wait_start(member.pid) : 0);
        out_.tags.push_back(tag);
        out_.locks.push_back(std::move(lock));
    }

    // Asks the lock manager for the queue ahead of `candidate`; moves to a
    // waiter further back until the one at the end is found.
    bool read_queue(int candidate, int bound, AwaitedLock& lock, LOCKTAG& tag) {
        bool have_tag = false;
        for (int attempt = 0; attempt <= bound; ++attempt) {
            BlockedProcsData* data = pg::call([this, candidate] {
                MemoryContextReset(lock_reads_);
                const MemoryContext caller = MemoryContextSwitchTo(lock_reads_);
                BlockedProcsData* read = GetBlockerStatusData(candidate);
                MemoryContextSwitchTo(caller);
                return read;
            });
            const BlockedProcData* proc = nullptr;
            for (int i = 0; i < data->nprocs; ++i)
                if (data->procs[i].pid == candidate)
                    proc = &data->procs[i];
            if (proc == nullptr || proc->num_locks == 0)
                return false;
            const LockInstanceData* members = &data->locks[proc->first_lock];
            if (have_tag && !same_tag(members[0].locktag, tag))
                return false;
            tag = members[0].locktag;
            have_tag = true;

            const int* ahead = &data->waiter_pids[proc->first_waiter];
            const int* ahead_end = ahead + proc->num_waiters;
            // The queue holds exactly the members that wait: if there are
            // more of them than pids ahead, someone is queued behind.
            int waiting = 0;
            for (int i = 0; i < proc->num_locks; ++i)
                waiting += members[i].waitLockMode != NoLock && members[i].pid != candidate;
            int behind = 0;
            for (int i = 0; waiting > proc->num_waiters && i < proc->num_locks; ++i) {
                const LockInstanceData& m = members[i];
                if (m.waitLockMode != NoLock && m.pid != candidate &&
                    std::find(ahead, ahead_end, m.pid) == ahead_end)
                    behind = m.pid;
            }
            if (behind == 0) {
                lock.members.reserve(proc->num_locks);
                for (int i = 0; i < proc->num_locks; ++i)
                    lock.members.push_back(LockMember{members[i].pid, members[i].leaderPid,
                                                      static_cast<std::uint32_t>(members[i].holdMask),
                                                      members[i].waitLockMode});
                lock.wait_queue.reserve(proc->num_waiters + 1);
                lock.wait_queue.assign(ahead, ahead_end);
                lock.wait_queue.push_back(candidate);
                return true;
            }
            candidate = behind;
        }
        return false;
    }

    static LockConflicts conflicts_of(const LOCKTAG& tag) {
        const LockMethod method = pg::call([&tag] { return GetLockTagsMethodTable(&tag); });
        LockConflicts conflicts{};
        for (int mode = 1; mode <= method->numLockModes && mode < max_lock_modes; ++mode)
            conflicts[mode] = static_cast<std::uint32_t>(method->conflictTab[mode]);
        return conflicts;
    }

    const ProcTable& procs_;
    Resource& resource_;
    LockSnapshot out_;
    MemoryContext lock_reads_ = nullptr;  // holds the last GetBlockerStatusData() result
};

}  // namespace

LockSnapshot read_lock_snapshot(const ProcTable& procs, Resource& resource) {
    return SnapshotReader(procs, resource).read();
}

}  // namespace hastecrm_perf::reports
