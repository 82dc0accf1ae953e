#include "core/job_schedule.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>

namespace hastecrm_perf {
namespace {

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t second = 1'000'000;
constexpr std::int64_t hour = 3600 * second;
constexpr std::int64_t day = 24 * hour;

// The largest double below 1: the top of the caller's [0, 1) draw.
const double almost_one = std::nextafter(1.0, 0.0);

TEST(JobSchedule, IntervalAddsItsParts) {
    EXPECT_EQ(interval_micros({0, 0, 0}), 0);
    EXPECT_EQ(interval_micros({5 * second, 0, 0}), 5 * second);
    EXPECT_EQ(interval_micros({0, 1, 0}), day);
    EXPECT_EQ(interval_micros({0, 0, 1}), 30 * day);  // a month is 30 days here
    EXPECT_EQ(interval_micros({1, 2, 3}), 1 + 2 * day + 90 * day);
    EXPECT_EQ(interval_micros({-hour, 1, 0}), 23 * hour);
    EXPECT_EQ(interval_micros({0, -1, -1}), -31 * day);
}

TEST(JobSchedule, IntervalSaturates) {
    EXPECT_EQ(interval_micros({int64_max, 1, 0}), int64_max);
    EXPECT_EQ(interval_micros({0, INT32_MAX, 0}), int64_max);  // 2^31 days overflow microseconds
    EXPECT_EQ(interval_micros({0, 0, INT32_MAX}), int64_max);
    EXPECT_EQ(interval_micros({int64_max, INT32_MAX, INT32_MAX}), int64_max);
    EXPECT_EQ(interval_micros({int64_min, -1, 0}), int64_min);
    EXPECT_EQ(interval_micros({0, INT32_MIN, INT32_MIN}), int64_min);
    // Parts of opposite signs that cancel are exact, not clamped on the way.
    EXPECT_EQ(interval_micros({int64_max, -1, 0}), int64_max - day);
    EXPECT_EQ(interval_micros({int64_min, 0, 1}), int64_min + 30 * day);
    // Days and months each beyond int64 in microseconds, yet 10 days together.
    EXPECT_EQ(interval_micros({0, -2'000'000'000, 66'666'667}), 10 * day);
}

TEST(JobSchedule, NextSlotOnTimeIsOnePeriodLater) {
    EXPECT_EQ(next_slot(0, hour, 0), hour);
    EXPECT_EQ(next_slot(0, hour, 10 * second), hour);
    EXPECT_EQ(next_slot(0, hour, hour - 1), hour);
}

TEST(JobSchedule, NextSlotOnABoundaryIsTheFollowingOne) {
    EXPECT_EQ(next_slot(0, hour, hour), 2 * hour);
    EXPECT_EQ(next_slot(100, hour, 100 + 5 * hour), 100 + 6 * hour);
}

TEST(JobSchedule, NextSlotKeepsTheCadenceWhenLate) {
    EXPECT_EQ(next_slot(0, hour, 1000 * hour + 5), 1001 * hour);
    EXPECT_EQ(next_slot(7, hour, 3 * hour), 3 * hour + 7);
    // Years late with a one-microsecond cadence: a loop would never finish.
    const std::int64_t year = 365 * day;
    EXPECT_EQ(next_slot(-50 * year, 1, 0), 1);
    EXPECT_EQ(next_slot(-50 * year, 3, 0), 3);  // 50 years is a whole number of 3 µs steps
    EXPECT_EQ(next_slot(-50 * year + 1, 3, 0), 1);
}

TEST(JobSchedule, NextSlotInTheFutureStillMovesOnePeriod) {
    // A clock set back: now before the slot.
    EXPECT_EQ(next_slot(10 * hour, hour, 0), 11 * hour);
}

TEST(JobSchedule, NextSlotSaturatesAndSurvivesExtremes) {
    EXPECT_EQ(next_slot(int64_max - 10, 100, int64_max - 5), int64_max);
    EXPECT_EQ(next_slot(int64_min, 1, int64_max - 1), int64_max);
    EXPECT_EQ(next_slot(int64_min, int64_max, 0), -1 + int64_max);  // int64_min + 2 * int64_max
    EXPECT_EQ(next_slot(int64_min, hour, int64_max), int64_max);
}

TEST(JobSchedule, NextSlotWithoutACadenceReturnsNow) {
    EXPECT_EQ(next_slot(0, 0, 12345), 12345);
    EXPECT_EQ(next_slot(0, -hour, 12345), 12345);
}

const RetryPolicy plain{second, hour, 0.0};

TEST(JobSchedule, RetryDelayDoubles) {
    EXPECT_EQ(retry_delay(1, plain, 0.5), second);
    EXPECT_EQ(retry_delay(2, plain, 0.5), 2 * second);
    EXPECT_EQ(retry_delay(3, plain, 0.5), 4 * second);
    EXPECT_EQ(retry_delay(12, plain, 0.5), 2048 * second);
}

TEST(JobSchedule, RetryDelayIsCapped) {
    EXPECT_EQ(retry_delay(13, plain, 0.5), hour);  // 4096 s > 3600 s
    EXPECT_EQ(retry_delay(40, plain, 0.5), hour);
}

TEST(JobSchedule, FewerThanOneFailureCountsAsOne) {
    EXPECT_EQ(retry_delay(0, plain, 0.5), second);
    EXPECT_EQ(retry_delay(-5, plain, 0.5), second);
    EXPECT_EQ(retry_delay(INT_MIN, plain, 0.5), second);
}

TEST(JobSchedule, HugeFailureCountsDoNotOverflow) {
    EXPECT_EQ(retry_delay(INT_MAX, plain, 0.5), hour);
    EXPECT_EQ(retry_delay(64, plain, 0.5), hour);
    const RetryPolicy uncapped{1, int64_max, 0.0};
    EXPECT_EQ(retry_delay(63, uncapped, 0.5), std::int64_t{1} << 62);
    EXPECT_EQ(retry_delay(64, uncapped, 0.5), int64_max);
    EXPECT_EQ(retry_delay(INT_MAX, uncapped, 0.5), int64_max);
    const RetryPolicy jittery{int64_max / 3, int64_max, 0.5};
    EXPECT_EQ(retry_delay(INT_MAX, jittery, almost_one), int64_max);
    EXPECT_GT(retry_delay(INT_MAX, jittery, 0.0), int64_max / 3);
}

TEST(JobSchedule, JitterStaysWithinItsBounds) {
    const RetryPolicy policy{10 * second, hour, 0.1};
    EXPECT_EQ(retry_delay(1, policy, 0.0), 9 * second);
    EXPECT_EQ(retry_delay(1, policy, 0.5), 10 * second);
    const std::int64_t high = retry_delay(1, policy, almost_one);
    EXPECT_LE(high, 11 * second);
    EXPECT_GT(high, 11 * second - 10);
    // Jitter applies after the cap: a capped delay still spreads.
    EXPECT_EQ(retry_delay(30, policy, 0.0), hour * 9 / 10);
    EXPECT_LE(retry_delay(30, policy, almost_one), hour * 11 / 10);
    EXPECT_GT(retry_delay(30, policy, almost_one), hour);
    for (double unit = 0.0; unit < 1.0; unit += 0.01) {
        const std::int64_t d = retry_delay(3, policy, unit);
        EXPECT_GE(d, 36 * second);
        EXPECT_LE(d, 44 * second);
    }
}

TEST(JobSchedule, RetryDelayIsNeverNegative) {
    EXPECT_EQ(retry_delay(1, RetryPolicy{second, hour, 2.0}, 0.0), 0);  // factor 1 - 2 = -1
    EXPECT_EQ(retry_delay(1, RetryPolicy{-second, hour, 0.0}, 0.5), 0);
    EXPECT_EQ(retry_delay(1, RetryPolicy{second, -hour, 0.0}, 0.5), 0);
    EXPECT_EQ(retry_delay(1, RetryPolicy{second, hour, std::nan("")}, 0.5), second);
}

}  // namespace
}  // namespace hastecrm_perf
