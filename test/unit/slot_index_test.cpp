#include "core/slot_index.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace hastecrm_perf {
namespace {

// A table of keys in slots, indexed by SlotIndex, checked against std::map.
class Table {
public:
    explicit Table(std::size_t capacity)
        : keys_(capacity, 0), used_(capacity, false),
          buckets_(SlotIndex::bucket_count_for(capacity), SlotIndex::Bucket{0, 0}),
          index_(buckets_.data(), buckets_.size()) {}

    // A deliberately poor hash for some tests: many keys share a home bucket.
    bool clustered = false;

    std::uint64_t hash(std::uint64_t key) const {
        return clustered ? key % 3 : hash_words(key, 0);
    }
    int find(std::uint64_t key) const {
        return index_.find(hash(key), [&](int slot) { return used_[slot] && keys_[slot] == key; });
    }
    void put(int slot, std::uint64_t key) {
        keys_[slot] = key;
        used_[slot] = true;
        index_.insert(hash(key), slot);
    }
    void remove(int slot) {
        index_.erase(hash(keys_[slot]), slot);
        used_[slot] = false;
    }
    void clear() {
        index_.clear();
        std::fill(used_.begin(), used_.end(), false);
    }

private:
    std::vector<std::uint64_t> keys_;
    std::vector<bool> used_;
    std::vector<SlotIndex::Bucket> buckets_;
    SlotIndex index_;
};

TEST(SlotIndex, BucketsArePowersOfTwoAtLeastTwiceTheCapacity) {
    EXPECT_EQ(SlotIndex::bucket_count_for(1), 8u);
    EXPECT_EQ(SlotIndex::bucket_count_for(100), 256u);
    EXPECT_EQ(SlotIndex::bucket_count_for(128), 256u);
    EXPECT_EQ(SlotIndex::bucket_count_for(250000), 524288u);
}

TEST(SlotIndex, FindsWhatWasInsertedAndNothingElse) {
    Table table(100);
    for (int slot = 0; slot < 100; ++slot)
        table.put(slot, 1000 + static_cast<std::uint64_t>(slot) * 7);
    for (int slot = 0; slot < 100; ++slot)
        EXPECT_EQ(table.find(1000 + static_cast<std::uint64_t>(slot) * 7), slot);
    EXPECT_EQ(table.find(999), -1);
    EXPECT_EQ(table.find(1001), -1);
}

TEST(SlotIndex, EraseKeepsEveryOtherKeyReachableEvenInOneCluster) {
    Table table(30);
    table.clustered = true;  // three home buckets for thirty keys: long runs that wrap
    for (int slot = 0; slot < 30; ++slot)
        table.put(slot, static_cast<std::uint64_t>(slot));
    for (int gone : {0, 3, 29, 14, 1, 2}) {
        table.remove(gone);
        EXPECT_EQ(table.find(static_cast<std::uint64_t>(gone)), -1) << gone;
    }
    for (int slot = 0; slot < 30; ++slot) {
        const bool gone = slot == 0 || slot == 3 || slot == 29 || slot == 14 || slot == 1 || slot == 2;
        EXPECT_EQ(table.find(static_cast<std::uint64_t>(slot)), gone ? -1 : slot) << slot;
    }
}

// Churn as a full table sees it: every insertion replaces a random slot.
// A million operations leave the index exactly equal to a std::map.
TEST(SlotIndex, RandomChurnMatchesAMap) {
    constexpr int capacity = 500;
    for (bool clustered : {false, true}) {
        Table table(capacity);
        table.clustered = clustered;
        std::map<std::uint64_t, int> truth;
        std::vector<std::uint64_t> key_of(capacity, 0);
        std::vector<bool> used(capacity, false);
        std::mt19937_64 random(42);
        const int rounds = clustered ? 20000 : 1000000;
        for (int round = 0; round < rounds; ++round) {
            const int slot = static_cast<int>(random() % capacity);
            std::uint64_t key = random() % 5000;
            if (truth.count(key) != 0)
                continue;
            if (used[slot]) {
                table.remove(slot);
                truth.erase(key_of[slot]);
            }
            table.put(slot, key);
            truth[key] = slot;
            key_of[slot] = key;
            used[slot] = true;
        }
        for (std::uint64_t key = 0; key < 5000; ++key) {
            auto it = truth.find(key);
            ASSERT_EQ(table.find(key), it == truth.end() ? -1 : it->second) << key << " " << clustered;
        }
    }
}

TEST(SlotIndex, ClearEmptiesIt) {
    Table table(10);
    table.put(0, 5);
    table.clear();
    EXPECT_EQ(table.find(5), -1);
    table.put(1, 5);
    EXPECT_EQ(table.find(5), 1);
}

TEST(SlotIndex, HashWordsSpreadsNeighbouringKeys) {
    EXPECT_NE(hash_words(1, 2), hash_words(2, 1));
    EXPECT_NE(hash_words(1, 2, 3, 4), hash_words(1, 2, 3, 5));
    // Consecutive keys fall into different home buckets of a 1024-bucket index.
    std::vector<bool> hit(1024, false);
    int distinct = 0;
    for (std::uint64_t k = 0; k < 512; ++k) {
        const std::size_t home = hash_words(k, 7) & 1023;
        distinct += hit[home] ? 0 : 1;
        hit[home] = true;
    }
    EXPECT_GT(distinct, 350);  // a random function gives ~400
}

TEST(ChooseVictim, TakesTheLeastRecentlyActiveOfTheSampleAndSkipsKeptSlots) {
    std::vector<std::int64_t> last(100);
    for (int i = 0; i < 100; ++i)
        last[i] = 1000 - i;  // slot 99 is the oldest
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    // A table of 10 sampled 16 times: the oldest slot shows up (all but surely).
    for (int i = 0; i < 10; ++i)
        last[i] = 1000 - i;  // slot 9 is the oldest of the first ten
    const int victim = choose_victim(10, 16, state, [&](int s) { return last[s]; },
                                     [](int) { return false; });
    EXPECT_EQ(victim, 9);
    // The oldest is in use: the next oldest of the sample goes, and keep is
    // asked about the best candidates only.
    int asked = 0;
    std::uint64_t same_state = state;
    const int unkept = choose_victim(10, 16, same_state, [&](int s) { return last[s]; },
                                     [&](int) { ++asked; return false; });
    same_state = state;
    const int second = choose_victim(10, 16, same_state, [&](int s) { return last[s]; },
                                     [&](int s) { return s == unkept; });
    EXPECT_EQ(asked, 1);
    EXPECT_NE(second, unkept);
    EXPECT_GT(last[unkept], 0);
    EXPECT_GE(last[second], last[unkept]);
    // Everything in use: no victim.
    EXPECT_EQ(choose_victim(100, 8, state, [&](int s) { return last[s]; }, [](int) { return true; }), -1);
}

TEST(ChooseVictim, ASmallSampleStillPrefersOldSlots) {
    // 8 of 1000: the victim is among the oldest eighth of the table on average.
    std::uint64_t state = 12345;
    double sum = 0;
    for (int round = 0; round < 2000; ++round)
        sum += choose_victim(1000, 8, state, [](int s) { return std::int64_t{s}; },
                             [](int) { return false; });
    EXPECT_LT(sum / 2000, 1000.0 / 9 + 20);  // E[min of 8 uniform] = 1000/9
}

}  // namespace
}  // namespace hastecrm_perf
