#include "core/n_plus_one.hpp"

#include <gtest/gtest.h>

#include <span>
#include <vector>

namespace hastecrm_perf {
namespace {

constexpr std::uint64_t parent_query = 100, loop_query = 200, other_query = 300;

// One backend's statements on a clock; keeps every suspect reported.
class Session {
public:
    explicit Session(int threshold = 10) : detector_(threshold) {}

    // Runs a statement `gap_us` after the previous one ended.
    Session& run(std::uint64_t queryid, double ms, bool in_block, std::int64_t gap_us = 1000) {
        now_us_ += gap_us + static_cast<std::int64_t>(ms * 1000);
        keep(detector_.statement(queryid, ms, now_us_, in_block));
        return *this;
    }
    Session& in_block(std::uint64_t queryid, double ms = 1.0) { return run(queryid, ms, true); }
    Session& autocommit(std::uint64_t queryid, double ms = 1.0, std::int64_t gap_us = 1000) {
        run(queryid, ms, false, gap_us);
        keep(detector_.end_of_transaction());  // each autocommit statement commits alone
        return *this;
    }
    Session& commit() {
        keep(detector_.end_of_transaction());
        return *this;
    }
    Session& disconnect() {
        keep(detector_.close_unit());
        return *this;
    }

    std::int64_t now_us() const { return now_us_; }
    const std::vector<NPlusOneSuspect>& suspects() const { return suspects_; }

private:
    void keep(std::span<const NPlusOneSuspect> closed) {
        suspects_.insert(suspects_.end(), closed.begin(), closed.end());
    }

    NPlusOneDetector detector_;
    std::int64_t now_us_ = 1'000'000'000;
    std::vector<NPlusOneSuspect> suspects_;
};

TEST(NPlusOne, ALoopInATransactionIsOneSuspectWithItsParent) {
    Session session;
    session.in_block(parent_query, 5.0);
    double wasted_ms = 0;
    for (int n = 0; n < 25; ++n) {
        const double ms = 0.5 + n * 0.25;
        session.in_block(loop_query, ms);
        if (n > 0)
            wasted_ms += ms;
    }
    EXPECT_TRUE(session.suspects().empty());  // reported when the unit closes
    session.commit();
    ASSERT_EQ(session.suspects().size(), 1u);
    const NPlusOneSuspect& suspect = session.suspects()[0];
    EXPECT_EQ(suspect.queryid, loop_query);
    EXPECT_EQ(suspect.parent_queryid, parent_query);
    EXPECT_EQ(suspect.repeats, 25u);
    EXPECT_DOUBLE_EQ(suspect.wasted_ms, wasted_ms);
    EXPECT_EQ(suspect.last_end_us, session.now_us());
}

TEST(NPlusOne, ExactlyTheThresholdIsASuspectOneLessIsNot) {
    Session below;
    for (int n = 0; n < 9; ++n)
        below.in_block(loop_query);
    below.commit();
    EXPECT_TRUE(below.suspects().empty());

    Session at;
    for (int n = 0; n < 10; ++n)
        at.in_block(loop_query);
    at.commit();
    ASSERT_EQ(at.suspects().size(), 1u);
    EXPECT_EQ(at.suspects()[0].repeats, 10u);
    EXPECT_EQ(at.suspects()[0].parent_queryid, 0u);  // first statement of the unit
}

TEST(NPlusOne, ThresholdIsAtLeastTwo) {
    Session session(1);
    session.in_block(loop_query).in_block(other_query).commit();
    EXPECT_TRUE(session.suspects().empty());
    session.in_block(loop_query).in_block(loop_query).commit();
    ASSERT_EQ(session.suspects().size(), 1u);
}

TEST(NPlusOne, AQuickBurstOfAutocommitStatementsIsOneUnit) {
    Session session;
    session.autocommit(parent_query);
    for (int n = 0; n < 12; ++n)
        session.autocommit(loop_query, 2.0, 5000);
    EXPECT_TRUE(session.suspects().empty());  // the burst may go on
    session.autocommit(other_query, 1.0, default_burst_gap_us + 1);  // a pause closes it
    ASSERT_EQ(session.suspects().size(), 1u);
    EXPECT_EQ(session.suspects()[0].queryid, loop_query);
    EXPECT_EQ(session.suspects()[0].parent_queryid, parent_query);
    EXPECT_EQ(session.suspects()[0].repeats, 12u);
    EXPECT_DOUBLE_EQ(session.suspects()[0].wasted_ms, 22.0);
}

TEST(NPlusOne, TheGapIsMeasuredFromTheEndOfThePreviousStatement) {
    Session session;
    for (int n = 0; n < 12; ++n)  // long statements, short pauses: still a burst
        session.autocommit(loop_query, 500.0, default_burst_gap_us);
    session.disconnect();
    ASSERT_EQ(session.suspects().size(), 1u);
    EXPECT_EQ(session.suspects()[0].repeats, 12u);
}

TEST(NPlusOne, AutocommitStatementsSpreadOutAreNotASuspect) {
    Session session;
    for (int n = 0; n < 12; ++n)
        session.autocommit(loop_query, 1.0, default_burst_gap_us + 1);
    session.disconnect();
    EXPECT_TRUE(session.suspects().empty());
}

TEST(NPlusOne, SwitchingBetweenAutocommitAndABlockClosesTheUnit) {
    Session session;
    for (int n = 0; n < 6; ++n)
        session.autocommit(loop_query);
    for (int n = 0; n < 6; ++n)
        session.in_block(loop_query);
    for (int n = 0; n < 6; ++n)  // the block's end went unreported: the switch closes it
        session.run(loop_query, 1.0, false);
    session.disconnect();
    EXPECT_TRUE(session.suspects().empty());  // 6 + 6 + 6, never 10 in one unit
}

TEST(NPlusOne, ConsecutiveTransactionsAreSeparateUnits) {
    Session session;
    for (int t = 0; t < 3; ++t) {
        for (int n = 0; n < 5; ++n)
            session.in_block(loop_query);
        session.commit();
    }
    EXPECT_TRUE(session.suspects().empty());
}

TEST(NPlusOne, TwoLoopsInOneUnitAreTwoSuspectsWithTheirOwnParents) {
    Session session;
    session.in_block(parent_query);
    for (int n = 0; n < 10; ++n)
        session.in_block(loop_query);
    for (int n = 0; n < 15; ++n)
        session.in_block(other_query);
    session.commit();
    ASSERT_EQ(session.suspects().size(), 2u);
    EXPECT_EQ(session.suspects()[0].queryid, loop_query);
    EXPECT_EQ(session.suspects()[0].parent_queryid, parent_query);
    EXPECT_EQ(session.suspects()[0].repeats, 10u);
    EXPECT_EQ(session.suspects()[1].queryid, other_query);
    EXPECT_EQ(session.suspects()[1].parent_queryid, loop_query);
    EXPECT_EQ(session.suspects()[1].repeats, 15u);
}

TEST(NPlusOne, InterleavedLoopsAreBothCounted) {
    Session session;
    session.in_block(parent_query);
    for (int n = 0; n < 12; ++n)
        session.in_block(loop_query).in_block(other_query);
    session.commit();
    ASSERT_EQ(session.suspects().size(), 2u);
    EXPECT_EQ(session.suspects()[0].repeats, 12u);
    EXPECT_EQ(session.suspects()[0].parent_queryid, parent_query);
    EXPECT_EQ(session.suspects()[1].repeats, 12u);
    EXPECT_EQ(session.suspects()[1].parent_queryid, loop_query);
}

TEST(NPlusOne, QueryidZeroIsNeverCountedNorAParent) {
    Session session;
    for (int n = 0; n < 20; ++n)
        session.in_block(0);
    for (int n = 0; n < 10; ++n)
        session.in_block(loop_query);
    session.commit();
    ASSERT_EQ(session.suspects().size(), 1u);
    EXPECT_EQ(session.suspects()[0].queryid, loop_query);
    EXPECT_EQ(session.suspects()[0].parent_queryid, 0u);
}

TEST(NPlusOne, QueryidsBeyondTheCapAreIgnored) {
    Session session;
    for (int n = 0; n < 10; ++n)  // tracked: it came first
        session.in_block(loop_query);
    for (std::uint64_t id = 1000; id < 1000 + 10'000; ++id)
        session.in_block(id);
    for (int n = 0; n < 20; ++n)  // the table is full by now
        session.in_block(other_query);
    session.commit();
    ASSERT_EQ(session.suspects().size(), 1u);
    EXPECT_EQ(session.suspects()[0].queryid, loop_query);

    // The next unit starts with an empty table again.
    for (int n = 0; n < 20; ++n)
        session.in_block(other_query);
    session.commit();
    ASSERT_EQ(session.suspects().size(), 2u);
    EXPECT_EQ(session.suspects()[1].queryid, other_query);
}

TEST(NPlusOne, EveryTrackedQueryCanBeASuspect) {
    Session session(2);
    for (std::uint64_t id = 1; id <= NPlusOneDetector::max_tracked_queries + 10; ++id)
        session.in_block(id).in_block(id);
    session.commit();
    EXPECT_EQ(session.suspects().size(), NPlusOneDetector::max_tracked_queries);
}

TEST(NPlusOne, MemoryIsFixed) {
    EXPECT_LE(sizeof(NPlusOneDetector), 8192u);  // no allocation: all in the object
}

}  // namespace
}  // namespace hastecrm_perf

namespace hastecrm_perf {
namespace {

// A connection that never pauses (a pool serving requests back to back) is
// cut into bursts of max_burst_statements: it is reported as it goes, not
// once as one endless suspect when the connection closes.
TEST(NPlusOneBurstLimit, ANeverPausingConnectionIsCutIntoParts) {
    NPlusOneDetector detector(10);
    std::uint64_t reported = 0;
    std::uint64_t largest = 0;
    // 2,500 statements, one every 10 ms, each taking 1 ms.
    for (std::int64_t n = 1; n <= 2500; ++n) {
        for (const NPlusOneSuspect& suspect : detector.statement(7, 1.0, n * 10'000, false)) {
            ++reported;
            largest = std::max(largest, suspect.repeats);
        }
    }
    EXPECT_EQ(reported, 2u);  // two parts closed; the third is still open
    EXPECT_EQ(largest, max_burst_statements);
}

}  // namespace
}  // namespace hastecrm_perf
