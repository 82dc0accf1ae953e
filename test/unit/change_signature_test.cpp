#include "core/change_signature.hpp"

#include <gtest/gtest.h>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;

Vector<TableCounters> tables(std::initializer_list<TableCounters> list) {
    Vector<TableCounters> out(&heap);
    out.assign(list.begin(), list.end());
    return out;
}

std::string sign(std::initializer_list<TableCounters> list, CounterEpoch epoch = {100, 0},
                 std::initializer_list<SettingValue> settings = {{"TimeZone", "UTC"}}) {
    auto input = tables(list);
    const String text = change_signature(
        input, epoch, std::span<const SettingValue>(settings.begin(), settings.size()), heap);
    return std::string(text.data(), text.size());
}

TEST(ChangeSignature, SameTablesSameCountersSameSignature) {
    EXPECT_EQ(sign({{1, 10, 5, 0, 0}, {2, 20, 7, 1, 0}}), sign({{1, 10, 5, 0, 0}, {2, 20, 7, 1, 0}}));
    EXPECT_EQ(sign({{1, 10, 5, 0, 0}}).size(), 16u);
}

TEST(ChangeSignature, OrderAndDuplicatesDoNotMatter) {
    EXPECT_EQ(sign({{2, 20, 7, 1, 0}, {1, 10, 5, 0, 0}, {2, 20, 7, 1, 0}}),
              sign({{1, 10, 5, 0, 0}, {2, 20, 7, 1, 0}}));
}

TEST(ChangeSignature, EveryCounterCounts) {
    const std::string base = sign({{1, 10, 5, 3, 2}});
    EXPECT_NE(base, sign({{1, 10, 6, 3, 2}}));  // an insert
    EXPECT_NE(base, sign({{1, 10, 5, 4, 2}}));  // an update
    EXPECT_NE(base, sign({{1, 10, 5, 3, 3}}));  // a delete
    EXPECT_NE(base, sign({{1, 11, 5, 3, 2}}));  // TRUNCATE: new storage, same counters
    EXPECT_NE(base, sign({{1, 10, 5, 3, 2}, {2, 20, 0, 0, 0}}));  // a new partition
}

TEST(ChangeSignature, ARestartOrResetChangesItWhateverTheCounters) {
    // Counters that restarted from zero and climbed back to the same values.
    EXPECT_NE(sign({{1, 10, 5, 0, 0}}, {100, 0}), sign({{1, 10, 5, 0, 0}}, {200, 0}));
    EXPECT_NE(sign({{1, 10, 5, 0, 0}}, {100, 0}), sign({{1, 10, 5, 0, 0}}, {100, 300}));
}

TEST(ChangeSignature, NoTablesIsStillASignature) {
    EXPECT_EQ(sign({}), sign({}));
    EXPECT_NE(sign({}), sign({{1, 10, 0, 0, 0}}));
}

}  // namespace
}  // namespace hastecrm_perf

namespace hastecrm_perf {
namespace {

TEST(ChangeSignature, SettingsCount) {
    const std::string utc = sign({{1, 10, 5, 0, 0}}, {100, 0}, {{"TimeZone", "UTC"}, {"DateStyle", "ISO, MDY"}});
    EXPECT_EQ(utc, sign({{1, 10, 5, 0, 0}}, {100, 0}, {{"TimeZone", "UTC"}, {"DateStyle", "ISO, MDY"}}));
    EXPECT_NE(utc, sign({{1, 10, 5, 0, 0}}, {100, 0},
                        {{"TimeZone", "Europe/Berlin"}, {"DateStyle", "ISO, MDY"}}));
    EXPECT_NE(utc, sign({{1, 10, 5, 0, 0}}, {100, 0}, {{"TimeZone", "UTC"}, {"DateStyle", "German"}}));
    // Where one value ends and the next begins counts.
    EXPECT_NE(sign({{1, 10, 5, 0, 0}}, {100, 0}, {{"a", "bc"}}),
              sign({{1, 10, 5, 0, 0}}, {100, 0}, {{"ab", "c"}}));
}

}  // namespace
}  // namespace hastecrm_perf
