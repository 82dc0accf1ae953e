// A compact encoding of a sparse latency histogram (the delta of one
// statement over one interval usually fills a handful of its 201 buckets):
// a version byte, then for each non-empty bucket the gap from the previous
// non-empty one and its count, both as LEB128 varints. A few calls in a few
// buckets take a few bytes; a full histogram of huge counts stays under 2 kB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/containers.hpp"
#include "core/latency_histogram.hpp"

namespace hastecrm_perf {

inline constexpr std::uint8_t histogram_codec_version = 1;

// Appends the encoding of `histogram` to `out`.
void encode_histogram(const LatencyHistogram& histogram, Vector<std::uint8_t>& out);

// Adds the decoded counts into `into`; false (and `into` unchanged) when the
// bytes are not a valid encoding: unknown version, a bucket past the last, a
// truncated varint, a zero count, or a sum that would overflow.
bool add_encoded_histogram(const std::uint8_t* data, std::size_t size, LatencyHistogram& into);

// The largest latency to use for percentiles of a merged window: the largest
// maximum known among its parts when it lies in the highest non-empty bucket,
// else that bucket's upper bound (its lower bound for the overflow bucket).
double window_max_us(const LatencyHistogram& histogram, std::optional<double> known_max_us);

}  // namespace hastecrm_perf
