#include "core/index_candidate.hpp"

#include <gtest/gtest.h>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;

ColumnUse column(int attnum, double distinct = 0, int width = 8, bool fixed = true) {
    return ColumnUse{attnum, distinct, width, fixed};
}

std::vector<int> attnums(const Vector<SortKey>& keys) {
    std::vector<int> out;
    for (const SortKey& k : keys)
        out.push_back(k.attnum);
    return out;
}

ExistingIndex existing(std::initializer_list<SortKey> keys, std::initializer_list<int> include = {}) {
    ExistingIndex index(heap);
    index.keys.assign(keys.begin(), keys.end());
    index.include.assign(include.begin(), include.end());
    return index;
}

// The guide's own: WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT 20.
TEST(IndexCandidate, EqualityThenSortKeysWithDirection) {
    TableUse use(heap);
    use.equality.push_back(column(2, 50));
    use.sort.push_back(SortKey{5, true, true});
    use.read.push_back(column(1));
    use.reads_whole_row = true;
    const Vector<Candidate> found = index_candidates(use, heap);
    ASSERT_EQ(found.size(), 1u);  // SELECT *: nothing to cover
    EXPECT_EQ(attnums(found[0].keys), (std::vector<int>{2, 5}));
    EXPECT_FALSE(found[0].keys[0].descending);
    EXPECT_TRUE(found[0].keys[1].descending);
    EXPECT_TRUE(found[0].keys[1].nulls_first);
    EXPECT_EQ(found[0].equality_keys, 1);
}

TEST(IndexCandidate, EqualityBeforeRangeAndMostSelectiveFirst) {
    TableUse use(heap);
    use.range.push_back(column(3, 100000));
    use.equality.push_back(column(2, 10));
    use.equality.push_back(column(4, 5000));
    const Vector<Candidate> found = index_candidates(use, heap);
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(attnums(found[0].keys), (std::vector<int>{4, 2, 3}));
    EXPECT_EQ(found[0].equality_keys, 2);
}

TEST(IndexCandidate, OnlyOneRangeColumn) {
    TableUse use(heap);
    use.range.push_back(column(3, 10));
    use.range.push_back(column(6, 1000));
    const Vector<Candidate> found = index_candidates(use, heap);
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(attnums(found[0].keys), (std::vector<int>{6}));
}

TEST(IndexCandidate, SortKeyFixedByEqualityNeedsNoPlace) {
    TableUse use(heap);
    use.equality.push_back(column(2, 50));
    use.sort.push_back(SortKey{2, false, false});
    use.sort.push_back(SortKey{7, false, false});
    const Vector<Candidate> found = index_candidates(use, heap);
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(attnums(found[0].keys), (std::vector<int>{2, 7}));
}

TEST(IndexCandidate, CoveringForFewNarrowColumns) {
    TableUse use(heap);
    use.equality.push_back(column(2, 50));
    use.read = {column(2), column(8, 0, 8, true), column(9, 0, 4, true)};
    const Vector<Candidate> found = index_candidates(use, heap);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_TRUE(found[0].include.empty());
    EXPECT_EQ(found[1].include, (Vector<int>({8, 9}, &heap)));
}

TEST(IndexCandidate, NoCoveringForWideOrManyColumns) {
    TableUse wide(heap);
    wide.equality.push_back(column(2, 50));
    wide.read = {column(8, 0, 200, false)};
    EXPECT_EQ(index_candidates(wide, heap).size(), 1u);

    TableUse many(heap);
    many.equality.push_back(column(2, 50));
    many.read = {column(3), column(4), column(5), column(6)};
    EXPECT_EQ(index_candidates(many, heap).size(), 1u);
}

TEST(IndexCandidate, NothingToServe) {
    TableUse use(heap);
    use.read.push_back(column(1));
    EXPECT_TRUE(index_candidates(use, heap).empty());
}

TEST(IndexCandidate, RepeatedColumnCountsOnce) {
    TableUse use(heap);
    use.equality = {column(2, 10), column(2, 10)};
    const Vector<Candidate> found = index_candidates(use, heap);
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(attnums(found[0].keys), (std::vector<int>{2}));
}

Candidate candidate(std::initializer_list<SortKey> keys, int equality, std::initializer_list<int> include = {},
                    bool ordered = true) {
    Candidate c(heap);
    c.ordered = ordered;
    c.keys.assign(keys.begin(), keys.end());
    c.equality_keys = equality;
    c.include.assign(include.begin(), include.end());
    return c;
}

TEST(IndexCandidate, ServedByPrefixOfExisting) {
    const Candidate want = candidate({{2, false, false}}, 1);
    EXPECT_TRUE(serves(existing({{2, false, false}, {5, false, false}}), want));
    EXPECT_FALSE(serves(existing({{5, false, false}, {2, false, false}}), want));
}

TEST(IndexCandidate, EqualityColumnsInAnyOrder) {
    const Candidate want = candidate({{2, false, false}, {4, false, false}}, 2);
    EXPECT_TRUE(serves(existing({{4, false, false}, {2, false, false}}), want));
}

TEST(IndexCandidate, SortDirectionMattersUnlessFullyReversed) {
    const Candidate want = candidate({{2, false, false}, {5, true, true}}, 1);
    EXPECT_TRUE(serves(existing({{2, false, false}, {5, true, true}}), want));
    EXPECT_TRUE(serves(existing({{2, false, false}, {5, false, false}}), want));  // backward scan
    EXPECT_FALSE(serves(existing({{2, false, false}, {5, true, false}}), want));  // NULLS LAST

    const Candidate two_sorts = candidate({{5, true, true}, {6, false, false}}, 0);
    EXPECT_FALSE(serves(existing({{5, false, false}, {6, false, false}}), two_sorts));
    EXPECT_TRUE(serves(existing({{5, false, false}, {6, true, true}}), two_sorts));
}

TEST(IndexCandidate, RangeKeyDirectionDoesNotMatter) {
    const Candidate range = candidate({{2, false, false}, {5, false, false}}, 1, {}, false);
    EXPECT_TRUE(serves(existing({{2, false, false}, {5, true, false}}), range));
    const Candidate sorted = candidate({{2, false, false}, {5, true, true}}, 1);
    EXPECT_TRUE(absorbs(sorted, range));
    EXPECT_FALSE(absorbs(candidate({{2, false, false}, {5, true, false}}, 1), sorted));
}

TEST(IndexCandidate, OrderedOnlyWithSortKeys) {
    TableUse use(heap);
    use.equality.push_back(column(2, 50));
    use.range.push_back(column(5, 50));
    EXPECT_FALSE(index_candidates(use, heap)[0].ordered);
    use.sort.push_back(SortKey{5, true, true});
    EXPECT_TRUE(index_candidates(use, heap)[0].ordered);
}

TEST(IndexCandidate, CoveringNeedsIncludedColumns) {
    const Candidate want = candidate({{2, false, false}}, 1, {8});
    EXPECT_FALSE(serves(existing({{2, false, false}}), want));
    EXPECT_TRUE(serves(existing({{2, false, false}}, {8}), want));
    EXPECT_TRUE(serves(existing({{2, false, false}, {8, false, false}}), want));
}

TEST(IndexCandidate, UnusableOrOtherMethods) {
    const Candidate want = candidate({{2, false, false}}, 1);
    ExistingIndex partial = existing({{2, false, false}});
    partial.usable = false;
    EXPECT_FALSE(serves(partial, want));
    ExistingIndex hash = existing({{2, false, false}});
    hash.btree = false;
    EXPECT_TRUE(serves(hash, want));
    EXPECT_FALSE(serves(hash, candidate({{2, false, false}, {3, false, false}}, 2)));
    EXPECT_FALSE(serves(existing({{0, false, false}}), want));  // an expression
}

TEST(IndexCandidate, PrefixIsAbsorbed) {
    const Candidate narrow = candidate({{2, false, false}}, 1);
    const Candidate wide = candidate({{2, false, false}, {5, true, true}}, 1, {8});
    EXPECT_TRUE(absorbs(wide, narrow));
    EXPECT_FALSE(absorbs(narrow, wide));
    EXPECT_FALSE(absorbs(wide, candidate({{2, false, false}}, 1, {9})));
}

TEST(IndexCandidate, SizeGrowsWithRowsAndWidth) {
    EXPECT_EQ(btree_size_bytes(0, 8), 2u * 8192);
    const auto million = btree_size_bytes(1e6, 8);
    // 1e6 entries of 20 bytes + 4 of line pointer, ~330 per page: ~3,000 leaves, ~24 MB.
    EXPECT_GT(million, 20u << 20);
    EXPECT_LT(million, 30u << 20);
    EXPECT_GT(btree_size_bytes(1e6, 16), million);
}

TEST(IndexCandidate, Height) {
    EXPECT_EQ(btree_height(1), 0);
    EXPECT_EQ(btree_height(200), 1);
    EXPECT_EQ(btree_height(3000), 2);
}

TEST(IndexCandidate, WritePenaltyNamesRates) {
    const String text = write_penalty(3600, 7200, 3600, 0, 3600, 16, heap);
    EXPECT_NE(text.find("1.00 inserts/s"), String::npos);
    EXPECT_NE(text.find("1.00 non-HOT updates/s"), String::npos);
    EXPECT_NE(text.find("50% of updates are HOT"), String::npos);
    EXPECT_NE(write_penalty(0, 0, 0, 0, 10, 8, heap).find("no writes"), String::npos);
}

}  // namespace
}  // namespace hastecrm_perf
