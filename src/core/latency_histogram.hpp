// The latency histogram of one query, in microseconds, kept in shared memory
// and incremented by every backend that runs the query.
//
// Layout (log-linear, as HDR histograms): 16 buckets 1 µs wide, then each
// power of two [2^e, 2^(e+1)) split into 8 equal buckets, up to an overflow
// bucket from 2^27 µs (134 s). From 8 µs up a bucket is at most 1/8 of its lower
// bound wide, so its midpoint is within 6.25% of any value in it; the index is
// a bit scan and a shift, with no floating point or loop on the hot path.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace hastecrm_perf {

struct LatencyHistogram {
    static constexpr int sub_bucket_bits = 3;  // 8 buckets per power of two
    static constexpr std::size_t sub_buckets = std::size_t{1} << sub_bucket_bits;
    static constexpr int top_power = 27;       // 2^27 µs ≈ 134 s, beyond 100 s
    static constexpr std::uint64_t overflow_lower_us = std::uint64_t{1} << top_power;
    // 16 linear buckets, 8 for each power 2^4 .. 2^26, then the overflow one.
    static constexpr std::size_t overflow_bucket =
        2 * sub_buckets + (top_power - sub_bucket_bits - 1) * sub_buckets;
    static constexpr std::size_t bucket_count = overflow_bucket + 1;  // 201

    // Values under 1 µs (0) land in bucket 0, values from 2^27 µs in the overflow one.
    static constexpr std::size_t bucket_of(std::uint64_t micros) {
        if (micros >= overflow_lower_us)
            return overflow_bucket;
        // Keep the top 4 significant bits: a 1, then 3 bits of sub-bucket.
        const int shift = std::max(static_cast<int>(std::bit_width(micros)) - sub_bucket_bits - 1, 0);
        return static_cast<std::size_t>(shift) * sub_buckets +
               static_cast<std::size_t>(micros >> shift);
    }

    // Smallest value of the bucket, in µs.
    static constexpr std::uint64_t bucket_lower_us(std::size_t bucket) {
        if (bucket < 2 * sub_buckets)
            return bucket;
        const std::size_t shift = bucket / sub_buckets - 1;
        return (bucket % sub_buckets + sub_buckets) << shift;
    }

    // Exclusive upper bound of the bucket, in µs. The overflow bucket has none
    // (UINT64_MAX): report the largest value seen in its place.
    static constexpr std::uint64_t bucket_upper_us(std::size_t bucket) {
        return bucket == overflow_bucket ? std::numeric_limits<std::uint64_t>::max()
                                         : bucket_lower_us(bucket + 1);
    }

    // All zero is the empty histogram, so zeroed shared memory is ready to use.
    // Aligned for atomic_ref (some 32-bit ABIs align a uint64_t member to 4).
    alignas(std::atomic_ref<std::uint64_t>::required_alignment)
        std::array<std::uint64_t, bucket_count> counts;
};

// Backends add to the counters of a shared histogram with atomic_ref: it must
// be lock-free, so no hidden lock is taken, and an aligned array must have
// every counter aligned.
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(std::uint64_t) % std::atomic_ref<std::uint64_t>::required_alignment == 0);
static_assert(std::is_trivially_copyable_v<LatencyHistogram>);
static_assert(sizeof(LatencyHistogram) == 1608);  // 201 counters of 8 bytes
static_assert(LatencyHistogram::bucket_of(LatencyHistogram::overflow_lower_us - 1) ==
              LatencyHistogram::overflow_bucket - 1);

// Counts one execution; safe while other backends record into or read the same
// histogram (relaxed: the counters are statistics, ordering nothing).
inline void record_latency(LatencyHistogram& histogram, std::uint64_t micros) {
    std::atomic_ref<std::uint64_t>(histogram.counts[LatencyHistogram::bucket_of(micros)])
        .fetch_add(1, std::memory_order_relaxed);
}

// A private copy of a histogram that backends keep recording into. (Not const:
// C++20's atomic_ref cannot read through a const reference.)
LatencyHistogram snapshot_latency(LatencyHistogram& shared);

// Adds the counts of `from` into `into`, to aggregate entries.
void merge_latency(LatencyHistogram& into, const LatencyHistogram& from);

// The q-th quantile (q in 0..1) in µs; NaN (for SQL, NULL) when it is empty.
// Definition: nearest rank, the ⌈q·N⌉-th smallest of the N observations (the
// smallest for q = 0), as HDR histograms do. The answer then lies in the
// bucket of a real observation, so its error stays within that bucket even
// for a few calls, where interpolating between distant calls would not.
// Inside a bucket its c observations are taken as evenly spread: the k-th at
// lower + (k + 0.5)/c · width, except in the highest non-empty bucket, where
// they end at max_seen_us, the largest value recorded (the caller keeps it
// exactly): the k-th at lower + (k + 1)/c · (max_seen_us − lower). So one
// call, or q = 1, gives max_seen_us, and the overflow bucket needs no bound.
double latency_percentile(const LatencyHistogram& histogram, double q, double max_seen_us);

}  // namespace hastecrm_perf
