// What one statement did between two snapshots, from two readings of its
// cumulative counters in the latency table.
//
// The counters only ever grow while an entry lives. They restart from zero
// when the entry is evicted and created again, when someone empties the table
// (query_latency_reset()), and when the server restarts or crashes. Each of
// those gives the entry a new first-seen time, and a restart or a crash also
// loses the previous reading. So a delta is taken only where it is certain:
// - same entry (same first-seen time) and no counter went down: current − previous;
// - otherwise, an entry first seen after the previous snapshot: all of it
//   happened in this interval, so its whole reading is the delta;
// - otherwise (an entry older than the previous snapshot whose previous reading
//   is unknown or from an earlier life): no delta this time, only a new
//   baseline. What it did before this snapshot is lost, never counted twice.
#pragma once

#include <cstdint>
#include <optional>

#include "core/latency_histogram.hpp"

namespace hastecrm_perf {

struct StatementKey {
    std::uint32_t userid = 0;
    std::uint32_t dbid = 0;
    std::uint64_t queryid = 0;

    friend bool operator==(const StatementKey&, const StatementKey&) = default;
    friend auto operator<=>(const StatementKey&, const StatementKey&) = default;
};

// Counts of one interval, or cumulative ones.
struct StatementCounts {
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
    std::uint64_t rows = 0;
    std::uint64_t total_us = 0;
    LatencyHistogram histogram{};
};

// One entry of the latency table as a snapshot read it.
struct StatementReading {
    StatementKey key;
    std::int64_t first_seen = 0;  // µs since the PostgreSQL epoch
    std::uint64_t max_us = 0;     // the largest latency of the entry's life
    StatementCounts counts;
};

struct StatementDelta {
    StatementKey key;
    StatementCounts counts;
    // The largest latency of the interval when it is known: the entry's
    // maximum rose during it (or the entry is new). Unknown otherwise: it
    // then lies in the highest non-empty bucket of the delta.
    std::optional<std::uint64_t> max_us;
};

// `previous` is the same key's reading at the previous snapshot (nullptr if
// there is none: a new entry, or a baseline lost to a restart);
// `previous_snapshot` the time of that snapshot (none: this is the first).
// Nothing when the delta is unknown or the statement did nothing.
std::optional<StatementDelta> statement_delta(const StatementReading* previous,
                                              const StatementReading& current,
                                              std::optional<std::int64_t> previous_snapshot);

// Adds `from` into `into` (counters and histogram).
void add_counts(StatementCounts& into, const StatementCounts& from);

}  // namespace hastecrm_perf
