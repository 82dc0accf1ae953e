#include "core/query_text.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;

std::string normalize(std::string_view text, std::initializer_list<ConstantSpan> spans,
                      int highest_param = 0, std::size_t max_bytes = 1024,
                      StatementRange range = {0, 0}) {
    Vector<ConstantSpan> constants(spans.begin(), spans.end(), &heap);
    String out = normalize_query(text, range, constants, highest_param, max_bytes, heap);
    return std::string(out.data(), out.size());
}

TEST(QueryText, ReplacesEveryConstantInOrder) {
    //                          0         1         2         3         4
    //                          0123456789012345678901234567890123456789012345
    EXPECT_EQ(normalize("SELECT * FROM users WHERE email = 'a@b.c' AND id = 42",
                        {{51, 2}, {34, 7}}),
              "SELECT * FROM users WHERE email = $1 AND id = $2");
}

TEST(QueryText, NumbersAfterTheStatementsOwnParameters) {
    EXPECT_EQ(normalize("SELECT $1, 'secret'", {{11, 8}}, 1), "SELECT $1, $2");
}

TEST(QueryText, SkipsIgnoredAndDuplicateSpans) {
    EXPECT_EQ(normalize("SELECT 1, 2", {{7, 1}, {7, 1}, {10, -1}}), "SELECT $1, 2");
}

TEST(QueryText, CutsOneStatementOutOfAMultiStatementString) {
    const std::string_view text = "SELECT 1; UPDATE t SET v = 'pw' ; SELECT 3";
    //                             0123456789012345678901234567890
    EXPECT_EQ(normalize(text, {{7, 1}, {27, 4}, {41, 1}}, 0, 1024, {9, 23}), "UPDATE t SET v = $1");
}

TEST(QueryText, NoLiteralSurvivesTruncation) {
    // The cut falls inside the constant: the constant is still replaced.
    EXPECT_EQ(normalize("SELECT 'a very long secret value'", {{7, 26}}, 0, 9), "SELECT $1");
}

TEST(QueryText, TruncatesOnACharacterBoundary) {
    const std::string text = "SELECT 'x' AS \xC3\xBC\xC3\xBC";  // two 2-byte characters
    EXPECT_EQ(normalize(text, {{7, 3}}, 0, 16), "SELECT $1 AS \xC3\xBC");
    EXPECT_EQ(normalize(text, {{7, 3}}, 0, 15), "SELECT $1 AS \xC3\xBC");
    EXPECT_EQ(normalize(text, {{7, 3}}, 0, 14), "SELECT $1 AS ");
}

TEST(QueryText, TextWithoutConstantsIsKept) {
    EXPECT_EQ(normalize("  VACUUM contacts\n", {}), "VACUUM contacts");
}

TEST(ReparsableQuery, TypedLiteralsBecomeCasts) {
    auto fixed = [&](std::string_view in) {
        const String out = reparsable_query(in, heap);
        return std::string(out.data(), out.size());
    };
    EXPECT_EQ(fixed("SELECT * FROM e WHERE at >= timestamptz $1 AND id = $2"),
              "SELECT * FROM e WHERE at >= $1::timestamptz AND id = $2");
    EXPECT_EQ(fixed("SELECT now() - INTERVAL $1, date $12"), "SELECT now() - $1::INTERVAL, $12::date");
    EXPECT_EQ(fixed("SELECT x FROM t WHERE ts = timestamp with time zone $3"),
              "SELECT x FROM t WHERE ts = $3::timestamp with time zone");
    // Names that only end like a type, a parameter that is not one, a cast: kept.
    EXPECT_EQ(fixed("SELECT update_date $1"), "SELECT update_date $1");
    EXPECT_EQ(fixed("SELECT $1::date, text $x, date"), "SELECT $1::date, text $x, date");
}

}  // namespace
}  // namespace hastecrm_perf
