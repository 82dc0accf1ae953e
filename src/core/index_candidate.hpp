// B-tree index candidates from how a statement uses one table (SPEC §12).
//
// The rules a DBA applies by hand, as pure functions: equality columns first
// (most selective first), then either the sort keys of an ORDER BY ... LIMIT
// with their directions or one range column; INCLUDE for a few narrow returned
// columns so the scan can be index-only. An index that already serves the
// candidate (same leading keys, in the same or the fully reversed order)
// makes it pointless; one candidate that is a prefix of another folds into it.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

struct ColumnUse {
    int attnum;
    double distinct;   // estimated distinct values; 0 = unknown
    int width;         // average width in bytes
    bool fixed_width;  // a fixed-length type (int, timestamptz, uuid ...)
};

struct SortKey {
    int attnum;
    bool descending;
    bool nulls_first;
};

// What one statement does with one table.
struct TableUse {
    explicit TableUse(Resource& resource)
        : equality(&resource), range(&resource), sort(&resource), read(&resource) {}
    Vector<ColumnUse> equality;  // col = value, col = ANY(...), join keys
    Vector<ColumnUse> range;     // col <, <=, >, >= value
    Vector<SortKey> sort;        // ORDER BY under a LIMIT, every key on this table
    Vector<ColumnUse> read;      // every column the statement reads from the table
    bool reads_whole_row = false;
};

struct Candidate {
    explicit Candidate(Resource& resource) : keys(&resource), include(&resource) {}
    Vector<SortKey> keys;
    int equality_keys = 0;  // the leading keys that are equality columns (any order serves)
    bool ordered = false;   // the keys after them give an ORDER BY: their direction matters
    Vector<int> include;
};

// An index that exists on the table.
struct ExistingIndex {
    explicit ExistingIndex(Resource& resource) : keys(&resource), include(&resource) {}
    bool btree = true;
    bool usable = true;  // valid, ready and not partial
    Vector<SortKey> keys;  // attnum 0 = an expression
    Vector<int> include;
};

// At most this many INCLUDE columns, each at most this wide unless fixed-width.
inline constexpr std::size_t max_include_columns = 3;
inline constexpr int max_include_width = 16;

// The candidates for one table use: the plain one and, when a few narrow
// columns would make the scan index-only, the covering one. Empty when the
// statement has nothing an index can serve.
Vector<Candidate> index_candidates(const TableUse& use, Resource& resource);

// Whether `index` already serves `candidate`.
bool serves(const ExistingIndex& index, const Candidate& candidate);

// Whether `wider` can take `narrower`'s place: its keys start with
// narrower's and it returns every column narrower includes.
bool absorbs(const Candidate& wider, const Candidate& narrower);

// Estimated size of a B-tree over `rows` rows whose entries carry
// `entry_bytes` of key and INCLUDE data (leaf fill 90%, as CREATE INDEX packs).
std::uint64_t btree_size_bytes(double rows, double entry_bytes);

// Tree height the planner's B-tree costing expects for that many leaf pages.
int btree_height(std::uint64_t pages);

// What maintaining one more index costs the table's writers, in words with
// figures: writes per second since `seconds` ago and the bytes each adds.
String write_penalty(double inserts, double updates, double hot_updates, double deletes,
                     double seconds, double entry_bytes, Resource& resource);

}  // namespace hastecrm_perf
