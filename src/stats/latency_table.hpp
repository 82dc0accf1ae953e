// The shared-memory table of statement latencies: one entry per
// (userid, dbid, queryid), hashed to a fixed array of slots.
//
// Hot path: one shared LWLock round trip per statement (record), then relaxed
// atomic adds; the exclusive lock is taken only to add an entry. When the
// table is full the entry added replaces the least recently active of a few
// slots picked at random (constant time): no sort, no scan, no stall under the
// exclusive lock. The entry of a statement that is running right now is never
// the one replaced.
//
// Readers copy entries out (copy_entries, for_each): nothing that can raise an
// error ever runs while our LWLock is held.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "core/containers.hpp"
#include "core/latency_histogram.hpp"

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
}

namespace hastecrm_perf::stats {

struct QueryKey {
    Oid userid;
    Oid dbid;
    std::uint64_t queryid;
};

// Normalized statement text kept per entry (longer text is cut).
inline constexpr std::size_t query_text_bytes = 1024;

struct QueryEntry {
    QueryKey key;
    // Counters: every backend adds with relaxed atomics.
    std::uint64_t calls;
    std::uint64_t errors;
    std::uint64_t rows;
    std::uint64_t total_us;
    std::uint64_t max_us;
    TimestampTz first_seen;
    // Last activity: when the latest execution ended (or failed).
    TimestampTz last_seen;
    LatencyHistogram histogram;
    std::uint32_t query_length;
    char query[query_text_bytes];
};

// One statement's outcome.
struct Execution {
    std::uint64_t micros;
    std::uint64_t rows;
    TimestampTz when;  // when it ended
};

class LatencyTable {
public:
    // Shared memory the table needs for `capacity` entries.
    static Size shared_size(int capacity);
    // Attaches (creating it in the postmaster) at shmem startup.
    static void attach(int capacity);
    // Whether the table exists: false without shared_preload_libraries.
    static bool available();

    // Adds an entry with this text unless one exists (the text of an existing
    // entry is kept).
    static void ensure(const QueryKey& key, std::string_view normalized_text, TimestampTz now);
    static bool contains(const QueryKey& key);
    // Records one execution; false if the entry is not there (new or evicted).
    static bool record(const QueryKey& key, const Execution& execution);
    // Counts a statement that ended in ERROR; false if it has no entry.
    static bool record_error(const QueryKey& key, TimestampTz when);
    static void reset();
    // Changes whenever an entry may have gone (an eviction, a reset): a
    // backend that remembers which entries exist checks it (one relaxed load).
    static std::uint64_t generation() noexcept;

    // The top-level statement this backend runs now, whose entry eviction
    // must spare (plain stores into this backend's own slot: no lock).
    static void mark_running(const QueryKey& key) noexcept;
    static void clear_running() noexcept;

    // Copies the entries in slots [first, first + room) that exist into out,
    // under the shared lock, with nothing that can raise; returns how many.
    // The copy's counters are plain values: read them directly or through
    // read_counter(). Slots are visited in order; an entry evicted and added
    // again between two calls may show up twice.
    static int copy_entries(int first, QueryEntry* out, int room) noexcept;
    static int capacity() noexcept;

    // Calls visit(QueryEntry&) for every entry, on a private copy: entries are
    // copied out a chunk at a time under the shared lock, which is released
    // before visit runs, so visit may raise (build tuples, allocate, spill to
    // disk) freely.
    template <typename Visit>
    static void for_each(Visit&& visit) {
        int room = 0;
        QueryEntry* chunk = allocate_chunk(room);
        for (int first = 0;; first += room) {
            const int count = copy_entries(first, chunk, room);
            for (int i = 0; i < count; ++i)
                visit(chunk[i]);
            if (count < room)
                break;
        }
        free_chunk(chunk);
    }
    static std::uint64_t evictions();

    // What evicted entries had counted, per database: their calls, time and
    // histogram stay in a database's totals, so a per-database counter only
    // ever grows (until query_latency_reset()). The first database_sinks
    // databases have one each; any beyond share the sink of InvalidOid.
    static constexpr int database_sinks = 64;
    struct DatabaseSink {
        Oid dbid;
        bool used;
        std::uint64_t calls;
        std::uint64_t total_us;
        LatencyHistogram histogram;
    };
    // Copies the used sinks into `out` (room for database_sinks); returns how many.
    static int copy_database_sinks(DatabaseSink* out) noexcept;

    // The roles that own entries, to settle privileges before reading: a
    // catalog lookup (which may wait on a lock) must not happen under our LWLock.
    static void owners(Vector<Oid>& out);

private:
    // A chunk of entries for for_each, palloc'd; throws std::bad_alloc.
    static QueryEntry* allocate_chunk(int& room);
    static void free_chunk(QueryEntry* chunk) noexcept;
};

// Reads a shared counter that other backends update.
inline std::uint64_t read_counter(std::uint64_t& counter) {
    return std::atomic_ref<std::uint64_t>(counter).load(std::memory_order_relaxed);
}

}  // namespace hastecrm_perf::stats
