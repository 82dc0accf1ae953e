#include "core/latency_histogram.hpp"

#include <cmath>

namespace hastecrm_perf {

LatencyHistogram snapshot_latency(LatencyHistogram& shared) {
    LatencyHistogram copy;
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i)
        copy.counts[i] = std::atomic_ref<std::uint64_t>(shared.counts[i]).load(std::memory_order_relaxed);
    return copy;
}

void merge_latency(LatencyHistogram& into, const LatencyHistogram& from) {
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i)
        into.counts[i] += from.counts[i];
}

double latency_percentile(const LatencyHistogram& histogram, double q, double max_seen_us) {
    std::uint64_t total = 0;
    std::size_t top = 0;  // highest non-empty bucket: the one max_seen_us is in
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i) {
        total += histogram.counts[i];
        if (histogram.counts[i] != 0)
            top = i;
    }
    if (total == 0)
        return std::nan("");
    const double wanted = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(total));
    // 0-based index of the wanted observation; q = 0 means the smallest.
    const std::uint64_t index = std::clamp(static_cast<std::uint64_t>(wanted), std::uint64_t{1}, total) - 1;
    std::uint64_t before = 0;  // observations in the buckets below bucket i
    std::size_t i = 0;
    while (i < top && index >= before + histogram.counts[i])
        before += histogram.counts[i++];
    const double position = static_cast<double>(index - before);  // 0 .. count - 1
    const double count = static_cast<double>(histogram.counts[i]);
    const double lower = static_cast<double>(LatencyHistogram::bucket_lower_us(i));
    const double upper = static_cast<double>(LatencyHistogram::bucket_upper_us(i));
    if (i < top)
        return lower + (position + 0.5) / count * (upper - lower);
    const double last = std::clamp(max_seen_us, lower, upper);
    return lower + (position + 1) / count * (last - lower);
}

}  // namespace hastecrm_perf
