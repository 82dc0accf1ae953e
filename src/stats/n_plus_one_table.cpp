#include "stats/n_plus_one_table.hpp"

#include <algorithm>
#include <cstring>

#include "core/slot_index.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace hastecrm_perf::stats {

namespace {

// Slots drawn to choose a victim when the table is full.
constexpr int eviction_sample = 8;

struct SharedTable {
    LWLock* lock;
    int capacity;
    int used;
    std::uint64_t random_state;  // victim choice; changed under the exclusive lock
    std::size_t bucket_count;
    // Then: NPlusOneEntry entries[capacity]; SlotIndex::Bucket buckets[bucket_count].
};

SharedTable* table = nullptr;
NPlusOneEntry* entries = nullptr;
SlotIndex::Bucket* buckets = nullptr;

Size entries_offset() {
    return MAXALIGN(sizeof(SharedTable));
}

Size buckets_offset(int capacity) {
    return MAXALIGN(add_size(entries_offset(), mul_size(static_cast<Size>(capacity), sizeof(NPlusOneEntry))));
}

std::uint64_t hash_of(Oid userid, Oid dbid, std::uint64_t queryid, std::uint64_t parent) {
    return hash_words((std::uint64_t{userid} << 32) | dbid, queryid, parent);
}

std::uint64_t hash_of(const NPlusOneEntry& e) {
    return hash_of(e.userid, e.dbid, e.queryid, e.parent_queryid);
}

}  // namespace

int NPlusOneTable::capacity_for(int max_queries) {
    return std::max(100, max_queries / 4);
}

Size NPlusOneTable::shared_size(int capacity) {
    return add_size(buckets_offset(capacity),
                    mul_size(SlotIndex::bucket_count_for(static_cast<std::size_t>(capacity)),
                             sizeof(SlotIndex::Bucket)));
}

void NPlusOneTable::attach(int capacity) {
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    auto* base = static_cast<char*>(
        ShmemInitStruct("hastecrm_perf n_plus_one table", shared_size(capacity), &found));
    table = reinterpret_cast<SharedTable*>(base);
    entries = reinterpret_cast<NPlusOneEntry*>(base + entries_offset());
    buckets = reinterpret_cast<SlotIndex::Bucket*>(base + buckets_offset(capacity));
    if (!found) {
        std::memset(base, 0, shared_size(capacity));  // zeroed buckets: an empty index
        // The second lock of our tranche; the first guards the latency table.
        table->lock = &GetNamedLWLockTranche("hastecrm_perf")[1].lock;
        table->capacity = capacity;
        table->random_state = 0x2545F4914F6CDD1Dull;
        table->bucket_count = SlotIndex::bucket_count_for(static_cast<std::size_t>(capacity));
    }
    LWLockRelease(AddinShmemInitLock);
}

// Constant time under the exclusive lock: one probe sequence of a half-empty
// index, and at most eviction_sample slots read when full. Nothing in it can
// raise.
void NPlusOneTable::record(Oid userid, Oid dbid, const NPlusOneSuspect& suspect, TimestampTz when) {
    const std::uint64_t hash = hash_of(userid, dbid, suspect.queryid, suspect.parent_queryid);
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    SlotIndex index(buckets, table->bucket_count);
    int slot = index.find(hash, [&](int s) {
        const NPlusOneEntry& e = entries[s];
        return e.userid == userid && e.dbid == dbid && e.queryid == suspect.queryid &&
               e.parent_queryid == suspect.parent_queryid;
    });
    if (slot < 0) {
        if (table->used < table->capacity) {
            slot = table->used++;
        } else {
            slot = choose_victim(
                table->capacity, eviction_sample, table->random_state,
                [](int s) { return entries[s].last_seen; }, [](int) { return false; });
            index.erase(hash_of(entries[slot]), slot);
        }
        entries[slot] = NPlusOneEntry{userid, dbid, suspect.queryid, suspect.parent_queryid, 0, 0, 0, 0.0, 0};
        index.insert(hash, slot);
    }
    NPlusOneEntry& entry = entries[slot];
    entry.occurrences += 1;
    entry.max_repeats = std::max(entry.max_repeats, suspect.repeats);
    entry.total_repeats += suspect.repeats;
    entry.wasted_ms += suspect.wasted_ms;
    entry.last_seen = when;
    LWLockRelease(table->lock);
}

void NPlusOneTable::reset() {
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    SlotIndex(buckets, table->bucket_count).clear();
    table->used = 0;
    LWLockRelease(table->lock);
}

int NPlusOneTable::copy(NPlusOneEntry* out, int room) {
    LWLockAcquire(table->lock, LW_SHARED);
    const int count = std::min(room, table->used);
    std::memcpy(out, entries, sizeof(NPlusOneEntry) * static_cast<std::size_t>(count));
    LWLockRelease(table->lock);
    return count;
}

int NPlusOneTable::capacity() {
    return table->capacity;
}

}  // namespace hastecrm_perf::stats
