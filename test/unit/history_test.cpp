// The history core: deltas of statement readings, top-N with an exact
// remainder, the histogram encoding and percentiles of a merged window.
#include "core/histogram_codec.hpp"
#include "core/lock_episode_ring.hpp"
#include "core/statement_delta.hpp"
#include "core/top_statements.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

using H = LatencyHistogram;

StatementReading reading(std::uint64_t queryid, std::int64_t first_seen,
                         const std::vector<std::uint64_t>& latencies_us) {
    StatementReading r;
    r.key = StatementKey{10, 5, queryid};
    r.first_seen = first_seen;
    for (std::uint64_t us : latencies_us) {
        ++r.counts.calls;
        r.counts.rows += 2;
        r.counts.total_us += us;
        record_latency(r.counts.histogram, us);
        r.max_us = std::max(r.max_us, us);
    }
    return r;
}

// Calls of `r` after `more`, as the live table would hold them.
StatementReading later(StatementReading r, const std::vector<std::uint64_t>& more) {
    for (std::uint64_t us : more) {
        ++r.counts.calls;
        r.counts.rows += 2;
        r.counts.total_us += us;
        record_latency(r.counts.histogram, us);
        r.max_us = std::max(r.max_us, us);
    }
    return r;
}

std::uint64_t histogram_total(const H& h) {
    std::uint64_t n = 0;
    for (std::uint64_t c : h.counts)
        n += c;
    return n;
}

TEST(StatementDelta, SameEntryGivesTheDifference) {
    const StatementReading before = reading(1, 100, {50, 60, 70});
    StatementReading now = later(before, {1000, 2000});
    now.counts.errors = 3;
    const auto delta = statement_delta(&before, now, 500);
    ASSERT_TRUE(delta);
    EXPECT_EQ(delta->counts.calls, 2u);
    EXPECT_EQ(delta->counts.errors, 3u);
    EXPECT_EQ(delta->counts.rows, 4u);
    EXPECT_EQ(delta->counts.total_us, 3000u);
    EXPECT_EQ(histogram_total(delta->counts.histogram), 2u);
    EXPECT_EQ(delta->counts.histogram.counts[H::bucket_of(1000)], 1u);
    EXPECT_EQ(delta->counts.histogram.counts[H::bucket_of(50)], 0u);
    ASSERT_TRUE(delta->max_us);
    EXPECT_EQ(*delta->max_us, 2000u);
}

TEST(StatementDelta, MaximumUnknownWhenItDidNotRise) {
    const StatementReading before = reading(1, 100, {5000});
    const auto delta = statement_delta(&before, later(before, {10, 20}), 500);
    ASSERT_TRUE(delta);
    EXPECT_FALSE(delta->max_us);
}

TEST(StatementDelta, NothingDoneGivesNoRow) {
    const StatementReading before = reading(1, 100, {5000});
    EXPECT_FALSE(statement_delta(&before, before, 500));
}

// Evicted and created again between two snapshots: a new first-seen time
// after the previous snapshot, counters smaller than before. The delta is
// the new life only, never negative.
TEST(StatementDelta, RecreatedEntryCountsItsNewLifeOnly) {
    const StatementReading before = reading(1, 100, {50, 60, 70, 80});
    const StatementReading again = reading(1, 700, {900});
    const auto delta = statement_delta(&before, again, 500);
    ASSERT_TRUE(delta);
    EXPECT_EQ(delta->counts.calls, 1u);
    EXPECT_EQ(delta->counts.total_us, 900u);
    EXPECT_EQ(*delta->max_us, 900u);
}

// Re-created with more calls than before: still not subtracted from the old life.
TEST(StatementDelta, RecreatedEntryWithMoreCallsIsNotSubtracted) {
    const StatementReading before = reading(1, 100, {50});
    const StatementReading again = reading(1, 700, {900, 900, 900});
    const auto delta = statement_delta(&before, again, 500);
    ASSERT_TRUE(delta);
    EXPECT_EQ(delta->counts.calls, 3u);
}

// A postmaster restart or crash loses the previous readings; entries made
// since then were first seen after the previous snapshot and count whole.
TEST(StatementDelta, AfterARestartEntriesSinceItCountWhole) {
    const StatementReading now = reading(1, 900, {10, 20});
    const auto delta = statement_delta(nullptr, now, 500);
    ASSERT_TRUE(delta);
    EXPECT_EQ(delta->counts.calls, 2u);
}

// An entry older than the previous snapshot without its previous reading
// (the baseline was lost, or history was just turned on): its counts may
// include calls already recorded, so it gives no delta, only a baseline.
TEST(StatementDelta, OldEntryWithoutBaselineIsNotCountedTwice) {
    const StatementReading now = reading(1, 100, {10, 20});
    EXPECT_FALSE(statement_delta(nullptr, now, 500));
    EXPECT_FALSE(statement_delta(nullptr, now, std::nullopt));
}

// Same first-seen time but a counter went down (a reset within the same
// microsecond, or a torn reading): no negative delta.
TEST(StatementDelta, CounterGoingDownIsNeverNegative) {
    const StatementReading before = reading(1, 100, {50, 60, 70});
    StatementReading now = reading(1, 100, {50});
    EXPECT_FALSE(statement_delta(&before, now, 500));
    now.first_seen = 600;
    const auto delta = statement_delta(&before, now, 500);
    ASSERT_TRUE(delta);
    EXPECT_EQ(delta->counts.calls, 1u);
}

// Summing the deltas of consecutive snapshots gives the live counts again.
TEST(StatementDelta, ConsecutiveDeltasAddUpToTheReading) {
    StatementReading r = reading(1, 100, {});
    StatementCounts sum;
    std::optional<StatementReading> previous;
    std::int64_t snapshot = 50;  // before the entry existed
    for (int round = 0; round < 5; ++round) {
        r = later(r, {static_cast<std::uint64_t>(10 * (round + 1)), 5000});
        const auto delta = statement_delta(previous ? &*previous : nullptr, r, snapshot);
        ASSERT_TRUE(delta);
        add_counts(sum, delta->counts);
        previous = r;
        snapshot += 1000;
    }
    EXPECT_EQ(sum.calls, r.counts.calls);
    EXPECT_EQ(sum.total_us, r.counts.total_us);
    EXPECT_EQ(sum.histogram.counts, r.counts.histogram.counts);
}

StatementDelta delta_of(std::uint32_t dbid, std::uint64_t queryid, std::uint64_t total_us,
                        std::optional<std::uint64_t> max_us = std::nullopt) {
    StatementDelta d;
    d.key = StatementKey{1, dbid, queryid};
    d.counts.calls = 1;
    d.counts.total_us = total_us;
    record_latency(d.counts.histogram, total_us);
    d.max_us = max_us;
    return d;
}

TEST(TopStatements, KeepsTheBusiestAndAnExactRemainderPerDatabase) {
    testing::HeapResource heap;
    Vector<StatementDelta> deltas(&heap);
    deltas.push_back(delta_of(1, 11, 100, 100));
    deltas.push_back(delta_of(1, 12, 900, 900));
    deltas.push_back(delta_of(2, 21, 500, 500));
    deltas.push_back(delta_of(2, 22, 50, 50));
    deltas.push_back(delta_of(2, 23, 70));
    const Vector<KeptStatement> kept = keep_top_statements(deltas, 2, heap);
    ASSERT_EQ(kept.size(), 4u);
    EXPECT_EQ(kept[0].delta.key.queryid, 12u);
    EXPECT_EQ(kept[1].delta.key.queryid, 21u);
    EXPECT_TRUE(kept[2].other);
    EXPECT_EQ(kept[2].delta.key.dbid, 1u);
    EXPECT_EQ(kept[2].delta.counts.total_us, 100u);
    EXPECT_EQ(*kept[2].delta.max_us, 100u);
    EXPECT_TRUE(kept[3].other);
    EXPECT_EQ(kept[3].delta.key.dbid, 2u);
    EXPECT_EQ(kept[3].delta.counts.calls, 2u);
    EXPECT_EQ(kept[3].delta.counts.total_us, 120u);
    EXPECT_EQ(histogram_total(kept[3].delta.counts.histogram), 2u);
    EXPECT_FALSE(kept[3].delta.max_us);  // one part's maximum is unknown

    std::uint64_t total = 0;
    for (const KeptStatement& k : kept)
        total += k.delta.counts.total_us;
    EXPECT_EQ(total, 100u + 900 + 500 + 50 + 70);
}

TEST(TopStatements, AllKeptMeansNoRemainder) {
    testing::HeapResource heap;
    Vector<StatementDelta> deltas(&heap);
    deltas.push_back(delta_of(1, 11, 100));
    deltas.push_back(delta_of(1, 12, 100));
    const Vector<KeptStatement> kept = keep_top_statements(deltas, 10, heap);
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(kept[0].delta.key.queryid, 11u);  // ties by key
    EXPECT_FALSE(kept[1].other);
    EXPECT_TRUE(keep_top_statements(Vector<StatementDelta>(&heap), 10, heap).empty());
}

TEST(HistogramCodec, RoundTripIsExactAndSmall) {
    testing::HeapResource heap;
    H h{};
    for (std::uint64_t us : {3u, 3u, 250u, 1200u, 1300u, 90000u})
        record_latency(h, us);
    h.counts[H::overflow_bucket] = 1'000'000'000'000ull;
    Vector<std::uint8_t> bytes(&heap);
    encode_histogram(h, bytes);
    EXPECT_LT(bytes.size(), 20u);
    H back{};
    ASSERT_TRUE(add_encoded_histogram(bytes.data(), bytes.size(), back));
    EXPECT_EQ(back.counts, h.counts);
}

TEST(HistogramCodec, EmptyAndFullHistograms) {
    testing::HeapResource heap;
    Vector<std::uint8_t> bytes(&heap);
    encode_histogram(H{}, bytes);
    EXPECT_EQ(bytes.size(), 1u);
    H back{};
    ASSERT_TRUE(add_encoded_histogram(bytes.data(), bytes.size(), back));
    EXPECT_EQ(histogram_total(back), 0u);

    H full{};
    full.counts.fill(~std::uint64_t{0} / H::bucket_count);
    bytes.clear();
    encode_histogram(full, bytes);
    EXPECT_LT(bytes.size(), 2100u);
    H decoded{};
    ASSERT_TRUE(add_encoded_histogram(bytes.data(), bytes.size(), decoded));
    EXPECT_EQ(decoded.counts, full.counts);
}

TEST(HistogramCodec, MergingDecodedDeltasIsExact) {
    testing::HeapResource heap;
    H a{}, b{}, sum{};
    for (std::uint64_t us = 1; us < 200000; us = us * 3 + 1)
        record_latency(a, us);
    for (std::uint64_t us = 7; us < 9000000; us = us * 2 + 5)
        record_latency(b, us);
    merge_latency(sum, a);
    merge_latency(sum, b);
    Vector<std::uint8_t> ea(&heap), eb(&heap);
    encode_histogram(a, ea);
    encode_histogram(b, eb);
    H merged{};
    ASSERT_TRUE(add_encoded_histogram(ea.data(), ea.size(), merged));
    ASSERT_TRUE(add_encoded_histogram(eb.data(), eb.size(), merged));
    EXPECT_EQ(merged.counts, sum.counts);
}

TEST(HistogramCodec, RejectsMalformedBytes) {
    H into{};
    record_latency(into, 5);
    const H before = into;
    const std::vector<std::vector<std::uint8_t>> bad = {
        {},                    // no version
        {2, 0, 1},             // unknown version
        {1, 0},                // a gap without a count
        {1, 0, 0},             // zero count
        {1, 0x80},             // truncated varint
        {1, 0xC9, 0x01, 1},        // gap 201: past the last bucket
        {1, 0xC8, 0x01, 1, 0, 1},  // the last bucket (200), then one past it
        {1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F},  // > 64 bits
    };
    for (const auto& bytes : bad)
        EXPECT_FALSE(add_encoded_histogram(bytes.data(), bytes.size(), into));
    EXPECT_EQ(into.counts, before.counts);
    const std::vector<std::uint8_t> last = {1, 0xC8, 0x01, 1};
    EXPECT_TRUE(add_encoded_histogram(last.data(), last.size(), into));
    EXPECT_EQ(into.counts[H::overflow_bucket], 1u);
    H huge{};
    huge.counts[0] = ~std::uint64_t{0};
    const std::vector<std::uint8_t> one = {1, 0, 1};
    EXPECT_FALSE(add_encoded_histogram(one.data(), one.size(), huge));  // would overflow
}

// Two windows with different workloads: each window's percentiles come from
// its own deltas, not from the lifetime of the entry.
TEST(WindowPercentiles, EachWindowHasItsOwnShape) {
    StatementReading r = reading(1, 100, {});
    std::vector<std::uint64_t> fast(100, 1000), slow(100, 50000);
    const StatementReading at_1 = later(r, fast);
    const StatementReading at_2 = later(at_1, slow);
    const auto first = statement_delta(nullptr, at_1, 50);
    const auto second = statement_delta(&at_1, at_2, 150);
    ASSERT_TRUE(first && second);
    const double p99_first = latency_percentile(
        first->counts.histogram, 0.99, window_max_us(first->counts.histogram, 1000.0));
    const double p99_second = latency_percentile(
        second->counts.histogram, 0.99,
        window_max_us(second->counts.histogram, second->max_us ? std::optional<double>(*second->max_us) : std::nullopt));
    EXPECT_NEAR(p99_first, 1000, 100);
    EXPECT_NEAR(p99_second, 50000, 5000);
    // The lifetime p99 is the slow window's.
    EXPECT_NEAR(latency_percentile(at_2.counts.histogram, 0.99, 50000), 50000, 5000);
    const double p50_second = latency_percentile(second->counts.histogram, 0.5, 50000);
    EXPECT_NEAR(p50_second, 50000, 5000);
}

TEST(WindowPercentiles, UnknownMaximumUsesTheTopBucketBound) {
    H h{};
    record_latency(h, 1000);
    const std::size_t b = H::bucket_of(1000);
    EXPECT_EQ(window_max_us(h, std::nullopt), static_cast<double>(H::bucket_upper_us(b)));
    EXPECT_EQ(window_max_us(h, 1010.0), 1010.0);
    EXPECT_EQ(window_max_us(h, 5.0), static_cast<double>(H::bucket_upper_us(b)));  // not in the top bucket
    H over{};
    record_latency(over, 500'000'000);
    EXPECT_EQ(window_max_us(over, std::nullopt), static_cast<double>(H::overflow_lower_us));
    EXPECT_TRUE(std::isnan(latency_percentile(H{}, 0.5, window_max_us(H{}, std::nullopt))));
}

}  // namespace
}  // namespace hastecrm_perf

namespace hastecrm_perf {
namespace {

struct TestEpisode {
    std::uint64_t sequence = 0;
    bool ended = false;
    bool written = false;
    std::int32_t waiter_pid = 0;
    std::int64_t started = 0;
    std::int64_t last_seen = 0;
    std::uint64_t waiter_queryid = 0;
    std::int64_t waiter_statement_start = 0;
};
struct TestLater {
    std::int32_t pid;
    std::int64_t statement_start;
    std::uint64_t queryid;
};

constexpr std::size_t ring_size = 4;

TestEpisode waiting(std::int32_t pid, std::int64_t started, std::int64_t now, std::uint64_t queryid = 7) {
    TestEpisode e;
    e.waiter_pid = pid;
    e.started = started;
    e.last_seen = now;
    e.waiter_queryid = queryid;
    e.waiter_statement_start = started - 1;
    return e;
}

void sample(TestEpisode* ring, std::vector<TestEpisode> seen, std::vector<TestLater> later = {}) {
    merge_episode_sample<ring_size>(ring, seen.data(), seen.size(), later.data(), later.size());
}

// A 3-second wait seen by three samples is one episode, ended after it.
TEST(LockEpisodeRing, OneEpisodePerWaiterAndWait) {
    TestEpisode ring[ring_size] = {};
    for (std::int64_t now = 1; now <= 3; ++now)
        sample(ring, {waiting(42, 0, now)});
    EXPECT_EQ(ring[0].sequence, 1u);
    EXPECT_FALSE(ring[0].ended);
    EXPECT_EQ(ring[0].last_seen, 3);
    EXPECT_EQ(ring[1].sequence, 0u);
    sample(ring, {});
    EXPECT_TRUE(ring[0].ended);
    // The same pid waiting again is a new episode.
    sample(ring, {waiting(42, 10, 11)});
    EXPECT_EQ(ring[1].sequence, 2u);
    EXPECT_EQ(ring[1].started, 10);
    EXPECT_TRUE(ring[0].ended);
}

// A full ring reuses written slots first, then the oldest.
TEST(LockEpisodeRing, BoundedReusesWrittenThenOldest) {
    TestEpisode ring[ring_size] = {};
    sample(ring, {waiting(1, 0, 1), waiting(2, 0, 1), waiting(3, 0, 1), waiting(4, 0, 1)});
    sample(ring, {});
    ring[2].written = true;
    sample(ring, {waiting(5, 5, 6)});
    EXPECT_EQ(ring[2].waiter_pid, 5);
    EXPECT_FALSE(ring[2].written);
    sample(ring, {waiting(5, 5, 7), waiting(6, 6, 7)});
    EXPECT_EQ(ring[0].waiter_pid, 6);  // the oldest (sequence 1) made room
    EXPECT_EQ(ring[2].last_seen, 7);
}

TEST(LockEpisodeRing, WaiterGetsItsStatementsQueryidWhenItEnds) {
    TestEpisode ring[ring_size] = {};
    sample(ring, {waiting(42, 100, 101, 0), waiting(43, 100, 101, 0)});
    // 42 still runs the statement it waited in; 43 has moved on to another.
    sample(ring, {}, {TestLater{42, 99, 555}, TestLater{43, 150, 777}});
    EXPECT_TRUE(ring[0].ended);
    EXPECT_EQ(ring[0].waiter_queryid, 555u);
    EXPECT_EQ(ring[1].waiter_queryid, 0u);
}

}  // namespace
}  // namespace hastecrm_perf
