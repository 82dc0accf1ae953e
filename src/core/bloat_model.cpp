#include "core/bloat_model.hpp"

#include <algorithm>
#include <cmath>

namespace hastecrm_perf {

namespace {

// Sizes from PostgreSQL's headers (bufpage.h, htup_details.h, itup.h, nbtree.h).
constexpr int max_align = 8;                 // MAXIMUM_ALIGNOF
constexpr int heap_header_bytes = 23;        // SizeofHeapTupleHeader
constexpr int index_header_bytes = 8;        // sizeof(IndexTupleData)
constexpr int index_null_bitmap_bytes = 4;   // sizeof(IndexAttributeBitMapData)
constexpr int btree_special_bytes = 16;      // sizeof(BTPageOpaqueData)
constexpr int heap_tid_bytes = 6;            // sizeof(ItemPointerData)
constexpr int aligned_heap_tid_bytes = 8;    // MAXALIGN(sizeof(ItemPointerData))
constexpr int btree_internal_fillfactor = 70;  // BTREE_NONLEAF_FILLFACTOR
constexpr int short_varlena_max_bytes = 127;   // VARATT_SHORT_MAX
constexpr int varlena_header_bytes = 4;        // VARHDRSZ
constexpr int toast_chunks_per_page = 4;       // EXTERN_TUPLES_PER_PAGE
constexpr int toast_fillfactor = 100;          // heap_reloptions forces it for TOAST tables
constexpr int oid_bytes = 4;
constexpr int int4_bytes = 4;

// Widths are means, so offsets are fractional: sums of fractions can land a
// hair above a multiple of the alignment and must not round up a whole step.
constexpr double rounding_slack = 1e-9;

double align_up(double offset, int alignment) {
    return std::ceil(offset / alignment - rounding_slack) * alignment;
}

std::int64_t maxalign_down(std::int64_t bytes) { return bytes / max_align * max_align; }

int alignment_of(char typalign) {
    switch (typalign) {
        case 'd': return 8;
        case 'i': return 4;
        case 's': return 2;
        default: return 1;
    }
}

double null_probability(const Column& column) {
    if (column.dropped)
        return 1;
    return column.stats ? std::clamp(column.stats->null_frac, 0.0, 1.0) : 0;
}

bool has_known_width(const Column& column) {
    return column.dropped || column.typlen > 0 || column.stats.has_value();
}

// Data bytes of the columns laid out from an aligned offset, each present with
// the probability `presence(column)` gives.
template <typename Presence>
double data_bytes(std::span<const Column> columns, Presence presence) {
    double offset = 0;
    for (const Column& column : columns) {
        const double present = presence(column);
        if (present <= 0)
            continue;
        double width;
        int alignment = alignment_of(column.typalign);
        if (column.typlen > 0) {
            width = column.typlen;
        } else {
            width = column.stats->avg_width;
            if (column.typlen == -1 && width <= short_varlena_max_bytes)
                alignment = 1;  // 1-byte header: stored unaligned
        }
        offset = align_up(offset, alignment) + present * width;
    }
    return offset;
}

// Mean tuple bytes, MAXALIGNed: the tuples without a null and those with one
// (header_with_nulls long), weighted by how often each occurs.
double tuple_bytes(std::span<const Column> columns, double header_without_nulls,
                   double header_with_nulls) {
    double all_present = 1;
    for (const Column& column : columns)
        all_present *= 1 - null_probability(column);
    const double some_null = 1 - all_present;

    double bytes = 0;
    if (all_present > 0)
        bytes += all_present *
                 align_up(header_without_nulls + data_bytes(columns, [](const Column&) { return 1.0; }),
                          max_align);
    if (some_null > 0) {
        // Given some null, column i is null with probability null_frac / P.
        const auto present = [some_null](const Column& column) {
            return std::max(0.0, 1 - null_probability(column) / some_null);
        };
        bytes += some_null * align_up(header_with_nulls + data_bytes(columns, present), max_align);
    }
    return bytes;
}

// Bytes a fillfactor keeps free on each page (RelationGetTargetPageFreeSpace),
// over the 10..100 range reloptions allow.
std::int64_t fill_reserve(int fillfactor, std::int32_t block_size) {
    return std::int64_t{block_size} * (100 - std::clamp(fillfactor, 10, 100)) / 100;
}

// PageGetFreeSpace of a new B-tree page: the high key's line pointer is taken
// up front, and the free space always keeps room for one more line pointer.
std::int64_t btree_empty_page_space(std::int32_t block_size) {
    return block_size - page_header_bytes - btree_special_bytes - 2 * line_pointer_bytes;
}

std::int64_t pages_for(double items, double items_per_page) {
    return items > 0 ? static_cast<std::int64_t>(std::ceil(items / items_per_page - rounding_slack)) : 0;
}

bool stale(double reltuples, double modified_since_analyze) {
    return modified_since_analyze > stale_base_rows + stale_modified_fraction * reltuples;
}

BloatFigure compare(std::int64_t actual_pages, std::int64_t expected_pages, std::int32_t block_size) {
    // One page over is within the model's rounding (see the header).
    const std::int64_t excess = actual_pages - expected_pages;
    const std::int64_t bloat_pages = excess > 1 ? excess : 0;
    const std::int64_t actual_bytes = actual_pages * block_size;
    const std::int64_t bloat_bytes = bloat_pages * block_size;
    return BloatFigure{
        actual_bytes,
        expected_pages * block_size,
        bloat_bytes,
        actual_bytes > 0 ? 100.0 * static_cast<double>(bloat_bytes) / static_cast<double>(actual_bytes) : 0,
    };
}

// The rules shared by heap, TOAST and index: an empty relation has no bloat
// whatever its statistics; without reltuples there is nothing to compare.
template <typename ExpectedPages>
BloatEstimate estimate(std::int64_t pages, double reltuples, double modified_since_analyze,
                       std::int32_t block_size, ExpectedPages expected_pages) {
    if (pages <= 0)
        return {EstimateQuality::ok, BloatFigure{0, 0, 0, 0}};
    if (reltuples < 0)
        return {EstimateQuality::stale_stats, std::nullopt};
    const std::optional<std::int64_t> expected = expected_pages();
    if (!expected)
        return {EstimateQuality::no_stats, std::nullopt};
    return {stale(reltuples, modified_since_analyze) ? EstimateQuality::stale_stats : EstimateQuality::ok,
            compare(pages, *expected, block_size)};
}

EstimateQuality worse(EstimateQuality a, EstimateQuality b) {
    if (a == EstimateQuality::no_stats || b == EstimateQuality::no_stats)
        return EstimateQuality::no_stats;
    if (a == EstimateQuality::stale_stats || b == EstimateQuality::stale_stats)
        return EstimateQuality::stale_stats;
    return EstimateQuality::ok;
}

// Distinct keys among `rows`, from pg_stats's n_distinct; absent when unknown (0).
std::optional<double> distinct_keys(std::optional<double> n_distinct, double rows) {
    if (!n_distinct || *n_distinct == 0)
        return std::nullopt;
    const double keys = *n_distinct > 0 ? *n_distinct : -*n_distinct * rows;
    return std::clamp(keys, 1.0, std::max(rows, 1.0));
}

}  // namespace

std::optional<double> heap_tuple_bytes(std::span<const Column> columns) {
    if (!std::all_of(columns.begin(), columns.end(), has_known_width))
        return std::nullopt;
    const double null_bitmap = static_cast<double>((columns.size() + 7) / 8);
    return tuple_bytes(columns, align_up(heap_header_bytes, max_align),
                       align_up(heap_header_bytes + null_bitmap, max_align));
}

std::int64_t heap_page_fill_bytes(int fillfactor, std::int32_t block_size) {
    return block_size - page_header_bytes - fill_reserve(fillfactor, block_size);
}

std::int64_t heap_tuples_per_page(double tuple_bytes, int fillfactor, std::int32_t block_size) {
    const double per_page = std::floor(static_cast<double>(heap_page_fill_bytes(fillfactor, block_size)) /
                                           (tuple_bytes + line_pointer_bytes) +
                                       rounding_slack);
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(per_page));
}

std::int32_t toast_max_chunk_size(std::int32_t block_size) {
    // TOAST_MAX_CHUNK_SIZE: a page of 4 chunk tuples, less a chunk tuple's header and other columns.
    const auto page_overhead = static_cast<std::int64_t>(
        align_up(page_header_bytes + toast_chunks_per_page * line_pointer_bytes, max_align));
    const std::int64_t chunk_tuple = maxalign_down((block_size - page_overhead) / toast_chunks_per_page);
    const auto chunk_header = static_cast<std::int64_t>(align_up(heap_header_bytes, max_align));
    return static_cast<std::int32_t>(chunk_tuple - chunk_header - oid_bytes - int4_bytes -
                                     varlena_header_bytes);
}

std::int64_t btree_leaf_fill_bytes(int fillfactor, std::int32_t block_size) {
    return btree_empty_page_space(block_size) - fill_reserve(fillfactor, block_size);
}

std::int64_t btree_internal_pages(std::int64_t leaf_pages, double pivot_bytes, std::int32_t block_size) {
    const double pivot = std::max<double>(pivot_bytes, index_header_bytes);
    const double reserve =
        std::max(static_cast<double>(fill_reserve(btree_internal_fillfactor, block_size)), pivot);
    const double fanout = std::max(
        2.0, std::floor((static_cast<double>(btree_empty_page_space(block_size)) - reserve) /
                        (pivot + line_pointer_bytes)));
    std::int64_t internal = 0;
    for (std::int64_t level = leaf_pages; level > 1;) {
        level = pages_for(static_cast<double>(level), fanout);
        internal += level;
    }
    return internal;
}

std::string_view to_string(EstimateQuality quality) {
    switch (quality) {
        case EstimateQuality::ok: return "ok";
        case EstimateQuality::no_stats: return "no_stats";
        case EstimateQuality::stale_stats: return "stale_stats";
    }
    return "ok";
}

BloatEstimate estimate_heap_bloat(const HeapInput& heap) {
    // Never vacuumed nor analyzed: its relpages (0) tells nothing either.
    if (heap.reltuples < 0)
        return {EstimateQuality::stale_stats, std::nullopt};
    return estimate(heap.pages, heap.reltuples, heap.modified_since_analyze, heap.block_size,
                    [&heap]() -> std::optional<std::int64_t> {
                        const std::optional<double> tuple = heap_tuple_bytes(heap.columns);
                        if (!tuple)
                            return std::nullopt;
                        return pages_for(heap.reltuples, static_cast<double>(heap_tuples_per_page(
                                                             *tuple, heap.fillfactor, heap.block_size)));
                    });
}

double out_of_line_values(double rows, std::span<const Column> columns) {
    double values = 0;
    for (const Column& column : columns) {
        if (column.dropped || column.typlen != -1 || !column.stats || !column.stats->only_wide_values ||
            std::lround(column.stats->avg_width) != toast_pointer_bytes)
            continue;
        values += std::max(0.0, rows) * (1 - std::clamp(column.stats->null_frac, 0.0, 1.0));
    }
    return values;
}

namespace {

// Bytes of page one chunk row of `payload` bytes takes, its line pointer included.
double chunk_footprint(double payload) {
    // chunk_data is stored with a 1-byte header when short enough, else 4.
    const double stored =
        payload + 1 <= short_varlena_max_bytes ? payload + 1 : payload + varlena_header_bytes;
    const Column chunk_columns[] = {
        {oid_bytes, 'i', std::nullopt},     // chunk_id
        {int4_bytes, 'i', std::nullopt},    // chunk_seq
        {-1, 'i', ColumnStats{stored, 0}},  // chunk_data
    };
    return *heap_tuple_bytes(chunk_columns) + line_pointer_bytes;
}

std::int64_t expected_toast_pages(const ToastInput& toast) {
    const auto fill = static_cast<double>(heap_page_fill_bytes(toast_fillfactor, toast.block_size));
    const double chunks = toast.reltuples;
    // Four full chunks fill a page: each takes a quarter of it.
    const double full_share = fill / toast_chunks_per_page;
    const double values = std::clamp(toast.values, 0.0, chunks);
    if (values <= 0)
        return pages_for(chunks, toast_chunks_per_page);
    const double full = chunks - values;
    const double half_chunk = chunk_footprint(toast_max_chunk_size(toast.block_size) / 2.0);
    // Every chunk that lived in the pages, in the live chunks' proportions.
    const double scale = (chunks + std::max(0.0, toast.deleted_chunks)) / chunks;
    const double written_last =
        (static_cast<double>(toast.pages) * fill - full * scale * full_share) / (values * scale);
    const double last = std::clamp(written_last, half_chunk, full_share);
    return pages_for((full * full_share + values * last) / fill, 1);
}

}  // namespace

BloatEstimate estimate_toast_bloat(const ToastInput& toast) {
    // Chunk rows are counted by VACUUM alone (ANALYZE skips TOAST tables), and
    // they are never updated in place: no staleness test beyond reltuples < 0.
    return estimate(toast.pages, toast.reltuples, 0, toast.block_size,
                    [&]() -> std::optional<std::int64_t> {
                        return toast.reltuples > 0 ? expected_toast_pages(toast) : 0;
                    });
}

BloatEstimate combine_table_and_toast(const BloatEstimate& heap, const BloatEstimate& toast) {
    const EstimateQuality quality = worse(heap.quality, toast.quality);
    if (!heap.figure || !toast.figure)
        return {quality, std::nullopt};
    const std::int64_t actual = heap.figure->actual_bytes + toast.figure->actual_bytes;
    const std::int64_t bloat = heap.figure->bloat_bytes + toast.figure->bloat_bytes;
    return {quality, BloatFigure{
                         actual,
                         heap.figure->expected_bytes + toast.figure->expected_bytes,
                         bloat,
                         actual > 0 ? 100.0 * static_cast<double>(bloat) / static_cast<double>(actual) : 0,
                     }};
}

std::optional<BtreeLayout> btree_layout(const BtreeInput& index) {
    if (!std::all_of(index.columns.begin(), index.columns.end(), has_known_width))
        return std::nullopt;
    const double rows = std::max(0.0, index.reltuples);
    const std::optional<double> keys = distinct_keys(index.n_distinct, rows);
    if (index.deduplicate && !keys)
        return std::nullopt;

    const double plain = tuple_bytes(index.columns, index_header_bytes,
                                     align_up(index_header_bytes + index_null_bitmap_bytes, max_align));
    const auto posting = [plain](double tids) { return align_up(plain + heap_tid_bytes * tids, max_align); };

    // Each key's TIDs: as many full posting lists as fit under the build's cap,
    // then the rest in one more (a single TID stays a plain tuple).
    const double groups = keys.value_or(rows);
    const double tids_per_group = groups > 0 ? rows / groups : 0;
    // The build's cap, MAXALIGN_DOWN(block / 10) − 4 = 812; a MAXALIGNed tuple under it is at most 808.
    const double posting_cap_bytes =
        static_cast<double>(maxalign_down(maxalign_down(index.block_size / 10) - line_pointer_bytes));
    const double tids_per_posting = std::floor((posting_cap_bytes - plain) / heap_tid_bytes);
    double items_per_group = tids_per_group;
    double bytes_per_group = tids_per_group * (plain + line_pointer_bytes);
    double largest_tuple = plain;
    if (index.deduplicate && tids_per_posting >= 2) {
        const double full_postings = std::floor(tids_per_group / tids_per_posting);
        const double rest = tids_per_group - full_postings * tids_per_posting;
        items_per_group = full_postings + (rest >= 2 ? 1 : rest);
        bytes_per_group = full_postings * (posting(tids_per_posting) + line_pointer_bytes) +
                          (rest >= 2 ? posting(rest) + line_pointer_bytes : rest * (plain + line_pointer_bytes));
        largest_tuple = full_postings > 0 ? posting(tids_per_posting) : rest >= 2 ? posting(rest) : plain;
    }

    BtreeLayout layout{};
    layout.leaf_items = groups * items_per_group;
    layout.leaf_item_bytes = items_per_group > 0 ? bytes_per_group / items_per_group : plain + line_pointer_bytes;
    // The soft limit counts the posting list that the last item sheds when it
    // becomes the high key; the hard one keeps room for a heap TID in it.
    const double shed_posting = layout.leaf_item_bytes - line_pointer_bytes - plain;
    const double reserve = std::max(
        static_cast<double>(fill_reserve(index.fillfactor, index.block_size)) - shed_posting,
        largest_tuple + aligned_heap_tid_bytes);
    layout.items_per_leaf = std::max<std::int64_t>(
        2, static_cast<std::int64_t>(std::floor(
               (static_cast<double>(btree_empty_page_space(index.block_size)) - reserve) /
                   layout.leaf_item_bytes +
               rounding_slack)));
    layout.leaf_pages = pages_for(layout.leaf_items, static_cast<double>(layout.items_per_leaf));
    // A pivot keeps a heap TID when its split falls between equal keys: the
    // share of neighbouring leaf items that have the same key.
    const double equal_neighbours =
        layout.leaf_items > 0 ? std::max(0.0, 1 - groups / layout.leaf_items) : 0;
    layout.pivot_bytes = plain + aligned_heap_tid_bytes * equal_neighbours;
    layout.internal_pages = btree_internal_pages(layout.leaf_pages, layout.pivot_bytes, index.block_size);
    layout.total_pages = 1 + layout.leaf_pages + layout.internal_pages;
    return layout;
}

BloatEstimate estimate_btree_bloat(const BtreeInput& index) {
    return estimate(index.pages, index.reltuples, index.modified_since_analyze, index.block_size,
                    [&index]() -> std::optional<std::int64_t> {
                        const std::optional<BtreeLayout> layout = btree_layout(index);
                        if (!layout)
                            return std::nullopt;
                        return layout->total_pages;
                    });
}

}  // namespace hastecrm_perf
