#include "core/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace hastecrm_perf {
namespace {

using H = LatencyHistogram;

constexpr std::uint64_t one_second_us = 1'000'000;

// The nearest-rank percentile of the samples: the definition latency_percentile() follows.
double exact_percentile(std::vector<std::uint64_t> samples, double q) {
    std::sort(samples.begin(), samples.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    return static_cast<double>(samples[std::max(rank, std::size_t{1}) - 1]);
}

struct Recorded {
    H histogram{};
    double max_us = 0;

    explicit Recorded(const std::vector<std::uint64_t>& samples) {
        for (std::uint64_t us : samples) {
            record_latency(histogram, us);
            max_us = std::max(max_us, static_cast<double>(us));
        }
    }

    double percentile(double q) const { return latency_percentile(histogram, q, max_us); }
};

void expect_percentiles_within_10_percent(const std::vector<std::uint64_t>& samples) {
    const Recorded recorded(samples);
    for (double q : {0.5, 0.95, 0.99}) {
        const double exact = exact_percentile(samples, q);
        EXPECT_NEAR(recorded.percentile(q), exact, 0.10 * exact) << "q = " << q;
    }
}

// --- layout ----------------------------------------------------------------

TEST(LatencyHistogram, BucketsAreContiguousFromZeroToBeyond100Seconds) {
    EXPECT_EQ(H::bucket_lower_us(0), 0u);
    EXPECT_EQ(H::bucket_upper_us(0), 1u);
    for (std::size_t i = 0; i + 1 < H::bucket_count; ++i) {
        EXPECT_LT(H::bucket_lower_us(i), H::bucket_upper_us(i)) << i;
        EXPECT_EQ(H::bucket_upper_us(i), H::bucket_lower_us(i + 1)) << i;
    }
    EXPECT_GT(H::bucket_lower_us(H::overflow_bucket), 100 * one_second_us);
    EXPECT_EQ(H::bucket_upper_us(H::overflow_bucket), UINT64_MAX);
}

TEST(LatencyHistogram, BucketsAreAtMostAnEighthOfTheirLowerBoundWide) {
    // 1 µs wide below 16 µs; from there, the width over the lower bound is
    // at most 1/8, so the midpoint is within 6.25% of any value of the bucket.
    for (std::size_t i = 0; i < 16; ++i)
        EXPECT_EQ(H::bucket_upper_us(i) - H::bucket_lower_us(i), 1u) << i;
    for (std::size_t i = 8; i < H::overflow_bucket; ++i) {
        const double lower = static_cast<double>(H::bucket_lower_us(i));
        const double width = static_cast<double>(H::bucket_upper_us(i)) - lower;
        EXPECT_LE(width / lower, 0.125) << i;
    }
}

TEST(LatencyHistogram, EveryBucketHoldsItsOwnBounds) {
    for (std::size_t i = 0; i < H::bucket_count; ++i) {
        EXPECT_EQ(H::bucket_of(H::bucket_lower_us(i)), i);
        EXPECT_EQ(H::bucket_of(H::bucket_upper_us(i) - 1), i);
    }
}

TEST(LatencyHistogram, EveryValueFallsBetweenItsBucketBounds) {
    auto check = [](std::uint64_t us) {
        const std::size_t i = H::bucket_of(us);
        ASSERT_LT(i, H::bucket_count);
        ASSERT_LE(H::bucket_lower_us(i), us);
        if (i != H::overflow_bucket) {  // which has no upper bound
            ASSERT_LT(us, H::bucket_upper_us(i));
        }
    };
    for (std::uint64_t us = 0; us < (1u << 20); ++us)
        check(us);
    std::mt19937_64 random(42);
    for (int n = 0; n < 100000; ++n)
        check(random() >> (random() % 64));
    check(UINT64_MAX);
}

TEST(LatencyHistogram, FitsSharedMemoryAsPlainCounters) {
    EXPECT_EQ(H::bucket_count, 201u);
    EXPECT_EQ(sizeof(H), H::bucket_count * sizeof(std::uint64_t));
    EXPECT_LE(sizeof(H), 2048u);
}

// --- percentiles of whole distributions --------------------------------------

TEST(LatencyHistogram, PercentilesOfAUniformDistribution) {
    std::mt19937_64 random(1);
    std::uniform_int_distribution<std::uint64_t> latency(100, 50'000);
    std::vector<std::uint64_t> samples(100'000);
    for (auto& us : samples)
        us = latency(random);
    expect_percentiles_within_10_percent(samples);
}

TEST(LatencyHistogram, PercentilesOfALogNormalDistribution) {
    std::mt19937_64 random(2);
    std::lognormal_distribution<double> latency(std::log(3000.0), 1.2);  // median 3 ms
    std::vector<std::uint64_t> samples(100'000);
    for (auto& us : samples)
        us = static_cast<std::uint64_t>(std::llround(latency(random)));
    expect_percentiles_within_10_percent(samples);
}

TEST(LatencyHistogram, PercentilesOfABimodalDistribution) {
    // 90% cache hits around 2 ms, 10% disk reads around 80 ms.
    std::mt19937_64 random(3);
    std::normal_distribution<double> fast(2000, 200), slow(80'000, 8000);
    std::bernoulli_distribution is_slow(0.10);
    std::vector<std::uint64_t> samples(100'000);
    for (auto& us : samples)
        us = static_cast<std::uint64_t>(std::llround(is_slow(random) ? slow(random) : fast(random)));
    expect_percentiles_within_10_percent(samples);
}

TEST(LatencyHistogram, PercentilesOfAFewCallsLieInTheBucketOfTheExactOne) {
    // Nearest rank makes this hold for any sample, however sparse or wide.
    std::mt19937_64 random(4);
    std::uniform_real_distribution<double> exponent(0, std::log(600.0 * one_second_us));
    for (int trial = 0; trial < 1000; ++trial) {
        std::vector<std::uint64_t> samples(1 + random() % 40);
        for (auto& us : samples)
            us = static_cast<std::uint64_t>(std::exp(exponent(random)));
        const Recorded recorded(samples);
        for (double q : {0.0, 0.5, 0.95, 0.99, 1.0}) {
            const double estimate = recorded.percentile(q);
            ASSERT_EQ(H::bucket_of(static_cast<std::uint64_t>(estimate)),
                      H::bucket_of(static_cast<std::uint64_t>(exact_percentile(samples, q))))
                << "trial " << trial << ", q = " << q;
            ASSERT_LE(estimate, recorded.max_us);
        }
    }
}

// --- edge cases ----------------------------------------------------------------

TEST(LatencyHistogram, AnEmptyHistogramHasNoPercentile) {
    const H empty{};
    EXPECT_TRUE(std::isnan(latency_percentile(empty, 0.5, 0)));
}

TEST(LatencyHistogram, OneCallIsEveryPercentile) {
    for (std::uint64_t us : std::vector<std::uint64_t>{0, 1, 7, 1234, 987'654, 600 * one_second_us}) {
        const Recorded recorded({us});
        for (double q : {0.0, 0.5, 0.95, 0.99, 1.0})
            EXPECT_EQ(recorded.percentile(q), static_cast<double>(us)) << us << " q = " << q;
    }
}

TEST(LatencyHistogram, CallsInOneBucketStayInsideIt) {
    std::vector<std::uint64_t> samples;
    for (std::uint64_t us = 960; us < 1024; ++us)  // exactly bucket [960, 1024)
        samples.insert(samples.end(), 10, us);
    const Recorded recorded(samples);
    ASSERT_EQ(std::count(recorded.histogram.counts.begin(), recorded.histogram.counts.end(), 0u),
              static_cast<std::ptrdiff_t>(H::bucket_count - 1));
    double previous = 0;
    for (double q = 0; q <= 1.0; q += 0.01) {
        const double p = recorded.percentile(q);
        EXPECT_GE(p, 960.0);
        EXPECT_LE(p, 1023.0);
        EXPECT_GE(p, previous);  // percentiles never decrease with q
        previous = p;
    }
    EXPECT_EQ(recorded.percentile(1.0), 1023.0);
    expect_percentiles_within_10_percent(samples);
}

TEST(LatencyHistogram, ZeroMicrosecondsGoToTheFirstBucket) {
    const Recorded recorded(std::vector<std::uint64_t>(50, 0));
    EXPECT_EQ(recorded.histogram.counts[0], 50u);
    EXPECT_EQ(recorded.percentile(0.5), 0.0);
    EXPECT_EQ(recorded.percentile(0.99), 0.0);
}

TEST(LatencyHistogram, TenMinutesGoToTheOverflowBucketUpToTheMaximum) {
    std::vector<std::uint64_t> samples(90, 1000);
    for (std::uint64_t minutes = 1; minutes <= 10; ++minutes)
        samples.push_back(minutes * 60 * one_second_us);
    const Recorded recorded(samples);
    EXPECT_EQ(recorded.histogram.counts[H::overflow_bucket], 8u);  // 3 .. 10 minutes
    EXPECT_EQ(recorded.histogram.counts[H::bucket_of(120 * one_second_us)], 1u);
    for (double q : {0.95, 0.99, 0.999}) {
        EXPECT_GE(recorded.percentile(q), static_cast<double>(H::bucket_lower_us(H::overflow_bucket)));
        EXPECT_LE(recorded.percentile(q), recorded.max_us);
    }
    EXPECT_EQ(recorded.percentile(1.0), recorded.max_us);
    EXPECT_NEAR(recorded.percentile(0.5), 1000.0, 100.0);
}

TEST(LatencyHistogram, QuantilesOutsideZeroToOneAreClamped) {
    const Recorded recorded({10, 20, 30});
    EXPECT_EQ(recorded.percentile(-1), recorded.percentile(0));
    EXPECT_EQ(recorded.percentile(2), 30.0);
}

// --- merging and concurrency -------------------------------------------------------

TEST(LatencyHistogram, MergingTwoHalvesGivesTheWhole) {
    std::mt19937_64 random(5);
    std::lognormal_distribution<double> latency(std::log(500.0), 2.0);
    std::vector<std::uint64_t> samples(10'000);
    for (auto& us : samples)
        us = static_cast<std::uint64_t>(latency(random));
    const std::vector<std::uint64_t> first(samples.begin(), samples.begin() + 4000);
    const std::vector<std::uint64_t> second(samples.begin() + 4000, samples.end());
    Recorded merged(first);
    merge_latency(merged.histogram, Recorded(second).histogram);
    const Recorded whole(samples);
    EXPECT_EQ(merged.histogram.counts, whole.histogram.counts);
    EXPECT_EQ(latency_percentile(merged.histogram, 0.95, whole.max_us), whole.percentile(0.95));
}

TEST(LatencyHistogram, ConcurrentRecordingLosesNoCall) {
    H shared{};
    constexpr int threads = 4, calls_each = 100'000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&shared, t] {
            for (int n = 0; n < calls_each; ++n)
                record_latency(shared, static_cast<std::uint64_t>(n % 3 + t));  // overlapping buckets
        });
    for (auto& worker : workers)
        worker.join();
    const H copy = snapshot_latency(shared);
    std::uint64_t total = 0;
    for (std::uint64_t count : copy.counts)
        total += count;
    EXPECT_EQ(total, static_cast<std::uint64_t>(threads) * calls_each);
}

}  // namespace
}  // namespace hastecrm_perf
