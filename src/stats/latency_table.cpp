#include "stats/latency_table.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include "core/slot_index.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
}

namespace hastecrm_perf::stats {

namespace {

constexpr const char* tranche_name = "hastecrm_perf";
// Slots sampled to choose a victim: the least recently active of them goes.
constexpr int eviction_sample = 8;
// Entries for_each copies per lock hold (about 700 kB).
constexpr int chunk_entries = 256;

struct SharedHeader {
    LWLock* lock;
    int capacity;
    int used;                   // slots handed out so far; all of them once full
    std::uint64_t evictions;    // atomic
    std::uint64_t generation;   // atomic; bumped by evictions and resets
    std::uint64_t random_state;  // victim choice; changed under the exclusive lock
    int backends;               // slots of `running`
};

// The top-level statement a backend runs now (queryid 0: none). Each backend
// writes only its own slot, with relaxed stores; the evictor reads them under
// the exclusive lock. A stale or torn read only spares or loses one entry.
struct RunningStatement {
    std::uint64_t owner;  // userid << 32 | dbid
    std::uint64_t queryid;
};

struct IndexEntry {
    QueryKey key;  // the hash key: must come first
    int slot;
};

SharedHeader* header = nullptr;
QueryEntry* slots = nullptr;
RunningStatement* running = nullptr;
LatencyTable::DatabaseSink* sinks = nullptr;
HTAB* index = nullptr;

std::uint64_t owner_word(const QueryKey& key) {
    return (std::uint64_t{key.userid} << 32) | key.dbid;
}

RunningStatement* my_running_slot() {
    if (header == nullptr || MyBackendId < 1 || MyBackendId > header->backends)
        return nullptr;
    return &running[MyBackendId - 1];
}

bool is_running(const QueryKey& key) {
    const std::uint64_t owner = owner_word(key);
    for (int i = 0; i < header->backends; ++i) {
        if (std::atomic_ref<std::uint64_t>(running[i].queryid).load(std::memory_order_relaxed) == key.queryid &&
            std::atomic_ref<std::uint64_t>(running[i].owner).load(std::memory_order_relaxed) == owner)
            return true;
    }
    return false;
}

IndexEntry* find(const QueryKey& key) {
    return static_cast<IndexEntry*>(hash_search(index, &key, HASH_FIND, nullptr));
}

// Under the exclusive lock: the victim's counts join its database's sink.
void keep_in_sink(QueryEntry& entry) {
    LatencyTable::DatabaseSink* sink = nullptr;
    for (int i = 0; i < LatencyTable::database_sinks && !sink; ++i)
        if (!sinks[i].used || sinks[i].dbid == entry.key.dbid)
            sink = &sinks[i];
    if (!sink)  // more databases than sinks: the last one is shared
        sink = &sinks[LatencyTable::database_sinks - 1];
    if (!sink->used) {
        sink->used = true;
        sink->dbid = sink == &sinks[LatencyTable::database_sinks - 1] ? InvalidOid : entry.key.dbid;
    }
    sink->calls += read_counter(entry.calls);
    sink->total_us += read_counter(entry.total_us);
    merge_latency(sink->histogram, snapshot_latency(entry.histogram));
}

// Under the exclusive lock: frees the least recently active of a few random
// slots whose statement is not running; -1 if all of those run right now.
int evict() {
    const int victim = choose_victim(
        header->capacity, eviction_sample, header->random_state,
        [](int s) { return slots[s].last_seen; }, [](int s) { return is_running(slots[s].key); });
    if (victim < 0)
        return -1;
    keep_in_sink(slots[victim]);
    hash_search(index, &slots[victim].key, HASH_REMOVE, nullptr);
    std::atomic_ref<std::uint64_t>(header->evictions).fetch_add(1, std::memory_order_relaxed);
    std::atomic_ref<std::uint64_t>(header->generation).fetch_add(1, std::memory_order_relaxed);
    return victim;
}

void add_relaxed(std::uint64_t& counter, std::uint64_t amount) {
    std::atomic_ref<std::uint64_t>(counter).fetch_add(amount, std::memory_order_relaxed);
}

// A maximum: read first, so the atomic exchange happens only on a new one.
void raise_to(std::uint64_t& counter, std::uint64_t value) {
    std::atomic_ref<std::uint64_t> shared(counter);
    std::uint64_t seen = shared.load(std::memory_order_relaxed);
    while (seen < value && !shared.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

// Last activity: a plain store when later (two backends racing may leave the
// earlier of two moments a few microseconds apart: good enough to rank
// entries for eviction, and no locked instruction per statement).
void advance(TimestampTz& moment, TimestampTz value) {
    std::atomic_ref<TimestampTz> shared(moment);
    if (shared.load(std::memory_order_relaxed) < value)
        shared.store(value, std::memory_order_relaxed);
}

std::uint64_t load(std::uint64_t& counter) {
    return std::atomic_ref<std::uint64_t>(counter).load(std::memory_order_relaxed);
}

Size running_bytes(int backends) {
    return mul_size(static_cast<Size>(backends), sizeof(RunningStatement));
}

Size sink_bytes() { return MAXALIGN(sizeof(LatencyTable::DatabaseSink) * LatencyTable::database_sinks); }

Size table_bytes(int capacity) {
    return add_size(add_size(add_size(MAXALIGN(sizeof(SharedHeader)),
                                      mul_size(static_cast<Size>(capacity), sizeof(QueryEntry))),
                             running_bytes(MaxBackends)),
                    sink_bytes());
}


}  // namespace

Size LatencyTable::shared_size(int capacity) {
    return add_size(table_bytes(capacity), hash_estimate_size(capacity, sizeof(IndexEntry)));
}

void LatencyTable::attach(int capacity) {
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    const Size bytes = table_bytes(capacity);
    header = static_cast<SharedHeader*>(ShmemInitStruct("hastecrm_perf latency table", bytes, &found));
    slots = reinterpret_cast<QueryEntry*>(reinterpret_cast<char*>(header) +
                                          MAXALIGN(sizeof(SharedHeader)));
    running = reinterpret_cast<RunningStatement*>(slots + capacity);
    sinks = reinterpret_cast<LatencyTable::DatabaseSink*>(reinterpret_cast<char*>(header) + table_bytes(capacity) -
                                                          sink_bytes());
    if (!found) {
        std::memset(header, 0, bytes);
        header->lock = &GetNamedLWLockTranche(tranche_name)->lock;
        header->capacity = capacity;
        header->random_state = 0x9E3779B97F4A7C15ull;
        header->backends = MaxBackends;
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

// Called when record() found no entry: straight to the exclusive lock.
void LatencyTable::ensure(const QueryKey& key, std::string_view normalized_text, TimestampTz now) {
    LWLockAcquire(header->lock, LW_EXCLUSIVE);
    if (find(key) == nullptr) {
        const int slot = header->used < header->capacity ? header->used++ : evict();
        bool found = false;
        auto* entry = slot < 0 ? nullptr
                               : static_cast<IndexEntry*>(hash_search(index, &key, HASH_ENTER_NULL, &found));
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
        if (execution.rows != 0)
            add_relaxed(e.rows, execution.rows);
        raise_to(e.max_us, execution.micros);
        advance(e.last_seen, execution.when);
        record_latency(e.histogram, execution.micros);
    }
    LWLockRelease(header->lock);
    return entry != nullptr;
}

bool LatencyTable::record_error(const QueryKey& key, TimestampTz when) {
    LWLockAcquire(header->lock, LW_SHARED);
    IndexEntry* entry = find(key);
    if (entry != nullptr) {
        add_relaxed(slots[entry->slot].errors, 1);
        advance(slots[entry->slot].last_seen, when);
    }
    LWLockRelease(header->lock);
    return entry != nullptr;
}

void LatencyTable::reset() {
    LWLockAcquire(header->lock, LW_EXCLUSIVE);
    for (int i = 0; i < header->used; ++i)
        hash_search(index, &slots[i].key, HASH_REMOVE, nullptr);
    header->used = 0;
    std::memset(static_cast<void*>(sinks), 0, sink_bytes());
    std::atomic_ref<std::uint64_t>(header->generation).fetch_add(1, std::memory_order_relaxed);
    LWLockRelease(header->lock);
}

int LatencyTable::copy_database_sinks(DatabaseSink* out) noexcept {
    int n = 0;
    LWLockAcquire(header->lock, LW_SHARED);
    for (int i = 0; i < database_sinks; ++i)
        if (sinks[i].used)
            out[n++] = sinks[i];
    LWLockRelease(header->lock);
    return n;
}

std::uint64_t LatencyTable::generation() noexcept {
    return std::atomic_ref<std::uint64_t>(header->generation).load(std::memory_order_relaxed);
}

void LatencyTable::mark_running(const QueryKey& key) noexcept {
    if (RunningStatement* mine = my_running_slot()) {
        std::atomic_ref<std::uint64_t>(mine->owner).store(owner_word(key), std::memory_order_relaxed);
        std::atomic_ref<std::uint64_t>(mine->queryid).store(key.queryid, std::memory_order_relaxed);
    }
}

void LatencyTable::clear_running() noexcept {
    if (RunningStatement* mine = my_running_slot())
        std::atomic_ref<std::uint64_t>(mine->queryid).store(0, std::memory_order_relaxed);
}

int LatencyTable::copy_entries(int first, QueryEntry* out, int room) noexcept {
    LWLockAcquire(header->lock, LW_SHARED);
    const int last = std::min(header->used, first + room);
    int count = 0;
    for (int i = std::max(first, 0); i < last; ++i, ++count) {
        QueryEntry& from = slots[i];
        QueryEntry& to = out[count];
        // Key, first_seen and text change only under the exclusive lock.
        to.key = from.key;
        to.calls = load(from.calls);
        to.errors = load(from.errors);
        to.rows = load(from.rows);
        to.total_us = load(from.total_us);
        to.max_us = load(from.max_us);
        to.first_seen = from.first_seen;
        to.last_seen = std::atomic_ref<TimestampTz>(from.last_seen).load(std::memory_order_relaxed);
        to.histogram = snapshot_latency(from.histogram);
        to.query_length = from.query_length;
        std::memcpy(to.query, from.query, from.query_length);
    }
    LWLockRelease(header->lock);
    return count;
}

int LatencyTable::capacity() noexcept {
    return header->capacity;
}

QueryEntry* LatencyTable::allocate_chunk(int& room) {
    room = std::min(chunk_entries, header->capacity);
    void* memory = palloc_extended(sizeof(QueryEntry) * static_cast<Size>(room), MCXT_ALLOC_NO_OOM);
    if (memory == nullptr)
        throw std::bad_alloc();
    return static_cast<QueryEntry*>(memory);
}

void LatencyTable::free_chunk(QueryEntry* chunk) noexcept {
    pfree(chunk);
}

std::uint64_t LatencyTable::evictions() {
    return std::atomic_ref<std::uint64_t>(header->evictions).load(std::memory_order_relaxed);
}

void LatencyTable::owners(Vector<Oid>& out) {
    LWLockAcquire(header->lock, LW_SHARED);
    // Never beyond the capacity reserved by the caller: push_back must not
    // allocate (and so cannot throw) while we hold the lock.
    for (int i = 0; i < header->used && out.size() < out.capacity(); ++i)
        out.push_back(slots[i].key.userid);
    LWLockRelease(header->lock);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace hastecrm_perf::stats
