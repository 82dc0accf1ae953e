// Re-bucketing a LatencyHistogram onto a fixed ladder of Prometheus `le`
// bounds (cumulative counts of observations at or below each bound).
//
// Prometheus' rate() and histogram_quantile() are valid only if every
// cumulative bucket is a counter: it may only grow while observations are
// added. So each of our buckets contributes to a bound a share fixed by the
// bucket and the bound alone: buckets wholly below `le` count fully; the one
// bucket that straddles `le` counts floor(count × share), share being the
// linear position of `le` inside it ((le − lower) / (upper − lower)); buckets
// above count nothing. No share depends on other buckets, on max_seen or on
// the total, so adding observations never lowers a bucket, and a bound never
// counts less than a lower one.
//
// Error bound: the cumulative count at `le` lies between the exact number of
// observations below the straddling bucket's lower bound and the exact number
// below its upper bound — it is off by at most the count of that one bucket,
// i.e. it is the exact count at a bound moved by less than one of our buckets
// (≤ 1/8 of `le` from 16 µs up, 1 µs below). The overflow bucket (from 2^27 µs,
// 134 s) has no upper bound: it counts only at le = +Inf, so a finite bound
// beyond 134 s misses the observations above 134 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/latency_histogram.hpp"

namespace hastecrm_perf {

// Where one bound falls among our buckets: buckets below `straddling` count
// fully, `straddling` itself by `share` (0 ≤ share < 1).
struct LadderStep {
    std::size_t straddling;
    double share;
};

// The step of a bound in µs (≥ 0; +Inf counts every bucket fully).
LadderStep ladder_step(double le_us);

// Most bounds a ladder may have (Prometheus ladders have a few dozen).
inline constexpr std::size_t max_ladder_bounds = 100;

// Why a ladder of bounds (seconds) cannot be used, or nullptr when it can:
// 1 .. max_ladder_bounds finite, non-negative, strictly increasing numbers.
const char* ladder_problem(std::span<const double> le_seconds);

// Cumulative counts at each step (steps in increasing order of their bounds);
// out has steps.size() entries.
void cumulative_counts(const LatencyHistogram& histogram, std::span<const LadderStep> steps,
                       std::span<std::uint64_t> out);

// Every observation of the histogram: the +Inf bucket (Prometheus' _count).
std::uint64_t total_count(const LatencyHistogram& histogram);

}  // namespace hastecrm_perf
