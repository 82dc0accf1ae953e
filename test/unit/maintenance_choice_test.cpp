#include "core/maintenance_choice.hpp"

#include <gtest/gtest.h>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;
constexpr std::int64_t minute = 60'000'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;

AnalyzeCandidate table(std::uint32_t relid, double reltuples, std::int64_t changes,
                       bool analyzed = true) {
    AnalyzeCandidate candidate;
    candidate.relid = relid;
    candidate.reltuples = reltuples;
    candidate.mod_since_analyze = changes;
    candidate.ever_analyzed = analyzed;
    return candidate;
}

Vector<std::uint32_t> relids(const Vector<AnalyzeChoice>& choices) {
    Vector<std::uint32_t> ids(&heap);
    for (const AnalyzeChoice& choice : choices)
        ids.push_back(choice.relid);
    return ids;
}

Vector<std::uint32_t> ids(std::initializer_list<std::uint32_t> list) {
    Vector<std::uint32_t> v(&heap);
    v.assign(list.begin(), list.end());
    return v;
}

TEST(AnalyzeChoice, AutoanalyzeRuleWithTheDefaults) {
    Vector<AnalyzeCandidate> tables(&heap);
    // 50 + 0.1 * 1000 = 150: stale only above it, as autovacuum's ">" says.
    tables.push_back(table(1, 1000, 150));
    tables.push_back(table(2, 1000, 151));
    tables.push_back(table(3, 0, 51));
    tables.push_back(table(4, 0, 50));
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({2, 3}));
}

TEST(AnalyzeChoice, NeverCountedRowsCountAsZero) {
    Vector<AnalyzeCandidate> tables(&heap);
    tables.push_back(table(1, -1, 51));
    tables.push_back(table(2, -1, 50));
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({1}));
}

TEST(AnalyzeChoice, NeverAnalyzedTablesAreChosenEvenUnchanged) {
    Vector<AnalyzeCandidate> tables(&heap);
    tables.push_back(table(1, 10, 0, false));
    tables.push_back(table(2, 10, 0, true));
    tables.push_back(table(3, 10, 0, true));
    tables[2].mod_since_analyze = 0;
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({1}));
}

TEST(AnalyzeChoice, ReloptionsOverrideEachSettingOnItsOwn) {
    Vector<AnalyzeCandidate> tables(&heap);
    tables.push_back(table(1, 1000, 20));
    tables[0].reloption_threshold = 10;  // 10 + 0.1 * 1000 = 110: not stale
    tables.push_back(table(2, 1000, 20));
    tables[1].reloption_threshold = 10;
    tables[1].reloption_scale_factor = 0.0;  // 10: stale
    tables.push_back(table(3, 1000, 120));
    tables[2].reloption_scale_factor = 0.5;  // 50 + 500: not stale
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({2}));
    // The settings themselves; table 3 keeps its own scale factor (0 + 500).
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{0, 0.0}, heap)), ids({1, 2}));
}

TEST(AnalyzeChoice, PartitionedParentsCountTheirLeaves) {
    Vector<AnalyzeCandidate> tables(&heap);
    AnalyzeCandidate parent = table(10, -1, 0);
    parent.partitioned = true;
    tables.push_back(parent);
    AnalyzeCandidate middle = table(11, -1, 0);
    middle.partitioned = true;
    middle.parent = 10;
    tables.push_back(middle);
    // Leaves (any level): 2 * 1000 rows, 130 + 130 changed. Each leaf alone
    // is fresh (130 <= 150); the parent is stale (260 > 50 + 0.1 * 2000).
    for (std::uint32_t leaf : {12u, 13u}) {
        AnalyzeCandidate partition = table(leaf, 1000, 130);
        partition.parent = 10;
        tables.push_back(partition);
    }
    // The middle level is also a parent, of nothing here: it is analyzed
    // only when never analyzed.
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({10}));
    tables[0].ever_analyzed = true;
    tables[2].mod_since_analyze = 10;
    tables[3].mod_since_analyze = 10;
    EXPECT_TRUE(choose_tables_to_analyze(tables, AnalyzeRule{}, heap).empty());
    tables[0].ever_analyzed = false;  // never analyzed: chosen though unchanged
    const auto chosen = choose_tables_to_analyze(tables, AnalyzeRule{}, heap);
    ASSERT_EQ(chosen.size(), 1u);
    EXPECT_TRUE(chosen[0].never_analyzed);
    EXPECT_EQ(chosen[0].changes, 20);
}

TEST(AnalyzeChoice, LeavesOfAChosenParentNeedNoTurnOfTheirOwn) {
    Vector<AnalyzeCandidate> tables(&heap);
    AnalyzeCandidate parent = table(10, -1, 0, false);
    parent.partitioned = true;
    tables.push_back(parent);
    AnalyzeCandidate leaf = table(11, 1000, 900);  // stale by itself
    leaf.parent = 10;
    tables.push_back(leaf);
    tables.push_back(table(12, 1000, 900));  // not a partition
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({10, 12}));
    tables[0].ever_analyzed = true;  // 900 > 50 + 100: the parent is stale too
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({10, 12}));
}

TEST(AnalyzeChoice, ManyTablesInAnyOrder) {
    // Relids out of order, parents before and after their leaves, a leaf
    // whose root is not a candidate.
    Vector<AnalyzeCandidate> tables(&heap);
    for (std::uint32_t i = 0; i < 300; ++i) {
        const std::uint32_t relid = 100000 - i * 7;
        AnalyzeCandidate candidate = table(relid, 1000, i % 2 ? 500 : 10);
        if (i % 3 == 0) {
            candidate.partitioned = true;
            candidate.mod_since_analyze = 0;
        } else {
            candidate.parent = 100000 - (i - i % 3) * 7;  // the partitioned one of its group
        }
        tables.push_back(candidate);
    }
    AnalyzeCandidate orphan = table(5, 1000, 500);
    orphan.parent = 4;  // not a candidate
    tables.push_back(orphan);
    const auto chosen = choose_tables_to_analyze(tables, AnalyzeRule{}, heap);
    // Each group: leaves 10 and 500 changes of 2000 rows: 510 > 250, the
    // parent is stale and its leaves are left to it; the orphan is stale.
    EXPECT_EQ(chosen.size(), 101u);
    for (const AnalyzeChoice& choice : chosen)
        EXPECT_TRUE(choice.relid == 5 || (100000 - choice.relid) % 21 == 0) << choice.relid;
}

TEST(AnalyzeChoice, LargestChangeFirst) {
    Vector<AnalyzeCandidate> tables(&heap);
    tables.push_back(table(1, 0, 100));
    tables.push_back(table(2, 0, 10'000));
    tables.push_back(table(3, 0, 0, false));
    tables.push_back(table(4, 0, 1'000));
    tables.push_back(table(5, 0, 100, false));
    EXPECT_EQ(relids(choose_tables_to_analyze(tables, AnalyzeRule{}, heap)), ids({2, 4, 5, 1, 3}));
}

IndexCandidate index(std::uint32_t id, std::uint32_t table, std::int64_t bytes, double bloat) {
    IndexCandidate candidate;
    candidate.index = id;
    candidate.table = table;
    candidate.bytes = bytes;
    candidate.bloat_pct = bloat;
    return candidate;
}

TEST(IndexChoice, BloatAndSizeBothAtLeastTheMinimum) {
    const ReindexRule rule{30, 1000};
    Vector<IndexCandidate> indexes(&heap);
    indexes.push_back(index(1, 100, 1000, 30));  // exactly both minimums
    indexes.push_back(index(2, 101, 999, 90));   // too small
    indexes.push_back(index(3, 102, 5000, 29.9));
    indexes.push_back(index(4, 103, 5000, 100));
    EXPECT_FALSE(worth_measuring(indexes[1], rule));
    EXPECT_TRUE(worth_measuring(indexes[2], rule));
    EXPECT_EQ(choose_indexes_to_rebuild(indexes, rule, heap), ids({4, 1}));
}

TEST(IndexChoice, MostReclaimableFirst) {
    const ReindexRule rule{10, 0};
    Vector<IndexCandidate> indexes(&heap);
    indexes.push_back(index(1, 100, 1000, 50));   // 500
    indexes.push_back(index(2, 100, 10000, 20));  // 2000
    indexes.push_back(index(3, 200, 3000, 50));   // 1500
    EXPECT_EQ(choose_indexes_to_rebuild(indexes, rule, heap), ids({2, 3, 1}));
}

TEST(IndexChoice, NotWhileAnIndexOfTheTableIsBeingBuilt) {
    const ReindexRule rule{10, 0};
    Vector<IndexCandidate> indexes(&heap);
    indexes.push_back(index(1, 100, 1000, 50));
    indexes.push_back(index(2, 200, 1000, 50));
    indexes[0].table_busy = true;
    EXPECT_FALSE(worth_measuring(indexes[0], rule));
    EXPECT_EQ(choose_indexes_to_rebuild(indexes, rule, heap), ids({2}));
}

TEST(MaintenanceWindow, ParsesOnlyHoursAndMinutes) {
    const auto window = parse_window("01:30-05:00");
    ASSERT_TRUE(window);
    EXPECT_EQ(window->start_minute, 90);
    EXPECT_EQ(window->end_minute, 300);
    ASSERT_TRUE(parse_window("23:59-00:00"));
    for (const char* bad : {"", "1:30-05:00", "01:30-5:00", "24:00-01:00", "01:60-02:00",
                            "01:30 05:00", "01:30-05:00 ", "aa:bb-cc:dd", "01:30-05:00-06:00",
                            "-1:30-05:00", "01:3x-05:00"})
        EXPECT_FALSE(parse_window(bad)) << bad;
}

TEST(MaintenanceWindow, InsideTheSameDay) {
    const MaintenanceWindow window = *parse_window("01:00-05:00");
    EXPECT_FALSE(inside_window(window, hour - 1));
    EXPECT_TRUE(inside_window(window, hour));
    EXPECT_TRUE(inside_window(window, 5 * hour - 1));
    EXPECT_FALSE(inside_window(window, 5 * hour));
    // Any day: the local time of another date.
    EXPECT_TRUE(inside_window(window, 9000 * day + 2 * hour));
    EXPECT_TRUE(inside_window(window, -3 * day + 2 * hour));  // before 2000-01-01
    EXPECT_EQ(window_close(window, 9000 * day + 2 * hour), 9000 * day + 5 * hour);
}

TEST(MaintenanceWindow, AcrossMidnight) {
    const MaintenanceWindow window = *parse_window("22:00-02:00");
    EXPECT_TRUE(inside_window(window, 23 * hour));
    EXPECT_TRUE(inside_window(window, day + hour));
    EXPECT_FALSE(inside_window(window, day + 2 * hour));
    EXPECT_FALSE(inside_window(window, 12 * hour));
    EXPECT_TRUE(inside_window(window, 22 * hour));
    // Opened yesterday evening or this night: it closes at 02:00 tomorrow or today.
    EXPECT_EQ(window_close(window, 23 * hour), day + 2 * hour);
    EXPECT_EQ(window_close(window, day + hour), day + 2 * hour);
}

TEST(MaintenanceWindow, EqualEndsAreTheWholeDay) {
    const MaintenanceWindow window = *parse_window("03:00-03:00");
    for (std::int64_t t = 0; t < day; t += 7 * minute)
        EXPECT_TRUE(inside_window(window, t));
    EXPECT_EQ(window_close(window, 5 * hour), day);
}

// Daylight saving is in the wall-clock time the shell passes: on the night
// clocks skip 02:00-03:00, local time jumps from 01:59:59 to 03:00, so a
// 02:00-03:00 window never opens; on the night 01:00-02:00 repeats, it is
// open during both.
TEST(MaintenanceWindow, DaylightSavingLivesInTheWallClock) {
    const MaintenanceWindow skipped = *parse_window("02:00-03:00");
    const std::int64_t before_jump = 2 * hour - 1;
    const std::int64_t after_jump = 3 * hour;  // one real microsecond later
    EXPECT_FALSE(inside_window(skipped, before_jump));
    EXPECT_FALSE(inside_window(skipped, after_jump));
    const MaintenanceWindow repeated = *parse_window("01:00-02:00");
    EXPECT_TRUE(inside_window(repeated, hour + 30 * minute));  // first pass
    EXPECT_TRUE(inside_window(repeated, hour + 30 * minute));  // second pass, same wall time
    EXPECT_EQ(window_close(repeated, hour + 30 * minute), 2 * hour);
}

}  // namespace
}  // namespace hastecrm_perf
