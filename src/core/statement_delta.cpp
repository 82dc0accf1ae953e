#include "core/statement_delta.hpp"

namespace hastecrm_perf {
namespace {

bool none_went_down(const StatementCounts& previous, const StatementCounts& current) {
    if (current.calls < previous.calls || current.errors < previous.errors ||
        current.rows < previous.rows || current.total_us < previous.total_us)
        return false;
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i)
        if (current.histogram.counts[i] < previous.histogram.counts[i])
            return false;
    return true;
}

StatementCounts difference(const StatementCounts& previous, const StatementCounts& current) {
    StatementCounts delta;
    delta.calls = current.calls - previous.calls;
    delta.errors = current.errors - previous.errors;
    delta.rows = current.rows - previous.rows;
    delta.total_us = current.total_us - previous.total_us;
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i)
        delta.histogram.counts[i] = current.histogram.counts[i] - previous.histogram.counts[i];
    return delta;
}

}  // namespace

std::optional<StatementDelta> statement_delta(const StatementReading* previous,
                                              const StatementReading& current,
                                              std::optional<std::int64_t> previous_snapshot) {
    StatementDelta delta;
    delta.key = current.key;
    if (previous != nullptr && previous->key == current.key &&
        previous->first_seen == current.first_seen &&
        none_went_down(previous->counts, current.counts)) {
        delta.counts = difference(previous->counts, current.counts);
        if (current.max_us > previous->max_us)
            delta.max_us = current.max_us;
    } else if (previous_snapshot && current.first_seen > *previous_snapshot) {
        delta.counts = current.counts;
        delta.max_us = current.max_us;
    } else {
        return std::nullopt;
    }
    if (delta.counts.calls == 0 && delta.counts.errors == 0)
        return std::nullopt;
    return delta;
}

void add_counts(StatementCounts& into, const StatementCounts& from) {
    into.calls += from.calls;
    into.errors += from.errors;
    into.rows += from.rows;
    into.total_us += from.total_us;
    merge_latency(into.histogram, from.histogram);
}

}  // namespace hastecrm_perf
