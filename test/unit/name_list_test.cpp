#include "core/name_list.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;

std::vector<std::string> names(std::string_view text) {
    NameList list = parse_name_list(text, heap);
    EXPECT_TRUE(list.error.empty()) << list.error.c_str();
    return {list.names.begin(), list.names.end()};
}

std::string error(std::string_view text) {
    NameList list = parse_name_list(text, heap);
    EXPECT_TRUE(list.names.empty());
    return std::string(list.error.c_str());
}

TEST(NameList, EmptySettingIsAnEmptyList) {
    EXPECT_TRUE(names("").empty());
    EXPECT_TRUE(names("  \t ").empty());
}

TEST(NameList, SplitsOnCommasAndTrimsSpaces) {
    EXPECT_EQ(names("crm, analytics ,billing"),
              (std::vector<std::string>{"crm", "analytics", "billing"}));
}

TEST(NameList, FoldsUnquotedNamesToLowerCase) {
    EXPECT_EQ(names("CRM,Analytics"), (std::vector<std::string>{"crm", "analytics"}));
}

TEST(NameList, QuotedNamesKeepCaseSpacesCommasAndQuotes) {
    EXPECT_EQ(names(R"("My DB", "a,b", "say ""hi""")"),
              (std::vector<std::string>{"My DB", "a,b", "say \"hi\""}));
}

TEST(NameList, KeepsUnicodeBytes) {
    EXPECT_EQ(names("\"données\", zürich"), (std::vector<std::string>{"données", "zürich"}));
}

TEST(NameList, DropsDuplicatesKeepingFirstOrder) {
    EXPECT_EQ(names("b, a, B, \"b\""), (std::vector<std::string>{"b", "a"}));
}

TEST(NameList, RejectsEmptyElements) {
    EXPECT_EQ(error("a,,b"), "empty name in list");
    EXPECT_EQ(error(",a"), "empty name in list");
    EXPECT_EQ(error("a,"), "empty name in list");
    EXPECT_EQ(error("\"\""), "zero-length quoted name");
}

TEST(NameList, RejectsJunkAndUnterminatedQuotes) {
    EXPECT_EQ(error("a b"), "unexpected text after a name (names are separated by commas)");
    EXPECT_EQ(error("a; drop database x"),
              "unexpected text after a name (names are separated by commas)");
    EXPECT_EQ(error("\"open"), "unterminated quoted name");
}

TEST(NameList, EnforcesTheIdentifierLengthLimit) {
    const std::string longest(63, 'x');
    EXPECT_EQ(names(longest), (std::vector<std::string>{longest}));
    EXPECT_EQ(error(longest + "y"), "name is longer than 63 bytes");
}

}  // namespace
}  // namespace hastecrm_perf
