#include "stats/plan_table.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/plan_text.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace hastecrm_perf::stats {
namespace {

constexpr const char* tranche_name = "hastecrm_perf plans";
constexpr int probe_window = 8;
// A kept sample older than this is replaced by the next slow run's plan.
constexpr TimestampTz sample_max_age = USECS_PER_SEC * 3600;

struct SharedHeader {
    LWLock* lock;
    int capacity;
    std::uint64_t generation;        // atomic
    TimestampTz last_explain;        // atomic
};

SharedHeader* header = nullptr;
PlanEntry* slots = nullptr;

int home_of(const PlanKey& key) {
    std::uint64_t h = fold_shape(fold_shape(fold_shape(key.queryid, key.planid), key.dbid), key.userid);
    return static_cast<int>(h % static_cast<std::uint64_t>(header->capacity));
}

// Under the lock (either mode).
PlanEntry* find(const PlanKey& key) {
    const int home = home_of(key);
    for (int i = 0; i < probe_window; ++i) {
        PlanEntry& entry = slots[(home + i) % header->capacity];
        if (entry.used && entry.key == key)
            return &entry;
    }
    return nullptr;
}

void bump_generation() {
    std::atomic_ref<std::uint64_t>(header->generation).fetch_add(1, std::memory_order_relaxed);
}

// Under the exclusive lock: a free slot of the key's window, else its least
// recently seen one.
PlanEntry& claim(const PlanKey& key, TimestampTz now) {
    const int home = home_of(key);
    PlanEntry* victim = nullptr;
    for (int i = 0; i < probe_window; ++i) {
        PlanEntry& entry = slots[(home + i) % header->capacity];
        if (!entry.used) {
            victim = &entry;
            break;
        }
        if (!victim || entry.last_seen < victim->last_seen)
            victim = &entry;
    }
    std::memset(static_cast<void*>(victim), 0, sizeof(PlanEntry));
    victim->key = key;
    victim->first_seen = victim->last_seen = now;
    victim->used = true;
    bump_generation();
    return *victim;
}

void count(PlanEntry& entry, std::uint64_t micros, TimestampTz now) {
    std::atomic_ref<std::uint64_t>(entry.calls).fetch_add(1, std::memory_order_relaxed);
    std::atomic_ref<std::uint64_t>(entry.total_us).fetch_add(micros, std::memory_order_relaxed);
    record_latency(entry.histogram, micros);
    std::atomic_ref<std::uint64_t> max(entry.max_us);
    std::uint64_t seen = max.load(std::memory_order_relaxed);
    while (seen < micros && !max.compare_exchange_weak(seen, micros, std::memory_order_relaxed)) {
    }
    std::atomic_ref<TimestampTz> last(entry.last_seen);
    TimestampTz at = last.load(std::memory_order_relaxed);
    while (at < now && !last.compare_exchange_weak(at, now, std::memory_order_relaxed)) {
    }
}

}  // namespace

int PlanTable::capacity_for(int max_queries) { return std::clamp(max_queries / 10, 100, 2000); }

Size PlanTable::shared_size(int capacity) {
    return add_size(MAXALIGN(sizeof(SharedHeader)), mul_size(static_cast<Size>(capacity), sizeof(PlanEntry)));
}

void PlanTable::attach(int capacity) {
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    header = static_cast<SharedHeader*>(ShmemInitStruct("hastecrm_perf plan table", shared_size(capacity), &found));
    slots = reinterpret_cast<PlanEntry*>(reinterpret_cast<char*>(header) + MAXALIGN(sizeof(SharedHeader)));
    if (!found) {
        std::memset(static_cast<void*>(header), 0, shared_size(capacity));
        header->lock = &GetNamedLWLockTranche(tranche_name)->lock;
        header->capacity = capacity;
    }
    LWLockRelease(AddinShmemInitLock);
}

bool PlanTable::available() { return header != nullptr; }
int PlanTable::capacity() { return header->capacity; }

bool PlanTable::record(const PlanKey& key, std::uint64_t micros, TimestampTz now) {
    LWLockAcquire(header->lock, LW_SHARED);
    PlanEntry* entry = find(key);
    if (entry)
        count(*entry, micros, now);
    LWLockRelease(header->lock);
    return entry != nullptr;
}

bool PlanTable::wants_text(const PlanKey& key, std::uint64_t micros, TimestampTz now, bool analyzed) {
    LWLockAcquire(header->lock, LW_SHARED);
    const PlanEntry* entry = find(key);
    const bool wants = !entry || entry->text_length == 0 || entry->sample_us < micros ||
                       now - entry->sample_at > sample_max_age || (analyzed && !entry->sample_analyzed);
    LWLockRelease(header->lock);
    return wants;
}

void PlanTable::keep(const PlanKey& key, std::uint64_t micros, TimestampTz now, std::string_view text,
                     bool analyzed) {
    LWLockAcquire(header->lock, LW_EXCLUSIVE);
    PlanEntry* entry = find(key);
    if (!entry)
        entry = &claim(key, now);
    if (!text.empty()) {
        const std::size_t length = std::min(text.size(), plan_text_bytes);
        std::memcpy(entry->text, text.data(), length);
        entry->text_length = static_cast<std::uint32_t>(length);
        entry->sample_at = now;
        entry->sample_us = micros;
        entry->sample_analyzed = analyzed;
    }
    count(*entry, micros, now);
    LWLockRelease(header->lock);
}

std::uint64_t PlanTable::generation() {
    return std::atomic_ref<std::uint64_t>(header->generation).load(std::memory_order_relaxed);
}

int PlanTable::queryids(Oid dbid, std::uint64_t* out) {
    int n = 0;
    LWLockAcquire(header->lock, LW_SHARED);
    for (int i = 0; i < header->capacity; ++i)
        if (slots[i].used && slots[i].key.dbid == dbid)
            out[n++] = slots[i].key.queryid;
    LWLockRelease(header->lock);
    std::sort(out, out + n);
    return static_cast<int>(std::unique(out, out + n) - out);
}

int PlanTable::copy(PlanEntry* out) {
    int n = 0;
    LWLockAcquire(header->lock, LW_SHARED);
    for (int i = 0; i < header->capacity; ++i)
        if (slots[i].used)
            std::memcpy(static_cast<void*>(&out[n++]), &slots[i], sizeof(PlanEntry));
    LWLockRelease(header->lock);
    return n;
}

void PlanTable::reset() {
    LWLockAcquire(header->lock, LW_EXCLUSIVE);
    std::memset(static_cast<void*>(slots), 0, sizeof(PlanEntry) * static_cast<std::size_t>(header->capacity));
    bump_generation();
    LWLockRelease(header->lock);
}

bool PlanTable::may_explain(TimestampTz now, int per_second) {
    std::atomic_ref<TimestampTz> last(header->last_explain);
    TimestampTz seen = last.load(std::memory_order_relaxed);
    if (now - seen < USECS_PER_SEC / per_second)
        return false;
    return last.compare_exchange_strong(seen, now, std::memory_order_relaxed);
}

}  // namespace hastecrm_perf::stats
