// The shared-memory table of captured plans (SPEC §12): one entry per
// statement and plan shape, with the latency of the runs that used that
// shape and the text of one slow run's plan.
//
// Bounded: a fixed number of slots, found through a short probe window; a
// new shape takes a free slot of its window or the least recently seen one.
// Nothing that can raise an error runs under its lock: callers build the plan
// text before and copy entries out under the lock into memory they own.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/latency_histogram.hpp"

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
}

namespace hastecrm_perf::stats {

struct PlanKey {
    Oid userid;
    Oid dbid;
    std::uint64_t queryid;
    std::uint64_t planid;
    bool operator==(const PlanKey&) const = default;
};

inline constexpr std::size_t plan_text_bytes = 8000;

struct PlanEntry {
    PlanKey key;
    bool used;
    std::uint64_t calls;      // atomic
    std::uint64_t total_us;   // atomic
    std::uint64_t max_us;     // atomic
    TimestampTz first_seen;
    TimestampTz last_seen;    // atomic
    LatencyHistogram histogram;
    // The kept text: from the run of sample_us at sample_at.
    TimestampTz sample_at;
    std::uint64_t sample_us;
    bool sample_analyzed;
    std::uint32_t text_length;
    char text[plan_text_bytes];
};

class PlanTable {
public:
    static int capacity_for(int max_queries);
    static Size shared_size(int capacity);
    static void attach(int capacity);
    static bool available();
    static int capacity();

    // Counts one run of a plan shape that has an entry; false when it has none.
    static bool record(const PlanKey& key, std::uint64_t micros, TimestampTz now);
    // Whether the entry's kept text should be replaced by one of this run:
    // no entry or no text yet, a faster or an old sample, or an instrumented
    // run where the sample has no actual figures.
    static bool wants_text(const PlanKey& key, std::uint64_t micros, TimestampTz now, bool analyzed);
    // Adds the entry if needed, stores `text` as its sample, and counts the run.
    static void keep(const PlanKey& key, std::uint64_t micros, TimestampTz now, std::string_view text,
                     bool analyzed);

    // Bumped whenever an entry is added or replaced, so that backends know
    // when to refresh their list of the statements that have plans.
    static std::uint64_t generation();
    // The queryids with an entry, for this database, into `out` (room for
    // capacity()); returns how many.
    static int queryids(Oid dbid, std::uint64_t* out);
    // Copies every used entry into `out` (room for capacity()); returns how many.
    static int copy(PlanEntry* out);
    static void reset();

    // A global rate limit on EXPLAIN: true at most `per_second` times a second.
    static bool may_explain(TimestampTz now, int per_second);
};

}  // namespace hastecrm_perf::stats
