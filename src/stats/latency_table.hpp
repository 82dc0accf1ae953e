// The shared-memory table of statement latencies: one entry per
// (userid, dbid, queryid), hashed to a fixed array of slots.
//
// Hot path: a shared LWLock for the lookup, then relaxed atomic adds; the
// exclusive lock is taken only to add an entry. When the table is full the
// entry added replaces the least recently seen of a few slots picked at
// random (constant time): no sort, no scan, no stall under the exclusive lock.
#pragma once

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
    TimestampTz last_seen;
    LatencyHistogram histogram;
    std::uint32_t query_length;
    char query[query_text_bytes];
};

// One statement's outcome.
struct Execution {
    std::uint64_t micros;
    std::uint64_t rows;
    TimestampTz when;
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
    // Records one execution; false if the entry is not there (evicted).
    static bool record(const QueryKey& key, const Execution& execution);
    // Counts a statement that ended in ERROR.
    static void record_error(const QueryKey& key, TimestampTz when);
    static void reset();

    // Calls visit(QueryEntry&) for every entry under the shared lock (the
    // counters may still move: read them through atomic_ref). An error raised
    // by visit releases the lock with the transaction abort.
    template <typename Visit>
    static void for_each(Visit&& visit) {
        lock_shared();
        try {
            for (int i = 0, n = used_slots(); i < n; ++i)
                visit(*slot(i));
        } catch (...) {
            unlock();
            throw;
        }
        unlock();
    }
    static std::uint64_t evictions();
    // The roles that own entries, to settle privileges before for_each: a
    // catalog lookup (which may wait on a lock) must not happen under our LWLock.
    static void owners(Vector<Oid>& out);

private:
    static void lock_shared();
    static void unlock();
    static QueryEntry* slot(int index);
    static int used_slots();
};

// Reads a shared counter that other backends update.
inline std::uint64_t read_counter(std::uint64_t& counter) {
    return std::atomic_ref<std::uint64_t>(counter).load(std::memory_order_relaxed);
}

}  // namespace hastecrm_perf::stats
