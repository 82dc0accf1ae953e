// The sampling side of table_bloat_scan() and index_bloat_scan(): which pages
// to read, how many, and what they say about the whole relation, with a 95%
// margin.
//
// Every per-page quantity is a fraction of the page, in [0, 1], so its standard
// deviation σ is at most 0.5. A simple random sample of n of N pages gives the
// mean within ± 1.96 σ / √n × √(1 − n/N) at 95%, hence the size for a margin m:
//     n0 = (1.96 σ / m)²,   n = n0 / (1 + (n0 − 1) / N).
// ±2 points take 2,401 pages in the worst case (σ = 0.5), ~250 at the σ ≈ 0.16
// of real bloated tables: a pilot of 200 pages measures σ and sizes the rest.
// Up to 4,096 pages to read (32 MB, tens of milliseconds warm), or when the
// sample would cover them all anyway, every page is read: method full, margin 0.
//
// Tables: all-visible pages (visibility map) are not read. They hold no dead
// tuple and their free space comes from the FSM; the sample covers the other
// pages (the population), and its margin shrinks by their share of the table.
// Reclaimable = what a rewrite (VACUUM FULL) gives back at the table's
// fillfactor: total − ceil(live bytes / heap_page_fill_bytes(ff)) pages. That
// ignores the tail a page leaves when the next tuple does not fit (under one
// tuple a page: < 1.5% for rows under ~120 bytes, more for wide rows).
//
// Indexes: pages 1..N−1 (not the metapage) are sampled; internal, deleted and
// half-dead pages count as pages without live leaf items. A rebuild needs
// ceil(live leaf bytes / btree_leaf_fill_bytes(ff)) leaves, internal pages
// above them, and the metapage. Posting-list-heavy leaves pack a little
// tighter than that in a real rebuild, so reclaimable is then slightly low.
//
// A single margin_pct covers every percentage of a result: the largest of their margins.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string_view>

#include "core/bloat_model.hpp"
#include "core/containers.hpp"

namespace hastecrm_perf {

inline constexpr double default_margin = 0.02;              // ±2 points
inline constexpr double confidence_z = 1.96;                // 95%, two-sided
inline constexpr double worst_case_stddev = 0.5;            // of a value in [0, 1]
inline constexpr std::uint64_t full_scan_max_pages = 4096;  // 32 MB of 8 kB pages
inline constexpr std::uint64_t pilot_pages = 200;

// Pages to sample out of `population` for ± target_margin (a fraction, 0.02 =
// 2 points) at 95%, given the per-page standard deviation: in [1, population].
std::uint64_t sample_size_for_margin(std::uint64_t population, double target_margin, double stddev);

enum class ScanMethod { full, sample };

// The `method` column's text: "full" or "sample".
std::string_view to_string(ScanMethod method);

struct ScanPlan {
    ScanMethod method;
    std::uint64_t pages;  // pages of the population to read
    bool pilot;           // read them, then plan again from what they showed
};

// The first read of a scan over `population` pages (a table's pages that are
// not all-visible, an index's pages but the metapage). requested_pages > 0 is
// the caller's sample_pages; 0 asks for a sample sized for ±2 points.
ScanPlan plan_scan(std::uint64_t population, std::uint64_t requested_pages);

// --- tables ----------------------------------------------------------------

// One page read, as fractions of the block. A tuple counts MAXALIGN(t_len)
// plus its line pointer, as it would take in a rewrite.
struct HeapPageObservation {
    double live_fraction;  // live tuples: MAXALIGNed, with their line pointers
    double dead_fraction;  // dead tuples
    double free_fraction;  // free space
    // Live tuples on the page; 0 when not counted. With it a rewrite is packed
    // tuple by tuple: wide tuples (TOAST chunks) leave part of each page empty.
    double live_tuples = 0;
};

struct TableScanInput {
    std::uint64_t total_pages;
    std::uint64_t all_visible_pages;  // not read
    double all_visible_free_bytes;    // their free space, from the FSM
    std::span<const HeapPageObservation> sampled;  // from the other pages
    int fillfactor = default_heap_fillfactor;
    std::int32_t block_size = default_block_size;
    // pg_class.reltuples (< 0: unknown): the tuple count when no page read
    // counted tuples (every page all-visible).
    double reltuples = -1;
};

struct TableScanEstimate {
    double live_pct;
    double dead_pct;
    double free_pct;
    std::int64_t reclaimable_bytes;
    double reclaimable_pct;
    double margin_pct;  // ± points at 95% for each percentage; 0 when every page was read
};

TableScanEstimate estimate_table_scan(const TableScanInput& scan);

// After the pilot (`pilot.sampled`): the pages to read in all, pilot included.
ScanPlan plan_table_scan_after_pilot(const TableScanInput& pilot, double target_margin = default_margin);

// --- B-tree indexes --------------------------------------------------------

struct IndexPageObservation {
    bool leaf;             // a leaf in use; internal, deleted, half-dead and new pages: false
    double live_items;     // heap TIDs of the items not LP_DEAD, posting lists TID by TID
    double live_fraction;  // Σ (MAXALIGN(size) + line pointer) of those items, high key excluded, / block
    double density;        // leaf fill as pgstatindex: 1 − PageGetFreeSpace / (pd_special − header)
};

struct IndexScanInput {
    std::uint64_t total_pages;  // metapage included
    std::span<const IndexPageObservation> sampled;  // from pages 1 .. total_pages − 1
    double pivot_bytes;  // mean MAXALIGNed pivot tuple, e.g. over the root page's items
    int fillfactor = default_btree_fillfactor;
    std::int32_t block_size = default_block_size;
};

struct IndexScanEstimate {
    std::int64_t leaf_pages;
    double avg_leaf_density;  // percent
    std::int64_t live_items;
    std::int64_t expected_bytes;  // rebuilt from the live items
    std::int64_t reclaimable_bytes;
    double reclaimable_pct;
    double margin_pct;  // ± points at 95% for reclaimable_pct and avg_leaf_density
};

IndexScanEstimate estimate_index_scan(const IndexScanInput& scan);

ScanPlan plan_index_scan_after_pilot(const IndexScanInput& pilot, double target_margin = default_margin);

// --- choosing the pages ----------------------------------------------------

// Knuth's Algorithm S (selection sampling, TAOCP 3.4.2), as PostgreSQL's
// BlockSampler: visit the population in order and take each item with
// probability (still wanted) / (still unseen). Every subset of the wanted size
// is equally likely, picks come in order (reads stay sequential), and they
// depend on the seed alone. Streaming, so a table scan can skip all-visible
// blocks without listing the others: call take_next() once per candidate.
class SelectionSampler {
public:
    SelectionSampler(std::uint64_t population, std::uint64_t wanted, std::uint64_t seed);

    bool take_next();  // false once the population is exhausted
    bool done() const { return wanted_ == 0; }

private:
    std::mt19937_64 random_;  // its sequence is fixed by the standard: same picks everywhere
    std::uint64_t unseen_;
    std::uint64_t wanted_;
};

// min(count, population) distinct blocks of [0, population), ascending.
Vector<std::uint32_t> sample_blocks(std::uint32_t population, std::uint32_t count, std::uint64_t seed,
                                    Resource& resource);

// `count` more blocks of [0, population), none of `chosen` (ascending and
// distinct, as sample_blocks returns), ascending. A uniform pilot plus a
// uniform sample of the rest is a uniform sample of their total size.
Vector<std::uint32_t> extend_sample(std::span<const std::uint32_t> chosen, std::uint32_t population,
                                    std::uint32_t count, std::uint64_t seed, Resource& resource);

}  // namespace hastecrm_perf
