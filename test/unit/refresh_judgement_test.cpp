#include "core/refresh_judgement.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace hastecrm_perf {
namespace {

constexpr auto stable = FunctionVolatility::stable;

Judgement built_in(std::string_view name, int arguments = 1,
                   FunctionVolatility volatility = FunctionVolatility::stable) {
    return judge_function({name, true, volatility, arguments});
}

TEST(RefreshJudgement, ImmutableIsJudgeableBuiltInOrNot) {
    EXPECT_EQ(built_in("lower", 1, FunctionVolatility::immutable).verdict, FunctionVerdict::judgeable);
    EXPECT_EQ(judge_function({"my_tax", false, FunctionVolatility::immutable, 1}).verdict,
              FunctionVerdict::judgeable);
}

TEST(RefreshJudgement, TheGuidesDateTruncReadsSettingsOnly) {
    EXPECT_EQ(built_in("date_trunc", 2).verdict, FunctionVerdict::reads_settings);
    EXPECT_EQ(built_in("to_char", 2).verdict, FunctionVerdict::reads_settings);
    EXPECT_EQ(built_in("date_part", 2).verdict, FunctionVerdict::reads_settings);
    EXPECT_EQ(built_in("timestamptz_out").verdict, FunctionVerdict::reads_settings);
    EXPECT_EQ(built_in("timestamptz_pl_interval", 2).verdict, FunctionVerdict::reads_settings);
}

TEST(RefreshJudgement, ComparisonsAcrossZonesReadTimeZone) {
    EXPECT_EQ(built_in("date_lt_timestamptz", 2).verdict, FunctionVerdict::reads_settings);
    EXPECT_EQ(built_in("timestamptz_cmp_timestamp", 2).verdict, FunctionVerdict::reads_settings);
    EXPECT_EQ(built_in("timestamp_ge_timestamptz", 2).verdict, FunctionVerdict::reads_settings);
    // Not a comparison of that shape: unknown, so unjudgeable.
    EXPECT_EQ(built_in("timestamptz_lt_timestamptz", 2).verdict, FunctionVerdict::unjudgeable);
    EXPECT_EQ(built_in("date_lt_timestamptzx", 2).verdict, FunctionVerdict::unjudgeable);
}

TEST(RefreshJudgement, ClockTransactionAndSessionAreNot) {
    for (const auto name : {"now", "statement_timestamp", "transaction_timestamp", "timestamptz_in",
                            "date_in"})
        EXPECT_EQ(built_in(name, 0).why, "reads the clock") << name;
    EXPECT_EQ(built_in("txid_current", 0).why, "reads the transaction");
    EXPECT_EQ(built_in("current_setting", 1).why, "reads the session");
    EXPECT_EQ(built_in("current_user", 0).why, "reads the session");
    EXPECT_EQ(built_in("clock_timestamp", 0, FunctionVolatility::volatile_function).why,
              "is volatile");
    EXPECT_EQ(built_in("random", 0, FunctionVolatility::volatile_function).verdict,
              FunctionVerdict::unjudgeable);
    EXPECT_EQ(built_in("nextval", 1, FunctionVolatility::volatile_function).verdict,
              FunctionVerdict::unjudgeable);
}

TEST(RefreshJudgement, AgeDependsOnItsArguments) {
    EXPECT_EQ(built_in("age", 1).verdict, FunctionVerdict::unjudgeable);
    EXPECT_EQ(built_in("age", 2).verdict, FunctionVerdict::reads_settings);
}

TEST(RefreshJudgement, UserFunctionsMustBeImmutable) {
    // Even under a built-in's name: it may read other tables.
    const Judgement judgement = judge_function({"date_trunc", false, stable, 2});
    EXPECT_EQ(judgement.verdict, FunctionVerdict::unjudgeable);
    EXPECT_EQ(judgement.why, "is not IMMUTABLE (it may read other tables)");
    EXPECT_EQ(judge_function({"f", false, FunctionVolatility::volatile_function, 0}).why,
              "is volatile");
}

TEST(RefreshJudgement, UnknownStableBuiltInsAreNotTrusted) {
    EXPECT_EQ(built_in("pg_relation_size").verdict, FunctionVerdict::unjudgeable);
    EXPECT_EQ(built_in("to_regclass").verdict, FunctionVerdict::unjudgeable);
    EXPECT_EQ(built_in("to_tsvector").verdict, FunctionVerdict::unjudgeable);
    EXPECT_EQ(built_in("enum_out").verdict, FunctionVerdict::unjudgeable);
}

TEST(RefreshJudgement, FormattersNeedTheirArgumentsJudged) {
    EXPECT_EQ(built_in("concat", 2).verdict, FunctionVerdict::formats_arguments);
    EXPECT_EQ(built_in("json_agg", 1).verdict, FunctionVerdict::formats_arguments);
}

TEST(RefreshJudgement, Keywords) {
    EXPECT_EQ(judge_keyword("CURRENT_DATE").why, "reads the clock");
    EXPECT_EQ(judge_keyword("LOCALTIMESTAMP").why, "reads the clock");
    EXPECT_EQ(judge_keyword("CURRENT_USER").why, "reads the session");
}

TEST(RefreshJudgement, TheSettingsSpecFiveNames) {
    const auto settings = settings_in_signature();
    for (const auto name : {"TimeZone", "DateStyle", "IntervalStyle", "lc_time", "lc_monetary",
                            "extra_float_digits"})
        EXPECT_NE(std::find(settings.begin(), settings.end(), name), settings.end()) << name;
}

}  // namespace
}  // namespace hastecrm_perf
