// The rules of the health checks, with the cases the usual scripts get wrong.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string_view>

#include "core/autovacuum_rule.hpp"
#include "core/fk_coverage.hpp"
#include "core/health_catalog.hpp"
#include "core/health_severity.hpp"
#include "core/index_comparison.hpp"
#include "core/memory_budget.hpp"
#include "core/sequence_limit.hpp"
#include "core/xid_headroom.hpp"

namespace hastecrm_perf {
namespace {

// --- autovacuum ---------------------------------------------------------------

TEST(Autovacuum, DeadTuplesPastTheThresholdPlusScaleFactor) {
    TableActivity a{RelationKind::table, 10000, 2051, 0, 0};
    const AutovacuumVerdict v = judge_autovacuum(AutovacuumSettings{}, a);
    EXPECT_DOUBLE_EQ(v.vacuum_limit, 50 + 0.2 * 10000);
    EXPECT_TRUE(v.vacuum_due);
    a.dead_tuples = 2050;  // "greater than", as autovacuum.c compares
    EXPECT_FALSE(judge_autovacuum(AutovacuumSettings{}, a).vacuum_due);
}

TEST(Autovacuum, InsertsAloneTriggerAVacuumUnlessTheThresholdIsMinusOne) {
    TableActivity a{RelationKind::table, 10000, 0, 3001, 0};
    AutovacuumSettings s;
    EXPECT_TRUE(judge_autovacuum(s, a).insert_due);  // 1000 + 0.2 × 10000 = 3000
    s.insert_threshold = -1;
    const AutovacuumVerdict off = judge_autovacuum(s, a);
    EXPECT_FALSE(off.insert_due);
    EXPECT_EQ(off.insert_limit, -1);
}

TEST(Autovacuum, ChangesSinceAnalyzeUseTheAnalyzeTerms) {
    TableActivity a{RelationKind::table, 10000, 0, 0, 1051};
    EXPECT_TRUE(judge_autovacuum(AutovacuumSettings{}, a).analyze_due);  // 50 + 0.1 × 10000
    a.changes_since_analyze = 1050;
    EXPECT_FALSE(judge_autovacuum(AutovacuumSettings{}, a).analyze_due);
}

TEST(Autovacuum, ReltuplesMinusOneCountsAsZero) {
    TableActivity a{RelationKind::table, -1, 51, 0, 0};
    const AutovacuumVerdict v = judge_autovacuum(AutovacuumSettings{}, a);
    EXPECT_DOUBLE_EQ(v.vacuum_limit, 50);
    EXPECT_TRUE(v.vacuum_due);
}

TEST(Autovacuum, PerTableScaleFactorWinsOverTheServerSetting) {
    AutovacuumReloptions own;
    own.present = true;
    own.vacuum_scale_factor = 0.01;
    const AutovacuumSettings s = effective_settings(AutovacuumSettings{}, own);
    TableActivity a{RelationKind::table, 100000, 2000, 0, 0};
    EXPECT_TRUE(judge_autovacuum(s, a).vacuum_due);                    // 50 + 1000
    EXPECT_FALSE(judge_autovacuum(AutovacuumSettings{}, a).vacuum_due);  // 50 + 20000
    EXPECT_DOUBLE_EQ(s.analyze_scale_factor, 0.1);  // the others stay the server's
}

TEST(Autovacuum, ToastUsesItsOwnOptionsWhenItHasAnyElseTheMainTables) {
    AutovacuumReloptions main, toast;
    main.present = true;
    main.vacuum_scale_factor = 0.05;
    EXPECT_DOUBLE_EQ(effective_toast_settings(AutovacuumSettings{}, toast, main).vacuum_scale_factor, 0.05);
    toast.present = true;
    toast.vacuum_threshold = 10;
    const AutovacuumSettings s = effective_toast_settings(AutovacuumSettings{}, toast, main);
    EXPECT_DOUBLE_EQ(s.vacuum_threshold, 10);
    EXPECT_DOUBLE_EQ(s.vacuum_scale_factor, 0.2);  // not mixed with the main table's
}

TEST(Autovacuum, ToastTablesAreNeverAnalyzedAndPartitionedParentsNeverProcessed) {
    TableActivity toast{RelationKind::toast, 100, 0, 0, 1e9};
    EXPECT_FALSE(judge_autovacuum(AutovacuumSettings{}, toast).analyze_due);
    TableActivity parent{RelationKind::partitioned, -1, 1e9, 1e9, 1e9};
    const AutovacuumVerdict v = judge_autovacuum(AutovacuumSettings{}, parent);
    EXPECT_FALSE(v.processed);
    EXPECT_FALSE(v.any_due());
}

TEST(Autovacuum, DisabledTableIsStillVacuumedForWraparound) {
    AutovacuumReloptions own;
    own.present = true;
    own.enabled = false;
    own.freeze_max_age = 100'000'000;
    const AutovacuumSettings s = effective_settings(AutovacuumSettings{}, own);
    TableActivity a{RelationKind::table, 100, 1e6, 0, 1e6, 150'000'000};
    const AutovacuumVerdict v = judge_autovacuum(s, a);
    EXPECT_FALSE(v.vacuum_due);
    EXPECT_FALSE(v.analyze_due);
    EXPECT_TRUE(v.wraparound_due);  // the table's lower freeze_max_age applies
}

TEST(Autovacuum, ScaleFactorFromWriteRateOnlyEverLowersTheDefault) {
    EXPECT_NEAR(scale_factor_for_rate(10'000'000, 100'000, 1, 50), (100'000 - 50) / 1e7, 1e-12);
    EXPECT_DOUBLE_EQ(scale_factor_for_rate(10'000'000, 1e9, 1, 50), 0.2);
    EXPECT_DOUBLE_EQ(scale_factor_for_rate(10'000'000, 1, 1, 50), 0.001);
}

// --- wraparound ---------------------------------------------------------------

TEST(Wraparound, StopLimitIsThreeMillionBeforeTwoToTheThirtyOne) {
    EXPECT_EQ(xid_stop_age, 2'144'483'647);
    EXPECT_EQ(headroom_to_stop(2'144'483'647), 0);
}

TEST(Wraparound, TheSawtoothBelowFreezeMaxAgeIsNoFinding) {
    const WraparoundLimits limits;
    EXPECT_EQ(grade_wraparound(190'000'000, limits), Severity::none);  // 95% of freeze_max_age
    EXPECT_EQ(grade_wraparound(250'000'000, limits), Severity::none);  // anti-wraparound vacuum due
    EXPECT_EQ(grade_wraparound(301'000'000, limits), Severity::warning);
    EXPECT_EQ(grade_wraparound(xid_stop_age - 100'000'000, limits), Severity::critical);
}

TEST(Wraparound, HighFreezeMaxAgeStillCriticalNearTheStopLimit) {
    WraparoundLimits limits;
    limits.freeze_max_age = 2'000'000'000;
    EXPECT_EQ(grade_wraparound(1'900'000'000, limits), Severity::none);
    EXPECT_EQ(grade_wraparound(2'100'000'000, limits), Severity::critical);
}

// --- index comparison ---------------------------------------------------------

IndexShape btree(std::uint32_t oid, std::span<const IndexKey> keys) {
    IndexShape s;
    s.oid = oid;
    s.access_method = 403;
    s.btree = true;
    s.keys = keys;
    return s;
}

constexpr std::uint32_t int4_ops = 1978, text_ops = 3126, collation_c = 950, collation_default = 100;

TEST(IndexComparison, LeadingPrefixOfABtreeIsRedundant) {
    const std::array a{IndexKey{1, {}, int4_ops}};
    const std::array ab{IndexKey{1, {}, int4_ops}, IndexKey{2, {}, int4_ops}};
    EXPECT_EQ(redundant_with(btree(1, a), btree(2, ab)), Redundancy::prefix);
    EXPECT_EQ(redundant_with(btree(2, ab), btree(1, a)), Redundancy::none);
}

TEST(IndexComparison, DescendingOrNullsFirstIsAnotherKey) {
    const std::array a{IndexKey{1, {}, int4_ops}};
    const std::array a_desc{IndexKey{1, {}, int4_ops, 0, 1}};
    const std::array a_nulls_first{IndexKey{1, {}, int4_ops, 0, 2}};
    EXPECT_EQ(redundant_with(btree(1, a), btree(2, a_desc)), Redundancy::none);
    EXPECT_EQ(redundant_with(btree(1, a), btree(2, a_nulls_first)), Redundancy::none);
}

TEST(IndexComparison, PredicatesMustBeTheSame) {
    const std::array a{IndexKey{1, {}, int4_ops}};
    IndexShape partial = btree(2, a);
    partial.predicate = "(a > 0)";
    EXPECT_EQ(redundant_with(btree(1, a), partial), Redundancy::none);
    EXPECT_EQ(redundant_with(partial, btree(1, a)), Redundancy::none);
}

TEST(IndexComparison, CollationAndOpclassMatter) {
    const std::array c{IndexKey{1, {}, text_ops, collation_c}};
    const std::array d{IndexKey{1, {}, text_ops, collation_default}};
    const std::array pattern{IndexKey{1, {}, 10045, collation_default}};
    EXPECT_EQ(redundant_with(btree(1, c), btree(2, d)), Redundancy::none);
    EXPECT_EQ(redundant_with(btree(1, d), btree(2, pattern)), Redundancy::none);
}

TEST(IndexComparison, ExpressionsCompareByTheirDeparsedForm) {
    const std::array lower{IndexKey{0, "lower(email)", text_ops, collation_default}};
    const std::array lower_again{IndexKey{0, "lower(email)", text_ops, collation_default}};
    const std::array upper{IndexKey{0, "upper(email)", text_ops, collation_default}};
    EXPECT_EQ(redundant_with(btree(1, lower), btree(2, lower_again)), Redundancy::same_keys);
    EXPECT_EQ(redundant_with(btree(1, lower), btree(2, upper)), Redundancy::none);
}

TEST(IndexComparison, PrefixRuleIsForBtreesOnly) {
    const std::array a{IndexKey{1, {}, 7}};
    const std::array ab{IndexKey{1, {}, 7}, IndexKey{2, {}, 7}};
    IndexShape gist_a = btree(1, a), gist_ab = btree(2, ab);
    gist_a.btree = gist_ab.btree = false;
    gist_a.access_method = gist_ab.access_method = 783;
    EXPECT_EQ(redundant_with(gist_a, gist_ab), Redundancy::none);
    IndexShape hash_a = btree(3, a);
    hash_a.btree = false;
    hash_a.access_method = 405;
    EXPECT_EQ(redundant_with(hash_a, btree(4, a)), Redundancy::none);  // other access method
}

TEST(IndexComparison, IncludeColumnsAreNotKeys) {
    const std::array a{IndexKey{1, {}, int4_ops}};
    const std::array include_c{3};
    IndexShape covering = btree(2, a);
    covering.include = include_c;
    EXPECT_EQ(redundant_with(btree(1, a), covering), Redundancy::same_keys);
    // (a) INCLUDE (c) is not served by (a): it allows an index-only scan (a) does not.
    EXPECT_EQ(redundant_with(covering, btree(1, a)), Redundancy::none);
}

TEST(IndexComparison, UniqueIndexIsNeverAPrefixDuplicate) {
    const std::array a{IndexKey{1, {}, int4_ops}};
    const std::array ab{IndexKey{1, {}, int4_ops}, IndexKey{2, {}, int4_ops}};
    IndexShape unique_a = btree(1, a);
    unique_a.unique = true;
    EXPECT_EQ(redundant_with(unique_a, btree(2, ab)), Redundancy::none);
    EXPECT_EQ(redundant_with(unique_a, btree(3, a)), Redundancy::none);  // plain one enforces nothing
    EXPECT_EQ(redundant_with(btree(3, a), unique_a), Redundancy::same_keys);
}

TEST(IndexComparison, TheIndexBehindAConstraintIsNeverDropped) {
    const std::array a{IndexKey{1, {}, int4_ops}};
    IndexShape primary = btree(5, a), plain_unique = btree(9, a);
    primary.unique = plain_unique.unique = true;
    primary.backs_constraint = true;
    EXPECT_EQ(redundant_with(primary, plain_unique), Redundancy::none);
    EXPECT_EQ(redundant_with(plain_unique, primary), Redundancy::same_keys);
    EXPECT_FALSE(drop_first_of_equals(primary, plain_unique));
    IndexShape older = btree(1, a), newer = btree(2, a);
    EXPECT_TRUE(drop_first_of_equals(newer, older));
    EXPECT_FALSE(drop_first_of_equals(older, newer));
}

// --- foreign key coverage ---------------------------------------------------

TEST(FkCoverage, LeadingColumnsCoverTrailingOnesDoNot) {
    const std::array fk{2};
    const std::array<std::string_view, 1> names{"customer_id"};
    const std::array fk_x{2, 3}, x_fk{3, 2};
    EXPECT_TRUE(covers_foreign_key(fk, names, {true, true, fk_x, {}}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, true, x_fk, {}}));
}

TEST(FkCoverage, MultiColumnKeyInAnyOrderAmongTheLeadingColumns) {
    const std::array fk{2, 3};
    const std::array<std::string_view, 2> names{"a", "b"};
    const std::array ba{3, 2};
    const std::array b_only{3};
    const std::array b_x_a{3, 4, 2};
    EXPECT_TRUE(covers_foreign_key(fk, names, {true, true, ba, {}}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, true, b_only, {}}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, true, b_x_a, {}}));
}

TEST(FkCoverage, InvalidOrOtherAccessMethodDoesNotCover) {
    const std::array fk{2};
    const std::array<std::string_view, 1> names{"f"};
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, false, fk, {}}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {false, true, fk, {}}));
}

TEST(FkCoverage, PartialIndexCountsOnlyForIsNotNull) {
    const std::array fk{2, 3};
    const std::array<std::string_view, 2> names{"a", "\"B b\""};
    EXPECT_TRUE(covers_foreign_key(fk, names, {true, true, fk, "(a IS NOT NULL)"}));
    EXPECT_TRUE(covers_foreign_key(fk, names, {true, true, fk, "((a IS NOT NULL) AND (\"B b\" IS NOT NULL))"}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, true, fk, "(a > 0)"}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, true, fk, "((a IS NOT NULL) OR (c IS NOT NULL))"}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, true, fk, "(c IS NOT NULL)"}));
    EXPECT_FALSE(covers_foreign_key(fk, names, {true, true, fk, "((a IS NOT NULL) AND (a > 0))"}));
}

// --- sequences ----------------------------------------------------------------

TEST(Sequences, AnIntegerSequenceOnABigintColumnStopsAtTheSequenceMax) {
    SequenceState s{1'954'210'119, 1, 1, std::numeric_limits<std::int32_t>::max(),
                    integer_type_min(8), integer_type_max(8)};
    const SequenceUsage u = sequence_usage(s);
    EXPECT_EQ(u.limit, 2'147'483'647);
    EXPECT_FALSE(u.limited_by_column);
    EXPECT_NEAR(u.used_fraction, 0.91, 0.001);
}

TEST(Sequences, ABigintSequenceOnAnIntegerColumnStopsAtTheColumnMax) {
    SequenceState s{1'954'210'119, 1, 1, std::numeric_limits<std::int64_t>::max(),
                    integer_type_min(4), integer_type_max(4)};
    const SequenceUsage u = sequence_usage(s);
    EXPECT_EQ(u.limit, 2'147'483'647);
    EXPECT_TRUE(u.limited_by_column);
    EXPECT_NEAR(u.used_fraction, 0.91, 0.001);
    s.column_min = integer_type_min(8);
    s.column_max = integer_type_max(8);
    EXPECT_LT(sequence_usage(s).used_fraction, 1e-9);
}

TEST(Sequences, DescendingSequencesCountDownToTheHigherMinimum) {
    SequenceState s{-1'954'210'119, -1, std::numeric_limits<std::int64_t>::min(), -1,
                    integer_type_min(4), integer_type_max(4)};
    const SequenceUsage u = sequence_usage(s);
    EXPECT_EQ(u.limit, std::numeric_limits<std::int32_t>::min());
    EXPECT_TRUE(u.limited_by_column);
    EXPECT_NEAR(u.used_fraction, 0.91, 0.001);
    EXPECT_NEAR(u.values_left, 2'147'483'648.0 - 1'954'210'119.0, 1);
}

// --- memory -------------------------------------------------------------------

TEST(Memory, WorstCaseCountsHashNodesAndAutovacuumWorkers) {
    constexpr double mb = 1024.0 * 1024;
    MemorySettings s{1024 * mb, 4 * mb, 2.0, 64 * mb, -1, 3, 100, 3};
    const MemoryBudget b = worst_case_memory(s);
    EXPECT_DOUBLE_EQ(b.queries, 100 * 4 * mb * 2 * 3);
    EXPECT_DOUBLE_EQ(b.maintenance, 3 * 64 * mb);
    s.autovacuum_work_mem = 16 * mb;
    EXPECT_DOUBLE_EQ(worst_case_memory(s).maintenance, 3 * 16 * mb);
    const ByteRange r = work_mem_range(s, 8192 * mb);
    MemorySettings at_high = s;
    at_high.work_mem = r.high;
    EXPECT_NEAR(worst_case_memory(at_high).total(), 8192 * mb * 0.9, 1);
    EXPECT_DOUBLE_EQ(r.low, r.high / 2);
}

TEST(Memory, RamIsTheLowerOfMachineAndCgroup) {
    EXPECT_EQ(meminfo_total_bytes("MemTotal:       16303812 kB\nMemFree: 1 kB\n"), 16303812.0 * 1024);
    EXPECT_EQ(meminfo_total_bytes("MemFree: 1 kB\n"), std::nullopt);
    EXPECT_EQ(cgroup_limit_bytes("max\n"), std::nullopt);
    EXPECT_EQ(cgroup_limit_bytes("9223372036854771712\n"), std::nullopt);
    EXPECT_EQ(cgroup_limit_bytes("2147483648\n"), 2147483648.0);
    EXPECT_EQ(usable_ram(16e9, 2e9), 2e9);
    EXPECT_EQ(usable_ram(16e9, std::nullopt), 16e9);
}

// --- severity and catalog -----------------------------------------------------

TEST(Severity, RisingAndFallingGrades) {
    EXPECT_EQ(grade_rising(0.91, 0.75, 0.90), Severity::critical);
    EXPECT_EQ(grade_rising(0.80, 0.75, 0.90), Severity::warning);
    EXPECT_EQ(grade_rising(0.50, 0.75, 0.90), Severity::none);
    EXPECT_EQ(grade_falling(0.70, 0.95, 0.80), Severity::critical);
    EXPECT_EQ(grade_falling(0.90, 0.95, 0.80), Severity::warning);
    EXPECT_EQ(grade_rising(0.99, NAN, 0.995), Severity::none);
    EXPECT_EQ(to_string(Severity::warning), "warning");
}

TEST(Catalog, EveryParameterBelongsToACheck) {
    EXPECT_EQ(health_checks().size(), 16u);
    for (const HealthParameter& p : health_parameters())
        EXPECT_TRUE(is_health_check(p.check)) << p.check;
    EXPECT_NE(find_health_parameter("sequences", "critical_ratio"), nullptr);
    EXPECT_EQ(find_health_parameter("sequences", "mute"), nullptr);
}

}  // namespace
}  // namespace hastecrm_perf

namespace hastecrm_perf {
namespace {

TEST(Autovacuum, ReloptionsParseAutovacuumEntriesOnly) {
    const AutovacuumReloptions r = parse_autovacuum_reloptions(
        "fillfactor=70\x1f" "autovacuum_enabled=off\x1f" "autovacuum_vacuum_scale_factor=0.01\x1f"
        "autovacuum_vacuum_insert_threshold=-1\x1f" "autovacuum_freeze_max_age=100000000", '\x1f');
    EXPECT_TRUE(r.present);
    EXPECT_EQ(r.enabled, false);
    EXPECT_EQ(r.vacuum_scale_factor, 0.01);
    EXPECT_EQ(r.insert_threshold, -1);
    EXPECT_EQ(r.freeze_max_age, 100'000'000);
    EXPECT_FALSE(r.analyze_threshold.has_value());
    EXPECT_FALSE(parse_autovacuum_reloptions("", '\x1f').present);
    EXPECT_EQ(parse_autovacuum_reloptions("autovacuum_enabled=TRUE", '\x1f').enabled, true);
}

}  // namespace
}  // namespace hastecrm_perf

#include "core/batched_statement.hpp"
#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

TEST(BatchedStatement, OneParameterComparisonBecomesAnArray) {
    testing::HeapResource heap;
    const auto batched = batched_statement("SELECT subject FROM emails WHERE contact_id = $1 ORDER BY sent_at", heap);
    ASSERT_TRUE(batched.has_value());
    EXPECT_EQ(std::string_view(*batched), "SELECT subject FROM emails WHERE contact_id = ANY($1) ORDER BY sent_at");
    EXPECT_FALSE(batched_statement("SELECT 1 FROM t WHERE a = $1 AND b = $2", heap).has_value());
    EXPECT_FALSE(batched_statement("UPDATE t SET a = $1", heap).has_value());
    EXPECT_EQ(std::string_view(*batched_statement("SELECT * FROM t WHERE a = $12", heap)),
              "SELECT * FROM t WHERE a = ANY($12)");
    EXPECT_FALSE(batched_statement("SELECT * FROM t WHERE a > $1", heap).has_value());
}

}  // namespace
}  // namespace hastecrm_perf
