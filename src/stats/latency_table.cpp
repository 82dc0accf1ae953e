#include "stats/latency_table.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
}

namespace hastecrm_perf::stats {

namespace {

constexpr const char* tranche_name = "hastecrm_perf";
// Slots sampled to choose a victim: the least recently seen of them goes.
constexpr int eviction_sample = 8;

struct SharedHeader {
    LWLock* lock;
    int capacity;
    int used;                   // slots handed out so far; all of them once full
    std::uint64_t evictions;    // atomic
    std::uint64_t random_state;  // victim choice; changed under the exclusive lock
};

struct IndexEntry {
    QueryKey key;  // the hash key: must come first
    int slot;
};

SharedHeader* header = nullptr;
QueryEntry* slots = nullptr;
HTAB* index = nullptr;

std::uint64_t next_random() {
    std::uint64_t x = header->random_state;  // xorshift64
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    header->random_state = x;
    return x;
}

IndexEntry* find(const QueryKey& key) {
    return static_cast<IndexEntry*>(hash_search(index, &key, HASH_FIND, nullptr));
}

// Under the exclusive lock: frees the least recently seen of a few random slots.
int evict() {
    int victim = static_cast<int>(next_random() % static_cast<std::uint64_t>(header->capacity));
    for (int i = 1; i < eviction_sample; ++i) {
        const int candidate = static_cast<int>(next_random() % static_cast<std::uint64_t>(header->capacity));
        if (slots[candidate].last_seen < slots[victim].last_seen)
            victim = candidate;
    }
    hash_search(index, &slots[victim].key, HASH_REMOVE, nullptr);
    std::atomic_ref<std::uint64_t>(header->evictions).fetch_add(1, std::memory_order_relaxed);
    return victim;
}

void add_relaxed(std::uint64_t& counter, std::uint64_t amount) {
    std::atomic_ref<std::uint64_t>(counter).fetch_add(amount, std::memory_order_relaxed);
}

void raise_to(std::uint64_t& counter, std::uint64_t value) {
    std::atomic_ref<std::uint64_t> shared(counter);
    std::uint64_t seen = shared.load(std::memory_order_relaxed);
    while (seen < value && !shared.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

void raise_to(TimestampTz& moment, TimestampTz value) {
    std::atomic_ref<TimestampTz> shared(moment);
    TimestampTz seen = shared.load(std::memory_order_relaxed);
    while (seen < value && !shared.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

}  // namespace

Size LatencyTable::shared_size(int capacity) {
    Size size = MAXALIGN(sizeof(SharedHeader));
    size = add_size(size, mul_size(static_cast<Size>(capacity), sizeof(QueryEntry)));
    return add_size(size, hash_estimate_size(capacity, sizeof(IndexEntry)));
}

void LatencyTable::attach(int capacity) {
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    const Size bytes =
        MAXALIGN(sizeof(SharedHeader)) + static_cast<Size>(capacity) * sizeof(QueryEntry);
    header = static_cast<SharedHeader*>(ShmemInitStruct("hastecrm_perf latency table", bytes, &found));
    slots = reinterpret_cast<QueryEntry*>(reinterpret_cast<char*>(header) +
                                          MAXALIGN(sizeof(SharedHeader)));
    if (!found) {
        std::memset(header, 0, bytes);
        header->lock = &GetNamedLWLockTranche(tranche_name)->lock;
        header->capacity = capacity;
        header->random_state = 0x9E3779B97F4A7C15ull;
    }
    HASHCTL info;
    std::memset(&info, 0, sizeof info);
    info.keysize = sizeof(QueryKey);
    info.entrysize = sizeof(IndexEntry);
    index = ShmemInitHash("hastecrm_perf latency index", capacity, capacity, &info,
                          HASH_ELEM | HASH_BLOBS);
    LWLockRelease(AddinShmemInitLock);
}

bool LatencyTable::available() {
    return header != nullptr;
}

bool LatencyTable::contains(const QueryKey& key) {
    LWLockAcquire(header->lock, LW_SHARED);
    const bool found = find(key) != nullptr;
    LWLockRelease(header->lock);
    return found;
}

void LatencyTable::ensure(const QueryKey& key, std::string_view normalized_text, TimestampTz now) {
    if (contains(key))
        return;
    LWLockAcquire(header->lock, LW_EXCLUSIVE);
    if (find(key) == nullptr) {
        const int slot = header->used < header->capacity ? header->used++ : evict();
        bool found = false;
        auto* entry = static_cast<IndexEntry*>(hash_search(index, &key, HASH_ENTER_NULL, &found));
        if (entry != nullptr) {
            entry->slot = slot;
            QueryEntry& e = slots[slot];
            std::memset(&e, 0, offsetof(QueryEntry, query));
            e.key = key;
            e.first_seen = now;
            e.last_seen = now;
            e.query_length = static_cast<std::uint32_t>(std::min(normalized_text.size(), query_text_bytes));
            std::memcpy(e.query, normalized_text.data(), e.query_length);
        }
    }
    LWLockRelease(header->lock);
}

bool LatencyTable::record(const QueryKey& key, const Execution& execution) {
    LWLockAcquire(header->lock, LW_SHARED);
    IndexEntry* entry = find(key);
    if (entry != nullptr) {
        QueryEntry& e = slots[entry->slot];
        add_relaxed(e.calls, 1);
        add_relaxed(e.total_us, execution.micros);
        add_relaxed(e.rows, execution.rows);
        raise_to(e.max_us, execution.micros);
        raise_to(e.last_seen, execution.when);
        record_latency(e.histogram, execution.micros);
    }
    LWLockRelease(header->lock);
    return entry != nullptr;
}

void LatencyTable::record_error(const QueryKey& key, TimestampTz when) {
    LWLockAcquire(header->lock, LW_SHARED);
    if (IndexEntry* entry = find(key)) {
        add_relaxed(slots[entry->slot].errors, 1);
        raise_to(slots[entry->slot].last_seen, when);
    }
    LWLockRelease(header->lock);
}

void LatencyTable::reset() {
    LWLockAcquire(header->lock, LW_EXCLUSIVE);
    for (int i = 0; i < header->used; ++i)
        hash_search(index, &slots[i].key, HASH_REMOVE, nullptr);
    header->used = 0;
    LWLockRelease(header->lock);
}

std::uint64_t LatencyTable::evictions() {
    return std::atomic_ref<std::uint64_t>(header->evictions).load(std::memory_order_relaxed);
}

void LatencyTable::owners(Vector<Oid>& out) {
    LWLockAcquire(header->lock, LW_SHARED);
    for (int i = 0; i < header->used; ++i)
        out.push_back(slots[i].key.userid);  // capacity reserved by the caller: no throw
    LWLockRelease(header->lock);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

void LatencyTable::lock_shared() {
    LWLockAcquire(header->lock, LW_SHARED);
}

void LatencyTable::unlock() {
    LWLockRelease(header->lock);
}

QueryEntry* LatencyTable::slot(int i) {
    return &slots[i];
}

int LatencyTable::used_slots() {
    return header->used;
}

}  // namespace hastecrm_perf::stats
