// The shared-memory table of N+1 suspects, one entry per
// (userid, dbid, queryid, parent_queryid). Written when a unit of work closes
// with a suspect, on the user's statement or COMMIT path: a hash lookup
// (core/slot_index) under the exclusive lock, constant time whatever the
// table's size; when full, the least recently seen of a few slots drawn at
// random is replaced (no scan, no sort).
#pragma once

#include <cstdint>

#include "core/n_plus_one.hpp"

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
}

namespace hastecrm_perf::stats {

struct NPlusOneEntry {
    Oid userid;
    Oid dbid;
    std::uint64_t queryid;
    std::uint64_t parent_queryid;
    std::uint64_t occurrences;    // units of work in which it was a suspect
    std::uint64_t max_repeats;
    std::uint64_t total_repeats;
    double wasted_ms;
    TimestampTz last_seen;
};

class NPlusOneTable {
public:
    static int capacity_for(int max_queries);
    static Size shared_size(int capacity);
    static void attach(int capacity);

    static void record(Oid userid, Oid dbid, const NPlusOneSuspect& suspect, TimestampTz when);
    static void reset();

    // Copies the entries out under the shared lock; returns how many
    // (at most `room`).
    static int copy(NPlusOneEntry* out, int room);
    static int capacity();
};

}  // namespace hastecrm_perf::stats
