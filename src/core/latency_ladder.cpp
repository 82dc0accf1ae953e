#include "core/latency_ladder.hpp"

#include <cmath>

namespace hastecrm_perf {

using H = LatencyHistogram;

LadderStep ladder_step(double le_us) {
    if (std::isinf(le_us) && le_us > 0)
        return {H::bucket_count, 0.0};
    if (!(le_us > 0))
        return {0, 0.0};  // also NaN: nothing is at or below it
    if (le_us >= static_cast<double>(H::overflow_lower_us))
        return {H::overflow_bucket, 0.0};  // unbounded: never a share of it
    // Bucket bounds are whole µs, so the bucket of floor(le) is the one holding le.
    const std::size_t bucket = H::bucket_of(static_cast<std::uint64_t>(le_us));
    const double lower = static_cast<double>(H::bucket_lower_us(bucket));
    const double upper = static_cast<double>(H::bucket_upper_us(bucket));
    return {bucket, (le_us - lower) / (upper - lower)};
}

const char* ladder_problem(std::span<const double> le_seconds) {
    if (le_seconds.empty())
        return "le must hold at least one bound";
    if (le_seconds.size() > max_ladder_bounds)
        return "le must hold at most 100 bounds";
    for (std::size_t i = 0; i < le_seconds.size(); ++i) {
        const double le = le_seconds[i];
        if (!std::isfinite(le))
            return "le bounds must be finite (+Inf is implied)";
        if (le < 0)
            return "le bounds must not be negative";
        if (i > 0 && !(le > le_seconds[i - 1]))
            return "le bounds must be strictly increasing";
    }
    return nullptr;
}

void cumulative_counts(const LatencyHistogram& histogram, std::span<const LadderStep> steps,
                       std::span<std::uint64_t> out) {
    std::uint64_t below = 0;  // observations in buckets [0, bucket)
    std::size_t bucket = 0;
    for (std::size_t i = 0; i < steps.size() && i < out.size(); ++i) {
        const LadderStep& step = steps[i];
        for (; bucket < step.straddling && bucket < H::bucket_count; ++bucket)
            below += histogram.counts[bucket];
        std::uint64_t part = 0;
        if (step.straddling < H::bucket_count && step.share > 0) {
            const double share = std::floor(static_cast<double>(histogram.counts[step.straddling]) * step.share);
            part = static_cast<std::uint64_t>(share);
        }
        out[i] = below + part;
    }
}

std::uint64_t total_count(const LatencyHistogram& histogram) {
    std::uint64_t total = 0;
    for (std::uint64_t count : histogram.counts)
        total += count;
    return total;
}

}  // namespace hastecrm_perf
