#include "core/latency_ladder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace hastecrm_perf {
namespace {

using H = LatencyHistogram;

// SPEC §10's default ladder, in seconds.
const std::vector<double> default_ladder = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};

std::vector<LadderStep> steps_of(const std::vector<double>& le_seconds) {
    std::vector<LadderStep> steps;
    for (double le : le_seconds)
        steps.push_back(ladder_step(le * 1e6));
    return steps;
}

std::vector<std::uint64_t> cumulative(const H& histogram, const std::vector<LadderStep>& steps) {
    std::vector<std::uint64_t> out(steps.size());
    cumulative_counts(histogram, steps, out);
    return out;
}

// Latencies spread over 1 µs .. 200 s, log-uniform, with clusters on and
// around ladder bounds where the straddling share matters most.
std::uint64_t random_latency(std::mt19937_64& random) {
    std::uniform_real_distribution<double> exponent(0.0, std::log(2e8));
    if (random() % 4 == 0) {
        const double le_us = default_ladder[random() % default_ladder.size()] * 1e6;
        std::uniform_real_distribution<double> around(0.9, 1.1);
        return static_cast<std::uint64_t>(le_us * around(random));
    }
    return static_cast<std::uint64_t>(std::exp(exponent(random)));
}

TEST(LatencyLadder, StepsOfBoundsOnBucketEdgesHaveNoShare) {
    for (std::size_t bucket = 1; bucket < H::overflow_bucket; ++bucket) {
        const LadderStep step = ladder_step(static_cast<double>(H::bucket_lower_us(bucket)));
        EXPECT_EQ(step.straddling, bucket);
        EXPECT_EQ(step.share, 0.0);
    }
    const LadderStep inside = ladder_step(2500.0);  // 2.5 ms, inside [2304, 2560)
    EXPECT_EQ(inside.straddling, H::bucket_of(2500));
    EXPECT_DOUBLE_EQ(inside.share, (2500.0 - 2304.0) / 256.0);
}

TEST(LatencyLadder, BoundsBeyondTheTopBucketNeverCountTheOverflowButInfinityDoes) {
    H histogram{};
    record_latency(histogram, 10);
    record_latency(histogram, 200'000'000);  // 200 s: overflow
    const std::vector<LadderStep> steps = {ladder_step(150e6), ladder_step(1e12),
                                           ladder_step(std::numeric_limits<double>::infinity())};
    EXPECT_EQ(cumulative(histogram, steps), (std::vector<std::uint64_t>{1, 1, 2}));
}

TEST(LatencyLadder, NothingIsAtOrBelowZeroOrNaN) {
    H histogram{};
    record_latency(histogram, 0);
    EXPECT_EQ(cumulative(histogram, {ladder_step(0), ladder_step(std::nan(""))}),
              (std::vector<std::uint64_t>{0, 0}));
    // Bucket 0 holds [0, 1 µs): half a microsecond counts floor(1 × 0.5) = 0 of one call, 5 of ten.
    for (int i = 0; i < 9; ++i)
        record_latency(histogram, 0);
    EXPECT_EQ(cumulative(histogram, {ladder_step(0.5)}), (std::vector<std::uint64_t>{5}));
}

// The property rate() needs: under any sequence of recordings no cumulative
// bucket ever goes down, and at every moment the buckets grow with `le` and
// never exceed the count (the +Inf bucket).
TEST(LatencyLadder, CumulativeCountsOnlyEverGrowUnderAnySequenceOfRecordings) {
    std::vector<double> ladder = default_ladder;
    ladder.push_back(std::numeric_limits<double>::infinity());
    const std::vector<LadderStep> steps = steps_of(ladder);
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        std::mt19937_64 random(seed);
        H histogram{};
        std::vector<std::uint64_t> previous(steps.size(), 0);
        for (int i = 0; i < 3000; ++i) {
            // Bursts into one bucket too: they move a straddling share most.
            const std::uint64_t us = random_latency(random);
            const int repeat = random() % 10 == 0 ? static_cast<int>(random() % 50) : 1;
            for (int r = 0; r < repeat; ++r)
                record_latency(histogram, us);
            const std::vector<std::uint64_t> now = cumulative(histogram, steps);
            for (std::size_t b = 0; b < steps.size(); ++b) {
                ASSERT_GE(now[b], previous[b]) << "seed " << seed << " step " << i << " le " << ladder[b];
                if (b > 0) {
                    ASSERT_GE(now[b], now[b - 1]) << "le " << ladder[b];
                }
            }
            ASSERT_EQ(now.back(), total_count(histogram)) << "count equals the last (+Inf) bucket";
            previous = now;
        }
    }
}

// A share fixed by bucket and bound: adding calls in other buckets leaves the
// contribution of the ones already there unchanged (up to the one call floor()
// may round away), whatever their order.
TEST(LatencyLadder, ShareOfABucketDoesNotDependOnOtherBuckets) {
    const std::vector<LadderStep> steps = steps_of(default_ladder);
    std::mt19937_64 random(7);
    for (int round = 0; round < 200; ++round) {
        H a{}, b{}, both{};
        for (int i = 0; i < 100; ++i) {
            const std::uint64_t us = random_latency(random);
            record_latency(i % 2 ? a : b, us);
            record_latency(both, us);
        }
        const auto ca = cumulative(a, steps), cb = cumulative(b, steps), cboth = cumulative(both, steps);
        for (std::size_t i = 0; i < steps.size(); ++i) {
            EXPECT_GE(cboth[i], ca[i] + cb[i]);
            EXPECT_LE(cboth[i], ca[i] + cb[i] + 1);
        }
    }
}

// The stated error bound, against the exact count of the samples at or below
// each bound: within the straddling bucket, i.e. between the exact counts
// below its lower and below its upper bound.
TEST(LatencyLadder, ErrorStaysWithinTheStraddlingBucket) {
    const std::vector<LadderStep> steps = steps_of(default_ladder);
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        std::mt19937_64 random(seed * 31);
        H histogram{};
        std::vector<std::uint64_t> samples;
        for (int i = 0; i < 5000; ++i) {
            samples.push_back(random_latency(random));
            record_latency(histogram, samples.back());
        }
        std::sort(samples.begin(), samples.end());
        const auto count_below = [&](double us) {  // samples < us
            return static_cast<std::uint64_t>(std::lower_bound(samples.begin(), samples.end(), us) - samples.begin());
        };
        const auto got = cumulative(histogram, steps);
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const double le_us = default_ladder[i] * 1e6;
            const std::size_t bucket = steps[i].straddling;
            const double lower = static_cast<double>(H::bucket_lower_us(bucket));
            const double upper = static_cast<double>(H::bucket_upper_us(bucket));
            EXPECT_GE(got[i], count_below(lower)) << "le " << default_ladder[i];
            EXPECT_LE(got[i], count_below(upper)) << "le " << default_ladder[i];
            const auto exact = static_cast<std::uint64_t>(
                std::upper_bound(samples.begin(), samples.end(), static_cast<std::uint64_t>(le_us)) - samples.begin());
            const std::uint64_t error = got[i] > exact ? got[i] - exact : exact - got[i];
            EXPECT_LE(error, histogram.counts[bucket]) << "le " << default_ladder[i];
            // The straddling bucket is at most an eighth of the bound wide.
            EXPECT_LE(upper - lower, le_us / 8 + 1);
        }
    }
}

TEST(LatencyLadder, KnownDistributionLandsInItsLadderBuckets) {
    // 80% at 3 ms, 17% at 15 ms, 3% at 70 ms: each value far from a bound.
    H histogram{};
    for (int i = 0; i < 80; ++i)
        record_latency(histogram, 3000);
    for (int i = 0; i < 17; ++i)
        record_latency(histogram, 15000);
    for (int i = 0; i < 3; ++i)
        record_latency(histogram, 70000);
    EXPECT_EQ(cumulative(histogram, steps_of(default_ladder)),
              (std::vector<std::uint64_t>{0, 0, 0, 80, 80, 97, 97, 100, 100, 100, 100, 100, 100, 100}));
}

TEST(LatencyLadder, LaddersThatCannotBeUsedAreNamed) {
    EXPECT_EQ(ladder_problem(default_ladder), nullptr);
    EXPECT_EQ(ladder_problem(std::vector<double>{0}), nullptr);
    EXPECT_STREQ(ladder_problem({}), "le must hold at least one bound");
    EXPECT_STREQ(ladder_problem(std::vector<double>(101, 1.0)), "le must hold at most 100 bounds");
    EXPECT_STREQ(ladder_problem(std::vector<double>{0.1, std::nan("")}), "le bounds must be finite (+Inf is implied)");
    EXPECT_STREQ(ladder_problem(std::vector<double>{std::numeric_limits<double>::infinity()}),
                 "le bounds must be finite (+Inf is implied)");
    EXPECT_STREQ(ladder_problem(std::vector<double>{-0.1, 1}), "le bounds must not be negative");
    EXPECT_STREQ(ladder_problem(std::vector<double>{0.1, 0.1}), "le bounds must be strictly increasing");
    EXPECT_STREQ(ladder_problem(std::vector<double>{1, 0.5}), "le bounds must be strictly increasing");
}

}  // namespace
}  // namespace hastecrm_perf
