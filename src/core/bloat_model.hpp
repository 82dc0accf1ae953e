// The statistics-based bloat estimate of table_bloat() and index_bloat(): how
// big a relation would be freshly packed (VACUUM FULL, REINDEX), from pg_class,
// pg_attribute and pg_stats alone, set against its size on disk.
//
// Heap, as heap_form_tuple lays a tuple out and raw_heap_insert (the rewrite)
// fills pages:
//   tuple     = MAXALIGN(MAXALIGN(23 [+ ceil(natts / 8) null bitmap]) + data)
//   data      = the columns in attnum order, each at its typalign (c 1, s 2,
//               i 4, d 8), fixed-width ones typlen wide, the others avg_width
//               wide (pg_stats measures the stored form: short header,
//               compression, an 18-byte TOAST pointer). A varlena of at most
//               127 stored bytes gets a 1-byte header and no alignment; the
//               model applies that rule to avg_width, so a column whose values
//               straddle 127 bytes is only approximately aligned.
//   nulls     = two kinds of tuple, averaged: with no null (probability
//               ∏(1 − null_frac), every column present) and with some null
//               (bitmap; column i present with probability 1 − null_frac/P,
//               P = 1 − ∏(1 − null_frac)), columns independent. A dropped
//               column is null in every rewritten tuple, so it forces the bitmap.
//   per page  = floor((block − 24 − reserve) / (tuple + 4)), at least 1, where
//               reserve = block × (100 − fillfactor) / 100 in integers:
//               PostgreSQL keeps (100 − ff)% of the whole block free, not of
//               the usable space.
//   expected  = ceil(reltuples / per page) pages.
//
// TOAST: a TOAST table is a heap of (chunk_id oid, chunk_seq int4, chunk_data
// bytea) with fillfactor 100; chunks carry at most TOAST_MAX_CHUNK_SIZE (1996
// on 8 kB pages) so that 4 full chunk rows fill a page. Its pg_class.reltuples
// (set by VACUUM) counts chunk rows. A value of S bytes takes ceil(S / 1996)
// chunks, all full but the last: counting every row as a full chunk makes a
// table of 2,560-byte values (1 full chunk + 564 bytes) look packed at 2/3 of
// its real density, and so hides a 30% deletion entirely. The estimate:
//   values    = out-of-line values: main table rows × (1 − null_frac) of each
//               column whose every sampled value was stored as the 18-byte
//               TOAST pointer (pg_stats avg_width 18, and no MCV or histogram:
//               ANALYZE keeps no value over 1 kB). Capped at the chunk rows.
//               Other columns' chunks count as full: a lower bound again.
//   chunks    = (chunk rows − values) full ones, 8168 / 4 = 2042 bytes of a
//               page each, and one last chunk per value.
//   last      = the bytes of page a last chunk takes: at least the footprint of
//               a half-full chunk (1044; last chunks of sizes spread wider than
//               a chunk average half full), more when the pages show it: the
//               pages hold every chunk that lived in them, live ones plus those
//               deleted since statistics were reset (n_tup_del of the TOAST
//               table); their share of the pages left to the last chunks is
//               what a last chunk took when written. A table never deleted
//               from so gets no bloat; one whose values end nearly full is
//               not taken for half full.
//   expected  = ceil((full × 2042 + values × last) / 8168) pages; bloat never
//               exceeds the pages the TOAST table has.
// The half-full floor is the weak spot: values just over a multiple of 1996
// bytes (tiny last chunks) are packed denser than assumed, and only part of
// their bloat shows.
//
// B-tree, as _bt_load (CREATE INDEX, REINDEX) builds it:
//   tuple     = MAXALIGN(8-byte IndexTupleData [+ 4-byte null bitmap, making
//               16] + key data laid out as in a heap tuple), nulls as above.
//   posting   = with deduplication (PG13+), the heap TIDs of equal keys share
//               one tuple: MAXALIGN(tuple + 6 × TIDs), capped at
//               MAXALIGN_DOWN(block / 10) − 4 bytes (812), the cap of a build
//               (insert-time deduplication allows ~1/6 of a page, BTMaxItemSize
//               is 1/3; an index grown by inserts packs less than a rebuilt one,
//               which is the bloat we report). Keys are n_distinct groups of
//               equal size: skew barely matters, since each TID costs 6 bytes
//               in any posting list and each posting tuple ~20.
//   leaf page = 8192 − 24 header − 16 special − 4 high key line pointer − 4
//               (PageGetFreeSpace's line pointer) = 8144 bytes; a page is closed
//               when less than max(block × (100 − ff) / 100 less the posting
//               list the high key drops, largest tuple + 8) is left, its last
//               item moving on: items per leaf = floor((8144 − that) / (mean
//               tuple + 4)), at least 2.
//   internal  = the same at fillfactor 70 over pivot tuples (the key, plus an
//               8-byte heap TID when the split falls between equal keys), level
//               by level up to one root: 0.3% to 3% of the leaves.
//   expected  = 1 metapage + leaves + internal pages.
//
// Checked against PostgreSQL 15: every case of test/unit/bloat_model_test.cpp
// (heap, nulls, TOAST, unique, fillfactor 100, deduplicated and nullable
// B-trees) is the size PostgreSQL builds, to the page.
//
// Bloat = pages on disk − expected pages, but an excess of one page is within
// the model's rounding (a last page more or less) and is reported as none: on
// a table of three pages it would read as 33%.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hastecrm_perf {

inline constexpr std::int32_t default_block_size = 8192;  // BLCKSZ
inline constexpr int page_header_bytes = 24;               // SizeOfPageHeaderData
inline constexpr int line_pointer_bytes = 4;               // sizeof(ItemIdData)
inline constexpr int default_heap_fillfactor = 100;        // HEAP_DEFAULT_FILLFACTOR
inline constexpr int default_btree_fillfactor = 90;        // BTREE_DEFAULT_FILLFACTOR

// What pg_stats says about one column (or index expression).
struct ColumnStats {
    double avg_width;  // mean stored bytes of the non-null values
    double null_frac;
    // ANALYZE kept no value (no MCV, no histogram): every sampled value was
    // over 1 kB.
    bool only_wide_values = false;
};

// One attribute, from pg_attribute (and pg_stats when it has a row).
struct Column {
    std::int16_t typlen;  // attlen: > 0 fixed width, -1 varlena, -2 cstring
    char typalign;        // attalign: 'c', 's', 'i' or 'd'
    // Absent when never analyzed or statistics are off for the column; only a
    // variable-width column needs them (a fixed-width one is then taken as never null).
    std::optional<ColumnStats> stats;
    bool dropped = false;  // attisdropped
};

// Mean bytes of one heap tuple (MAXALIGNed, line pointer excluded). Absent
// when a variable-width column has no statistics.
std::optional<double> heap_tuple_bytes(std::span<const Column> columns);

// Bytes of tuples plus line pointers that PostgreSQL puts on one heap page
// before it opens the next: block − page header − the fillfactor reserve.
std::int64_t heap_page_fill_bytes(int fillfactor, std::int32_t block_size = default_block_size);

// Tuples of `tuple_bytes` a packed heap page holds (at least 1).
std::int64_t heap_tuples_per_page(double tuple_bytes, int fillfactor,
                                  std::int32_t block_size = default_block_size);

// TOAST_MAX_CHUNK_SIZE: 1996 on 8 kB pages.
std::int32_t toast_max_chunk_size(std::int32_t block_size = default_block_size);

// Bytes a B-tree build fills with items (line pointers included) on a leaf
// page before the fillfactor closes it, for tuples without posting lists.
std::int64_t btree_leaf_fill_bytes(int fillfactor, std::int32_t block_size = default_block_size);

// Internal pages a B-tree build puts above `leaf_pages` leaves, with pivot
// tuples of `pivot_bytes` (MAXALIGNed, line pointer excluded).
std::int64_t btree_internal_pages(std::int64_t leaf_pages, double pivot_bytes,
                                  std::int32_t block_size = default_block_size);

enum class EstimateQuality {
    ok,
    no_stats,     // a column the model needs has no statistics: no figure
    stale_stats,  // never vacuumed nor analyzed (no figure), or much changed since (figure kept)
};

// The `estimate` column's text: "ok", "no_stats", "stale_stats".
std::string_view to_string(EstimateQuality quality);

struct BloatFigure {
    std::int64_t actual_bytes;
    std::int64_t expected_bytes;
    std::int64_t bloat_bytes;  // actual − expected when over one page, else 0
    double bloat_pct;          // of actual_bytes; 0 for an empty relation
};

struct BloatEstimate {
    EstimateQuality quality;
    std::optional<BloatFigure> figure;  // absent: report NULL
};

// Statistics are stale past autovacuum's own analyze trigger (50 rows +
// scale × reltuples) at twice its default scale factor of 0.1: autovacuum
// should have analyzed by then, so it lags or is off. The 50 rows keep a
// small table from going stale on a handful of updates.
inline constexpr double stale_base_rows = 50;
inline constexpr double stale_modified_fraction = 0.2;

struct HeapInput {
    double reltuples;                  // pg_class.reltuples; < 0: never vacuumed nor analyzed
    std::int64_t pages;                // main fork: pg_class.relpages, of the same moment
    std::span<const Column> columns;   // every attribute in attnum order, dropped ones too
    int fillfactor = default_heap_fillfactor;
    double modified_since_analyze = 0;  // pg_stat_all_tables.n_mod_since_analyze
    std::int32_t block_size = default_block_size;
};

BloatEstimate estimate_heap_bloat(const HeapInput& heap);

struct ToastInput {
    double reltuples;     // chunk rows: the TOAST table's pg_class.reltuples
    std::int64_t pages;   // the TOAST table's main fork
    // Out-of-line values the chunks belong to (out_of_line_values()); 0 when
    // unknown: every chunk is then counted as full, a lower bound of the bloat.
    double values = 0;
    // Chunk rows deleted since statistics were reset: pg_stat n_tup_del of the
    // TOAST table.
    double deleted_chunks = 0;
    std::int32_t block_size = default_block_size;
};

// The 18 bytes an out-of-line value takes in its row (TOAST_POINTER_SIZE).
inline constexpr int toast_pointer_bytes = 18;

// Values stored out of line among `rows` rows, from the columns' statistics:
// the columns whose ANALYZE sample was all TOAST pointers (see above).
double out_of_line_values(double rows, std::span<const Column> columns);

BloatEstimate estimate_toast_bloat(const ToastInput& toast);

// The table_bloat() row: heap and TOAST together. The worse quality wins
// (no_stats over stale_stats over ok); a figure needs both parts.
BloatEstimate combine_table_and_toast(const BloatEstimate& heap, const BloatEstimate& toast);

struct BtreeInput {
    double reltuples;  // the index's pg_class.reltuples: heap TIDs it points to
    std::int64_t pages;  // metapage included
    // Index attributes in order, INCLUDE ones too, with the widths of the indexed
    // values: the column's pg_stats, or the index's own for an expression.
    std::span<const Column> columns;
    // Posting lists at build: deduplicate_items on, not unique, no INCLUDE
    // columns and every key opclass "equalimage" (not numeric, float, jsonb...).
    bool deduplicate;
    // Distinct keys in pg_stats's convention: > 0 a count, < 0 minus a fraction
    // of the rows, 0 unknown. For several key columns pass the best guess (an
    // extended ndistinct statistic, or the product of the columns' capped at
    // the rows). Needed when deduplicating; otherwise keys are taken as unique.
    std::optional<double> n_distinct;
    int fillfactor = default_btree_fillfactor;
    double modified_since_analyze = 0;  // the table's n_mod_since_analyze
    std::int32_t block_size = default_block_size;
};

// The shape of a freshly built B-tree, for the estimate and for checking it.
struct BtreeLayout {
    double leaf_items;           // leaf tuples: plain ones and posting lists
    double leaf_item_bytes;      // mean bytes of one, line pointer included
    std::int64_t items_per_leaf;
    std::int64_t leaf_pages;
    double pivot_bytes;
    std::int64_t internal_pages;
    std::int64_t total_pages;    // metapage + leaves + internal pages
};

// Absent when a width or n_distinct the model needs has no statistics.
std::optional<BtreeLayout> btree_layout(const BtreeInput& index);

BloatEstimate estimate_btree_bloat(const BtreeInput& index);

}  // namespace hastecrm_perf
