#include "reports/lock_snapshot.hpp"

#include <algorithm>
#include <cstring>

#include "pg/call.hpp"

namespace hastecrm_perf::reports {

namespace {

bool same_tag(const LOCKTAG& a, const LOCKTAG& b) {
    return std::memcmp(&a, &b, sizeof(LOCKTAG)) == 0;
}

bool tag_before(const LOCKTAG& a, const LOCKTAG& b) {
    return std::memcmp(&a, &b, sizeof(LOCKTAG)) < 0;
}

class SnapshotReader {
public:
    explicit SnapshotReader(Resource& resource)
        : resource_(resource),
          out_{Vector<AwaitedLock>(&resource), Vector<LOCKTAG>(&resource),
               Vector<Vector<TimestampTz>>(&resource)} {}

    LockSnapshot read() {
        LockData* all = pg::call([] { return GetLockStatusData(); });
        // Group the PROCLOCKs by lock; keep the groups somebody waits in.
        Vector<const LockInstanceData*> entries(&resource_);
        entries.reserve(all->nelements);
        for (int i = 0; i < all->nelements; ++i)
            entries.push_back(&all->locks[i]);
        std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) {
            return tag_before(a->locktag, b->locktag);
        });
        for (std::size_t begin = 0; begin < entries.size();) {
            std::size_t end = begin + 1;
            while (end < entries.size() && same_tag(entries[end]->locktag, entries[begin]->locktag))
                ++end;
            const bool awaited = std::any_of(entries.begin() + begin, entries.begin() + end,
                                             [](auto* e) { return e->waitLockMode != NoLock; });
            if (awaited)
                add_lock(entries.begin() + begin, entries.begin() + end);
            begin = end;
        }
        return std::move(out_);
    }

private:
    using Entries = Vector<const LockInstanceData*>::iterator;

    void add_lock(Entries begin, Entries end) {
        const LOCKTAG tag = (*begin)->locktag;
        // The latest to start waiting is usually last in the queue.
        const LockInstanceData* last = nullptr;
        for (auto it = begin; it != end; ++it)
            if ((*it)->waitLockMode != NoLock && (last == nullptr || (*it)->waitStart > last->waitStart))
                last = *it;

        AwaitedLock& lock = out_.locks.emplace_back(AwaitedLock{
            Vector<LockMember>(&resource_), Vector<std::int32_t>(&resource_), conflicts_of(tag)});
        out_.tags.push_back(tag);
        Vector<TimestampTz>& starts = out_.wait_start.emplace_back();

        if (!read_queue(tag, last->pid, static_cast<int>(end - begin), lock)) {
            // The waiters moved on between the two reads: fall back to the
            // first picture, in order of wait start.
            lock.members.clear();
            lock.wait_queue.clear();
            Vector<const LockInstanceData*> waiting(&resource_);
            for (auto it = begin; it != end; ++it) {
                add_member(**it, lock);
                if ((*it)->waitLockMode != NoLock)
                    waiting.push_back(*it);
            }
            std::stable_sort(waiting.begin(), waiting.end(),
                             [](auto* a, auto* b) { return a->waitStart < b->waitStart; });
            for (auto* w : waiting)
                lock.wait_queue.push_back(w->pid);
        }

        // GetBlockerStatusData() leaves waitStart unset: take it from the
        // first picture.
        for (const LockMember& member : lock.members) {
            TimestampTz start = 0;
            for (auto it = begin; it != end && member.wait_mode != NoLock; ++it)
                if ((*it)->pid == member.pid && (*it)->waitLockMode != NoLock)
                    start = (*it)->waitStart;
            starts.push_back(start);
        }
    }

    // Asks the lock manager for the queue behind `candidate`; moves to a
    // waiter further back until the one at the end is found.
    bool read_queue(const LOCKTAG& tag, int candidate, int bound, AwaitedLock& lock) {
        for (int attempt = 0; attempt <= bound; ++attempt) {
            BlockedProcsData* data = pg::call([candidate] { return GetBlockerStatusData(candidate); });
            const BlockedProcData* proc = nullptr;
            for (int i = 0; i < data->nprocs; ++i)
                if (data->procs[i].pid == candidate)
                    proc = &data->procs[i];
            if (proc == nullptr || proc->num_locks == 0 ||
                !same_tag(data->locks[proc->first_lock].locktag, tag))
                return false;

            const LockInstanceData* members = &data->locks[proc->first_lock];
            const int* ahead = &data->waiter_pids[proc->first_waiter];
            const int* ahead_end = ahead + proc->num_waiters;
            int behind = 0;
            for (int i = 0; i < proc->num_locks; ++i) {
                const LockInstanceData& m = members[i];
                if (m.waitLockMode != NoLock && m.pid != candidate &&
                    std::find(ahead, ahead_end, m.pid) == ahead_end)
                    behind = m.pid;
            }
            if (behind == 0) {
                for (int i = 0; i < proc->num_locks; ++i)
                    add_member(members[i], lock);
                lock.wait_queue.assign(ahead, ahead_end);
                lock.wait_queue.push_back(candidate);
                return true;
            }
            candidate = behind;
        }
        return false;
    }

    static void add_member(const LockInstanceData& entry, AwaitedLock& lock) {
        lock.members.push_back(LockMember{entry.pid, entry.leaderPid,
                                          static_cast<std::uint32_t>(entry.holdMask),
                                          entry.waitLockMode});
    }

    static LockConflicts conflicts_of(const LOCKTAG& tag) {
        const LockMethod method = pg::call([&tag] { return GetLockTagsMethodTable(&tag); });
        LockConflicts conflicts{};
        for (int mode = 1; mode <= method->numLockModes && mode < max_lock_modes; ++mode)
            conflicts[mode] = static_cast<std::uint32_t>(method->conflictTab[mode]);
        return conflicts;
    }

    Resource& resource_;
    LockSnapshot out_;
};

}  // namespace

LockSnapshot read_lock_snapshot(Resource& resource) {
    return SnapshotReader(resource).read();
}

}  // namespace hastecrm_perf::reports
