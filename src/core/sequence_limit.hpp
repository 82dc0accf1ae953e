// How much of its range a sequence has used. The limit is the lower of the
// sequence's own maximum and the maximum of the column it feeds (a bigint
// column fed by an AS integer sequence still stops at 2^31 − 1, an integer
// column fed by a bigint sequence stops there too); for a descending sequence
// the higher of both minimums.
#pragma once

#include <cstdint>
#include <optional>

namespace hastecrm_perf {

struct SequenceState {
    std::int64_t last_value = 0;
    std::int64_t increment = 1;
    std::int64_t min_value = 1;
    std::int64_t max_value = 0;
    // Bounds of the owning column's type (smallint, integer, bigint); none
    // when the sequence feeds no column or one of another type.
    std::optional<std::int64_t> column_min, column_max;
};

struct SequenceUsage {
    std::int64_t limit = 0;          // the value that cannot be passed
    bool limited_by_column = false;  // the column's type, not the sequence, sets it
    double used_fraction = 0;        // 0 … 1 of the range from its start end to the limit
    double values_left = 0;          // nextval calls before the limit
};

SequenceUsage sequence_usage(const SequenceState& sequence) noexcept;

// Bounds of an integer type by its byte width (2, 4, 8).
std::optional<std::int64_t> integer_type_max(int width) noexcept;
std::optional<std::int64_t> integer_type_min(int width) noexcept;

}  // namespace hastecrm_perf
