#include "stats/n_plus_one_table.hpp"

#include <algorithm>
#include <cstring>

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace hastecrm_perf::stats {

namespace {

struct SharedTable {
    LWLock* lock;
    int capacity;
    int used;
    NPlusOneEntry entries[FLEXIBLE_ARRAY_MEMBER];
};

SharedTable* table = nullptr;

}  // namespace

int NPlusOneTable::capacity_for(int max_queries) {
    return std::max(100, max_queries / 4);
}

Size NPlusOneTable::shared_size(int capacity) {
    return add_size(offsetof(SharedTable, entries),
                    mul_size(static_cast<Size>(capacity), sizeof(NPlusOneEntry)));
}

void NPlusOneTable::attach(int capacity) {
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    table = static_cast<SharedTable*>(
        ShmemInitStruct("hastecrm_perf n_plus_one table", shared_size(capacity), &found));
    if (!found) {
        std::memset(table, 0, shared_size(capacity));
        // The second lock of our tranche; the first guards the latency table.
        table->lock = &GetNamedLWLockTranche("hastecrm_perf")[1].lock;
        table->capacity = capacity;
    }
    LWLockRelease(AddinShmemInitLock);
}

void NPlusOneTable::record(Oid userid, Oid dbid, const NPlusOneSuspect& suspect, TimestampTz when) {
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    NPlusOneEntry* entry = nullptr;
    for (int i = 0; i < table->used && entry == nullptr; ++i) {
        NPlusOneEntry& e = table->entries[i];
        if (e.userid == userid && e.dbid == dbid && e.queryid == suspect.queryid &&
            e.parent_queryid == suspect.parent_queryid)
            entry = &e;
    }
    if (entry == nullptr) {
        if (table->used < table->capacity) {
            entry = &table->entries[table->used++];
        } else {
            entry = std::min_element(table->entries, table->entries + table->used,
                                     [](const NPlusOneEntry& a, const NPlusOneEntry& b) {
                                         return a.last_seen < b.last_seen;
                                     });
        }
        *entry = NPlusOneEntry{userid, dbid, suspect.queryid, suspect.parent_queryid, 0, 0, 0, 0.0, 0};
    }
    entry->occurrences += 1;
    entry->max_repeats = std::max(entry->max_repeats, suspect.repeats);
    entry->total_repeats += suspect.repeats;
    entry->wasted_ms += suspect.wasted_ms;
    entry->last_seen = when;
    LWLockRelease(table->lock);
}

void NPlusOneTable::reset() {
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    table->used = 0;
    LWLockRelease(table->lock);
}

int NPlusOneTable::copy(NPlusOneEntry* out, int room) {
    LWLockAcquire(table->lock, LW_SHARED);
    const int count = std::min(room, table->used);
    std::memcpy(out, table->entries, sizeof(NPlusOneEntry) * static_cast<std::size_t>(count));
    LWLockRelease(table->lock);
    return count;
}

int NPlusOneTable::capacity() {
    return table->capacity;
}

}  // namespace hastecrm_perf::stats
