#include "core/bloat_model.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace hastecrm_perf {
namespace {

// Every expected page count below was also checked against what PostgreSQL
// 15.20 builds (8 kB pages): INSERT into a new table or CREATE INDEX, then
// pg_relation_size.

Column fixed(std::int16_t typlen, char typalign, double null_frac = 0) {
    return {typlen, typalign, ColumnStats{static_cast<double>(typlen), null_frac}};
}
Column int4(double null_frac = 0) { return fixed(4, 'i', null_frac); }
Column int8(double null_frac = 0) { return fixed(8, 'd', null_frac); }
Column boolean() { return fixed(1, 'c'); }
Column timestamptz() { return fixed(8, 'd'); }
Column text(double avg_width, double null_frac = 0) { return {-1, 'i', ColumnStats{avg_width, null_frac}}; }
Column text_without_stats() { return {-1, 'i', std::nullopt}; }

// (id int4, flag bool, created_at timestamptz, note text of 19 characters):
//   header 23 → MAXALIGN 24 (no null, no bitmap)
//   id 0..4, flag 4..5, created_at aligned to 8: 8..16,
//   note 1-byte header + 19 = avg_width 20, unaligned: 16..36
//   tuple = MAXALIGN(24 + 36) = 64, 68 with its line pointer
//   ff 100: floor((8192 − 24) / 68) = floor(8168 / 68) = 120   (120 × 68 = 8160)
//   ff 70: reserve 8192 × 30 / 100 = 2457, floor(5711 / 68) = 83 (84 × 68 = 5712)
const std::vector<Column> hand_table = {int4(), boolean(), timestamptz(), text(20)};

TEST(HeapLayout, HandComputedRow) {
    EXPECT_EQ(heap_tuple_bytes(hand_table), 64.0);
    EXPECT_EQ(heap_page_fill_bytes(100), 8168);
    EXPECT_EQ(heap_page_fill_bytes(70), 5711);
    EXPECT_EQ(heap_tuples_per_page(64, 100), 120);
    EXPECT_EQ(heap_tuples_per_page(64, 70), 83);
}

TEST(HeapBloat, FillfactorIsPartOfTheExpectedSize) {
    // 1M rows: ceil(1e6 / 120) = 8,334 pages at ff 100, ceil(1e6 / 83) = 12,049 at 70.
    const BloatEstimate packed = estimate_heap_bloat({1e6, 8334, hand_table, 100});
    EXPECT_EQ(packed.quality, EstimateQuality::ok);
    ASSERT_TRUE(packed.figure);
    EXPECT_EQ(packed.figure->expected_bytes, 8334LL * 8192);
    EXPECT_EQ(packed.figure->bloat_bytes, 0);

    // A fresh ff 70 table is not bloated; read at ff 100 it would show 31%.
    const BloatEstimate at_70 = estimate_heap_bloat({1e6, 12049, hand_table, 70});
    ASSERT_TRUE(at_70.figure);
    EXPECT_EQ(at_70.figure->expected_bytes, 12049LL * 8192);
    EXPECT_EQ(at_70.figure->bloat_bytes, 0);
    const BloatEstimate ignoring_ff = estimate_heap_bloat({1e6, 12049, hand_table, 100});
    EXPECT_NEAR(ignoring_ff.figure->bloat_pct, 100.0 * (12049 - 8334) / 12049, 1e-9);

    // 10,000 pages for 8,334 expected: 1,666 pages of bloat.
    const BloatEstimate bloated = estimate_heap_bloat({1e6, 10000, hand_table, 100});
    EXPECT_EQ(bloated.figure->actual_bytes, 10000LL * 8192);
    EXPECT_EQ(bloated.figure->bloat_bytes, 1666LL * 8192);
    EXPECT_NEAR(bloated.figure->bloat_pct, 16.66, 1e-9);
}

TEST(HeapLayout, NullsAddABitmapOnlyToTheRowsThatHaveOne) {
    // (id int8, c1..c7 int4, c8 int4 null in 25% of rows): 9 attributes, 2-byte bitmap.
    //   no null (75%): header 24, data 8 + 8 × 4 = 40 → 64
    //   c8 null (25%): header MAXALIGN(23 + 2) = 32, data 8 + 7 × 4 = 36 → 68 → 72
    //   mean 0.75 × 64 + 0.25 × 72 = 66; floor(8168 / 70) = 116 a page
    std::vector<Column> columns = {int8()};
    for (int i = 0; i < 7; ++i)
        columns.push_back(int4());
    columns.push_back(int4(0.25));
    EXPECT_EQ(heap_tuple_bytes(columns), 66.0);
    EXPECT_EQ(heap_tuples_per_page(66, 100), 116);
    // 100,000 rows: ceil(100000 / 116) = 863 pages, as PostgreSQL.
    EXPECT_EQ(estimate_heap_bloat({1e5, 863, columns}).figure->expected_bytes, 863LL * 8192);

    // A dropped column is null in every rewritten row: all get the bitmap.
    columns.back() = Column{4, 'i', std::nullopt, true};
    EXPECT_EQ(heap_tuple_bytes(columns), 72.0);  // 32 + 8 + 7 × 4 = 68 → 72
}

TEST(HeapLayout, ANullColumnTakesNoDataSpace) {
    // (id int8, note text of 99 characters, null in half the rows):
    //   present: 24 + 8 + 100 = 132 → 136; null: MAXALIGN(23 + 1) = 24, + 8 → 32
    //   mean 84; floor(8168 / 88) = 92 a page; 100,000 rows → 1,087 pages, as PostgreSQL.
    const std::vector<Column> columns = {int8(), text(100, 0.5)};
    EXPECT_EQ(heap_tuple_bytes(columns), 84.0);
    EXPECT_EQ(heap_tuples_per_page(84, 100), 92);
}

TEST(HeapLayout, LongVarlenasAreAlignedShortOnesAreNot) {
    // (flag bool, body text): at 200 stored bytes body has a 4-byte header and
    // int alignment: 0..1, 4..204 → 24 + 204 = 228 → 232 (PostgreSQL: 2,942
    // pages for 100,000 rows = ceil(100000 / floor(8168 / 236))).
    EXPECT_EQ(heap_tuple_bytes(std::vector<Column>{boolean(), text(200)}), 232.0);
    EXPECT_EQ(heap_tuples_per_page(232, 100), 34);
    // At 100 bytes: 1-byte header, unaligned: 1 + 100 = 101 → 125 → 128.
    EXPECT_EQ(heap_tuple_bytes(std::vector<Column>{boolean(), text(100)}), 128.0);
}

TEST(HeapLayout, FixedWidthColumnsNeedNoStatistics) {
    // (relname name, n int8): name is 64 bytes, char-aligned, whatever
    // avg_width says: 0..64, 64..72 → 24 + 72 = 96 (1,235 pages for 100,000 rows).
    const Column name_without_stats{64, 'c', std::nullopt};
    const Column int8_without_stats{8, 'd', std::nullopt};
    EXPECT_EQ(heap_tuple_bytes(std::vector<Column>{name_without_stats, int8_without_stats}), 96.0);
    EXPECT_EQ(heap_tuples_per_page(96, 100), 81);
}

TEST(HeapBloat, MissingWidthsGiveNoStatsAndNoFigure) {
    const std::vector<Column> columns = {int4(), text_without_stats()};
    EXPECT_FALSE(heap_tuple_bytes(columns));
    const BloatEstimate estimate = estimate_heap_bloat({1000, 10, columns});
    EXPECT_EQ(estimate.quality, EstimateQuality::no_stats);
    EXPECT_FALSE(estimate.figure);
    EXPECT_EQ(to_string(estimate.quality), "no_stats");
}

TEST(HeapBloat, StaleStatistics) {
    // Never vacuumed nor analyzed: nothing to compare with.
    const BloatEstimate never = estimate_heap_bloat({-1, 100, hand_table});
    EXPECT_EQ(never.quality, EstimateQuality::stale_stats);
    EXPECT_FALSE(never.figure);
    EXPECT_EQ(to_string(never.quality), "stale_stats");

    // Past 50 + 20% of the rows modified: stale, the figure kept.
    const BloatEstimate much_changed = estimate_heap_bloat({1e6, 8334, hand_table, 100, 300000});
    EXPECT_EQ(much_changed.quality, EstimateQuality::stale_stats);
    EXPECT_TRUE(much_changed.figure);
    EXPECT_EQ(estimate_heap_bloat({1e6, 8334, hand_table, 100, 200050}).quality, EstimateQuality::ok);
    EXPECT_EQ(estimate_heap_bloat({1e6, 8334, hand_table, 100, 200051}).quality,
              EstimateQuality::stale_stats);

    // A small table is not stale after a handful of updates.
    EXPECT_EQ(estimate_heap_bloat({10, 1, hand_table, 100, 40}).quality, EstimateQuality::ok);
    EXPECT_EQ(to_string(EstimateQuality::ok), "ok");
}

TEST(HeapBloat, TinyTablesShowNoPageGranularityArtefact) {
    // 200 rows at 120 a page need 2 pages. A third page is within the model's
    // rounding (it would read as 33%), two more pages are bloat.
    const auto bloat_pages = [](double rows, std::int64_t pages) {
        return estimate_heap_bloat({rows, pages, hand_table}).figure->bloat_bytes / 8192;
    };
    EXPECT_EQ(bloat_pages(200, 2), 0);
    EXPECT_EQ(bloat_pages(200, 3), 0);
    EXPECT_EQ(bloat_pages(200, 4), 2);
    EXPECT_NEAR(estimate_heap_bloat({200, 5, hand_table}).figure->bloat_pct, 60, 1e-9);
    // One row, one page; three rows on 40 pages (a drained queue): 39 pages.
    EXPECT_EQ(bloat_pages(1, 1), 0);
    EXPECT_EQ(bloat_pages(3, 40), 39);
    // Never more than all pages but one while rows remain; all when none do.
    EXPECT_EQ(bloat_pages(0, 40), 40);
    EXPECT_EQ(bloat_pages(0, 1), 0);

    // A table never vacuumed nor analyzed (reltuples -1, relpages 0): no figure.
    const BloatEstimate never = estimate_heap_bloat({-1, 0, std::vector<Column>{text_without_stats()}});
    EXPECT_EQ(never.quality, EstimateQuality::stale_stats);
    EXPECT_FALSE(never.figure);

    // An empty relation has no bloat.
    const BloatEstimate empty = estimate_heap_bloat({0, 0, std::vector<Column>{text_without_stats()}});
    EXPECT_EQ(empty.quality, EstimateQuality::ok);
    ASSERT_TRUE(empty.figure);
    EXPECT_EQ(empty.figure->actual_bytes, 0);
    EXPECT_EQ(empty.figure->bloat_pct, 0);
}

TEST(ToastBloat, ChunkRowsAtFourAPage) {
    // TOAST_MAX_CHUNK_SIZE = MAXALIGN_DOWN((8192 − MAXALIGN(24 + 4 × 4)) / 4)
    //   − 24 − 4 − 4 − 4 = 2032 − 36 = 1996.
    EXPECT_EQ(toast_max_chunk_size(), 1996);
    // A full chunk row: 24 + (4 + 4 + 4 + 1996) = 2032, + 4 = 2036; 4 × 2036 = 8144 ≤ 8168.
    // 30,000 chunks (10,000 values of 3 chunks) → 7,500 pages, as PostgreSQL.
    const BloatEstimate packed = estimate_toast_bloat({30000, 7500});
    ASSERT_TRUE(packed.figure);
    EXPECT_EQ(packed.figure->expected_bytes, 7500LL * 8192);
    EXPECT_EQ(packed.figure->bloat_bytes, 0);

    // The 30% bloated TOAST table that statistics queries report at 0%.
    const BloatEstimate bloated = estimate_toast_bloat({30000, 10715});
    EXPECT_EQ(bloated.quality, EstimateQuality::ok);
    EXPECT_EQ(bloated.figure->bloat_bytes, 3215LL * 8192);
    EXPECT_NEAR(bloated.figure->bloat_pct, 30.0, 0.01);

    // Values not known: every chunk counts as full, so a toast table of
    // 2,560-byte values (6,667 pages for 40,000 chunks) looks packed even
    // after 30% of them went.
    EXPECT_EQ(estimate_toast_bloat({28000, 6667}).figure->bloat_bytes, 0);

    // VACUUM never ran on it: no chunk count.
    EXPECT_EQ(estimate_toast_bloat({-1, 100}).quality, EstimateQuality::stale_stats);
}

// 20,000 values of 2,560 bytes: a full chunk (24 + 12 + 1996 = 2032 → 2036
// with its line pointer) and one of 564 bytes (24 + 12 + 564 = 600 → 604):
// 2,640 bytes a value, 3 a page (7,920 of 8,168), 6,667 pages, as PostgreSQL
// 15 writes them.
TEST(ToastBloat, PartlyFilledLastChunks) {
    const BloatEstimate fresh = estimate_toast_bloat({40000, 6667, 20000});
    ASSERT_TRUE(fresh.figure);
    EXPECT_EQ(fresh.figure->bloat_bytes, 0);

    // 30% deleted, VACUUM: 28,000 chunk rows of 14,000 values stay on the
    // 6,667 pages; VACUUM FULL packs them into 4,667 (2,000 pages reclaimable).
    // Last chunks taken as half full (1044 bytes each): ceil(14,000 ×
    // (2,042 + 1,044) / 8,168) = 5,290 pages expected, 1,377 found.
    const BloatEstimate deleted = estimate_toast_bloat({28000, 6667, 14000, 12000});
    ASSERT_TRUE(deleted.figure);
    EXPECT_EQ(deleted.figure->expected_bytes, 5290LL * 8192);
    EXPECT_EQ(deleted.figure->bloat_bytes, 1377LL * 8192);
    EXPECT_GE(deleted.figure->bloat_bytes, 2000LL * 8192 / 2);  // SPEC §3: at least half
    EXPECT_LE(deleted.figure->bloat_bytes, 2000LL * 8192);      // and here not more than the truth

    // Statistics reset after the DELETE: the deleted chunks are unknown, the
    // pages look as if the live chunks had filled them: no bloat claimed.
    EXPECT_EQ(estimate_toast_bloat({28000, 6667, 14000, 0}).figure->bloat_bytes, 0);

    // More values than chunks (a wrong guess): capped at one value per chunk,
    // and never more bloat than the table's pages.
    const BloatEstimate capped = estimate_toast_bloat({28000, 6667, 1e9, 1e9});
    EXPECT_LE(capped.figure->bloat_bytes, capped.figure->actual_bytes);
    EXPECT_GE(capped.figure->expected_bytes, 0);
}

// The look-alike that is not bloated: 3,900-byte values end in a nearly full
// chunk (1,904 bytes: 24 + 12 + 1,904 = 1,940 → 1,948), 2 values a page,
// 10,000 pages for 20,000 values. Half-full last chunks would call a quarter
// of it bloat; the pages show the chunks fuller.
TEST(ToastBloat, NearlyFullLastChunksAreNotBloat) {
    const BloatEstimate fresh = estimate_toast_bloat({40000, 10000, 20000});
    ASSERT_TRUE(fresh.figure);
    EXPECT_EQ(fresh.figure->bloat_bytes, 0);
    // The same after deleting 30%: 6,000 of 10,000 pages' worth of values left.
    const BloatEstimate deleted = estimate_toast_bloat({28000, 10000, 14000, 12000});
    EXPECT_NEAR(static_cast<double>(deleted.figure->bloat_bytes), 3000.0 * 8192, 10 * 8192);
}

TEST(ToastBloat, OutOfLineValuesFromColumnStatistics) {
    const Column id{4, 'i', std::nullopt};
    const Column body{-1, 'i', ColumnStats{18, 0.25, true}};         // all TOAST pointers
    const Column email{-1, 'i', ColumnStats{18, 0, false}};          // 18 bytes inline: values sampled
    const Column notes{-1, 'i', ColumnStats{400, 0, true}};          // wide, some inline
    const Column dropped{-1, 'i', ColumnStats{18, 0, true}, true};
    const std::vector<Column> table = {id, body, email, notes, dropped};
    EXPECT_DOUBLE_EQ(out_of_line_values(1000, table), 750);
    EXPECT_DOUBLE_EQ(out_of_line_values(-1, table), 0);  // never vacuumed
}

TEST(TableBloat, HeapAndToastTogether) {
    const BloatEstimate heap = estimate_heap_bloat({1e6, 10000, hand_table});  // 1,666 pages
    const BloatEstimate toast = estimate_toast_bloat({30000, 10715});    // 3,215 pages
    const BloatEstimate table = combine_table_and_toast(heap, toast);
    EXPECT_EQ(table.quality, EstimateQuality::ok);
    ASSERT_TRUE(table.figure);
    EXPECT_EQ(table.figure->actual_bytes, (10000LL + 10715) * 8192);
    EXPECT_EQ(table.figure->expected_bytes, (8334LL + 7500) * 8192);
    EXPECT_EQ(table.figure->bloat_bytes, (1666LL + 3215) * 8192);
    EXPECT_NEAR(table.figure->bloat_pct, 100.0 * 4881 / 20715, 1e-9);

    const BloatEstimate no_toast = estimate_toast_bloat({-1, 0});  // empty: no bloat
    EXPECT_EQ(combine_table_and_toast(heap, no_toast).figure->bloat_bytes, 1666LL * 8192);

    const BloatEstimate stale_toast = estimate_toast_bloat({-1, 100});
    const BloatEstimate stale = combine_table_and_toast(heap, stale_toast);
    EXPECT_EQ(stale.quality, EstimateQuality::stale_stats);
    EXPECT_FALSE(stale.figure);

    const BloatEstimate no_stats = estimate_heap_bloat({1000, 10, std::vector<Column>{text_without_stats()}});
    EXPECT_EQ(combine_table_and_toast(no_stats, stale_toast).quality, EstimateQuality::no_stats);
}

// --- B-tree -----------------------------------------------------------------

const std::vector<Column> int4_key = {int4()};

TEST(BtreeLayout, UniqueInt4) {
    // Item: IndexTupleData 8 + int4 4 = 12 → MAXALIGN 16, + line pointer = 20.
    // A new leaf: 8192 − 24 − 16 special − 4 (high key's line pointer) − 4 = 8144 free.
    // At ff 90 it closes with less than 819 (8192 × 10 / 100) left:
    //   floor((8144 − 819) / 20) = 366 items, plus the high key: 367 line
    //   pointers, the "~367 a leaf" known for int4.
    // 1,000,000 / 366 → 2,733 leaves. Pivots of 16 bytes at ff 70:
    //   floor((8144 − 2457) / 20) = 284 a page → 10 internal pages + the root.
    // + metapage = 2,745 pages: exactly PostgreSQL's build.
    const auto layout = btree_layout({1e6, 2745, int4_key, false, -1});
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->leaf_item_bytes, 20);
    EXPECT_EQ(layout->items_per_leaf, 366);
    EXPECT_EQ(layout->leaf_pages, 2733);
    EXPECT_EQ(layout->internal_pages, 11);
    EXPECT_EQ(layout->total_pages, 2745);
    EXPECT_EQ(btree_leaf_fill_bytes(90), 7325);

    const BloatEstimate fresh = estimate_btree_bloat({1e6, 2745, int4_key, false, -1});
    EXPECT_EQ(fresh.quality, EstimateQuality::ok);
    EXPECT_EQ(fresh.figure->bloat_bytes, 0);
    const BloatEstimate bloated = estimate_btree_bloat({1e6, 5000, int4_key, false, -1});
    EXPECT_EQ(bloated.figure->bloat_bytes, 2255LL * 8192);
    EXPECT_NEAR(bloated.figure->bloat_pct, 45.1, 1e-9);
}

TEST(BtreeLayout, FillfactorHundredStopsAtTheHardLimit) {
    // No soft reserve, but a leaf keeps room for the item and a heap TID (16 + 8):
    //   floor((8144 − 24) / 20) = 406 a leaf → 2,464 leaves, 9 + 1 internal,
    //   + metapage = 2,475 pages, as PostgreSQL.
    const auto layout = btree_layout({1e6, 0, int4_key, false, -1, 100});
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->items_per_leaf, 406);
    EXPECT_EQ(layout->total_pages, 2475);
}

TEST(BtreeLayout, DeduplicationPacksFewKeysIntoPostingLists) {
    // 10 distinct int4 over 1M rows, 100,000 TIDs a key. A build caps a posting
    // tuple at MAXALIGN_DOWN(819) − 4 = 812 bytes: MAXALIGN(16 + 6 n) ≤ 812 gives
    // n = 132 TIDs (808 bytes). A key: 757 full posting tuples + one of 76 TIDs
    // (MAXALIGN(16 + 456) = 472) = 758 items; 7,580 in all, 811.6 bytes each.
    // The high key sheds the posting list, so the hard limit rules:
    //   floor((8144 − (808 + 8)) / 811.6) = 9 a leaf → 843 leaves; pivots carry a
    //   heap TID (24 bytes): 203 a page → 5 + 1 internal; + metapage = 850 pages,
    //   as PostgreSQL (the same index without deduplication: 2,749).
    const auto dedup = btree_layout({1e6, 0, int4_key, true, 10});
    ASSERT_TRUE(dedup);
    EXPECT_EQ(dedup->leaf_items, 7580);
    EXPECT_EQ(dedup->items_per_leaf, 9);
    EXPECT_EQ(dedup->leaf_pages, 843);
    EXPECT_EQ(dedup->total_pages, 850);

    const auto plain = btree_layout({1e6, 0, int4_key, false, 10});
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->total_pages, 2749);
    EXPECT_LT(dedup->total_pages * 3, plain->total_pages);

    // What statistics queries miss: a 1,700-page deduplicated index is 50% bloated.
    const BloatEstimate bloated = estimate_btree_bloat({1e6, 1700, int4_key, true, 10});
    EXPECT_EQ(bloated.figure->bloat_bytes, 850LL * 8192);
    EXPECT_NEAR(bloated.figure->bloat_pct, 50, 1e-9);

    // Deduplication cannot be modelled without n_distinct.
    const BloatEstimate unknown = estimate_btree_bloat({1e6, 1700, int4_key, true, std::nullopt});
    EXPECT_EQ(unknown.quality, EstimateQuality::no_stats);
    EXPECT_FALSE(unknown.figure);
    EXPECT_EQ(estimate_btree_bloat({1e6, 1700, int4_key, true, 0}).quality, EstimateQuality::no_stats);
}

TEST(BtreeLayout, NullableKeys) {
    // int4 null in half the rows: a null key has the 4-byte bitmap but no data,
    // MAXALIGN(8 + 4) = 16 like a present one. The ~49,950 distinct values leave
    // half the neighbours equal (the nulls), so pivots average 16 + 8 / 2 = 20:
    //   100,000 / 366 → 274 leaves, floor(5687 / 24) = 236 a page → 2 + 1
    //   internal, + metapage = 278 pages, as PostgreSQL.
    const std::vector<Column> key = {int4(0.5)};
    const auto layout = btree_layout({1e5, 0, key, false, -0.4995});
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->leaf_item_bytes, 20);
    EXPECT_NEAR(layout->pivot_bytes, 20.0, 0.01);
    EXPECT_EQ(layout->total_pages, 278);
}

TEST(BtreeLayout, ExpressionKeysTakeTheirWidthFromTheirOwnStatistics) {
    // lower(email), avg_width 24 in the index's pg_stats: 8 + 24 = 32 (short
    // varlena, unaligned) → 32, + 4 = 36; floor(7325 / 36) = 203 a leaf.
    const std::vector<Column> key = {text(24)};
    const auto layout = btree_layout({1e5, 0, key, false, -1});
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->items_per_leaf, 203);
    EXPECT_EQ(estimate_btree_bloat({1e5, 0, std::vector<Column>{text_without_stats()}, false, -1}).quality,
              EstimateQuality::ok);  // empty file
    EXPECT_EQ(estimate_btree_bloat({1e5, 10, std::vector<Column>{text_without_stats()}, false, -1}).quality,
              EstimateQuality::no_stats);
}

TEST(BtreeBloat, EmptyAndTinyIndexes) {
    // An empty index is its metapage.
    const BloatEstimate empty = estimate_btree_bloat({0, 1, int4_key, false, -1});
    EXPECT_EQ(empty.figure->expected_bytes, 8192);
    EXPECT_EQ(empty.figure->bloat_bytes, 0);
    // Metapage + root leaf; a third page is within rounding.
    EXPECT_EQ(estimate_btree_bloat({100, 2, int4_key, false, -1}).figure->expected_bytes, 2 * 8192);
    EXPECT_EQ(estimate_btree_bloat({100, 3, int4_key, false, -1}).figure->bloat_bytes, 0);
    EXPECT_EQ(estimate_btree_bloat({100, 4, int4_key, false, -1}).figure->bloat_bytes, 2 * 8192);
    EXPECT_EQ(estimate_btree_bloat({-1, 4, int4_key, false, -1}).quality, EstimateQuality::stale_stats);
}

}  // namespace
}  // namespace hastecrm_perf
