#include "core/page_sample.hpp"

#include <algorithm>
#include <cmath>

namespace hastecrm_perf {

namespace {

// Mean and standard deviation in one pass (Welford).
class Moments {
public:
    void add(double value) {
        ++count_;
        const double delta = value - mean_;
        mean_ += delta / static_cast<double>(count_);
        squares_ += delta * (value - mean_);
    }

    std::uint64_t count() const { return count_; }
    double mean() const { return mean_; }

    // Sample standard deviation; below two values it is unknown: the worst case.
    double stddev() const {
        return count_ < 2 ? worst_case_stddev : std::sqrt(squares_ / static_cast<double>(count_ - 1));
    }

private:
    std::uint64_t count_ = 0;
    double mean_ = 0;
    double squares_ = 0;
};

// ± points at 95% of a mean over `population` pages estimated from `sampled`
// of them, when those pages weigh `weight` of the whole. Nothing read of a
// population: its pages could hold anything, the full weight.
double margin_points(double stddev, std::uint64_t sampled, std::uint64_t population, double weight) {
    if (population == 0)
        return 0;
    if (sampled == 0)
        return 100 * weight;
    const double n = static_cast<double>(sampled);
    const double unread = std::max(0.0, 1 - n / static_cast<double>(population));
    return 100 * confidence_z * weight * stddev * std::sqrt(unread / n);
}

ScanPlan plan_for(std::uint64_t pages, std::uint64_t population) {
    return pages >= population ? ScanPlan{ScanMethod::full, population, false}
                               : ScanPlan{ScanMethod::sample, pages, false};
}

std::int64_t pages_holding(double bytes, std::int64_t fill_bytes) {
    return static_cast<std::int64_t>(std::ceil(bytes / static_cast<double>(fill_bytes)));
}

double percent(double part, double whole) { return whole > 0 ? 100 * part / whole : 0; }

// The table estimate, with the moments its margin and sizing come from.
struct TableMoments {
    Moments live, dead, free;
    std::uint64_t population;
    double weight;             // the population's share of the table
    double reclaimable_scale;  // reclaimable points per live point
};

TableMoments table_moments(const TableScanInput& scan) {
    TableMoments m{};
    for (const HeapPageObservation& page : scan.sampled) {
        m.live.add(page.live_fraction);
        m.dead.add(page.dead_fraction);
        m.free.add(page.free_fraction);
    }
    m.population = scan.total_pages - std::min(scan.all_visible_pages, scan.total_pages);
    m.weight = scan.total_pages > 0
                   ? static_cast<double>(m.population) / static_cast<double>(scan.total_pages)
                   : 0;
    m.reclaimable_scale = static_cast<double>(scan.block_size) /
                          static_cast<double>(heap_page_fill_bytes(scan.fillfactor, scan.block_size));
    return m;
}

struct IndexMoments {
    Moments leaf, items, live, density;  // density over leaf pages only
    std::uint64_t population;
    double weight;
    double reclaimable_scale;
};

IndexMoments index_moments(const IndexScanInput& scan) {
    IndexMoments m{};
    for (const IndexPageObservation& page : scan.sampled) {
        m.leaf.add(page.leaf ? 1 : 0);
        m.items.add(page.live_items);
        m.live.add(page.live_fraction);
        if (page.leaf)
            m.density.add(page.density);
    }
    m.population = scan.total_pages > 0 ? scan.total_pages - 1 : 0;
    m.weight = scan.total_pages > 0
                   ? static_cast<double>(m.population) / static_cast<double>(scan.total_pages)
                   : 0;
    m.reclaimable_scale = static_cast<double>(scan.block_size) /
                          static_cast<double>(btree_leaf_fill_bytes(scan.fillfactor, scan.block_size));
    return m;
}

// The density is a mean over leaf pages: its sample and population are theirs.
double density_margin(const IndexMoments& m) {
    const auto leaf_population =
        static_cast<std::uint64_t>(std::llround(static_cast<double>(m.population) * m.leaf.mean()));
    return m.density.count() > 0
               ? margin_points(m.density.stddev(), m.density.count(),
                               std::max(leaf_population, m.density.count()), 1)
               : 0;
}

double uniform(std::mt19937_64& random) {
    return static_cast<double>(random() >> 11) * 0x1.0p-53;  // 53 random bits in [0, 1)
}

}  // namespace

std::uint64_t sample_size_for_margin(std::uint64_t population, double target_margin, double stddev) {
    if (population == 0)
        return 0;
    const double half_width_ratio = confidence_z * stddev / target_margin;
    const double n0 = half_width_ratio * half_width_ratio;
    const double n = n0 / (1 + (n0 - 1) / static_cast<double>(population));
    return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::ceil(n)), 1, population);
}

std::string_view to_string(ScanMethod method) {
    return method == ScanMethod::full ? "full" : "sample";
}

ScanPlan plan_scan(std::uint64_t population, std::uint64_t requested_pages) {
    if (requested_pages > 0)
        return plan_for(requested_pages, population);
    if (population <= full_scan_max_pages)
        return {ScanMethod::full, population, false};
    return {ScanMethod::sample, pilot_pages, true};
}

namespace {

// Pages a rewrite fills with `live_bytes`: whole tuples per page, of the
// sample's mean size when the sample counted tuples, of the catalog's mean
// when nothing was read; else bytes alone.
std::int64_t rewritten_pages(const TableScanInput& scan, double live_bytes) {
    const std::int64_t fill = heap_page_fill_bytes(scan.fillfactor, scan.block_size);
    double sampled_bytes = 0;
    double sampled_tuples = 0;
    for (const HeapPageObservation& page : scan.sampled) {
        sampled_bytes += page.live_fraction * scan.block_size;
        sampled_tuples += page.live_tuples;
    }
    if (live_bytes <= 0)
        return 0;
    double tuple_bytes = 0;
    if (sampled_tuples > 0)
        tuple_bytes = sampled_bytes / sampled_tuples;
    else if (scan.sampled.empty() && scan.reltuples > 0)
        tuple_bytes = live_bytes / scan.reltuples;
    else
        return pages_holding(live_bytes, fill);
    const double per_page = std::max(1.0, std::floor(static_cast<double>(fill) / tuple_bytes));
    return static_cast<std::int64_t>(std::ceil(live_bytes / tuple_bytes / per_page));
}

}  // namespace

TableScanEstimate estimate_table_scan(const TableScanInput& scan) {
    if (scan.total_pages == 0)
        return {};
    const TableMoments m = table_moments(scan);
    const double block = scan.block_size;
    const double population = static_cast<double>(m.population);
    const auto all_visible = static_cast<double>(scan.total_pages - m.population);

    // An all-visible page: no dead tuple, and everything but the header and
    // the FSM's free space is live.
    const double all_visible_space = all_visible * (block - page_header_bytes);
    const double all_visible_free = std::clamp(scan.all_visible_free_bytes, 0.0, all_visible_space);
    const double live_bytes = all_visible_space - all_visible_free + population * m.live.mean() * block;
    const double dead_bytes = population * m.dead.mean() * block;
    const double free_bytes = all_visible_free + population * m.free.mean() * block;

    const auto total_pages = static_cast<std::int64_t>(scan.total_pages);
    const double total_bytes = static_cast<double>(total_pages) * block;
    const std::int64_t rewrite_pages = rewritten_pages(scan, live_bytes);
    const std::int64_t reclaimable_bytes = std::max<std::int64_t>(0, total_pages - rewrite_pages) * scan.block_size;

    const auto margin = [&m](const Moments& x) {
        return margin_points(x.stddev(), x.count(), m.population, m.weight);
    };
    return TableScanEstimate{
        percent(live_bytes, total_bytes),
        percent(dead_bytes, total_bytes),
        percent(free_bytes, total_bytes),
        reclaimable_bytes,
        percent(static_cast<double>(reclaimable_bytes), total_bytes),
        std::max({margin(m.dead), margin(m.free), margin(m.live) * m.reclaimable_scale}),
    };
}

ScanPlan plan_table_scan_after_pilot(const TableScanInput& pilot, double target_margin) {
    const TableMoments m = table_moments(pilot);
    const double stddev = m.weight * std::max({m.dead.stddev(), m.free.stddev(),
                                               m.live.stddev() * m.reclaimable_scale});
    const std::uint64_t pages = sample_size_for_margin(m.population, target_margin, stddev);
    return plan_for(std::max<std::uint64_t>(pages, pilot.sampled.size()), m.population);
}

IndexScanEstimate estimate_index_scan(const IndexScanInput& scan) {
    if (scan.total_pages == 0)
        return {};
    const IndexMoments m = index_moments(scan);
    const double population = static_cast<double>(m.population);
    const double live_items = population * m.items.mean();
    const double live_bytes = population * m.live.mean() * scan.block_size;

    // A rebuild: the metapage, then leaves and internal pages for the live items.
    std::int64_t expected_pages = 1;
    if (live_items > 0) {
        const std::int64_t leaves = std::max<std::int64_t>(
            1, pages_holding(live_bytes, btree_leaf_fill_bytes(scan.fillfactor, scan.block_size)));
        expected_pages += leaves + btree_internal_pages(leaves, scan.pivot_bytes, scan.block_size);
    }
    const auto total_pages = static_cast<std::int64_t>(scan.total_pages);
    const std::int64_t reclaimable_bytes =
        std::max<std::int64_t>(0, total_pages - expected_pages) * scan.block_size;

    return IndexScanEstimate{
        std::llround(population * m.leaf.mean()),
        m.density.count() > 0 ? 100 * m.density.mean() : 0,
        std::llround(live_items),
        expected_pages * scan.block_size,
        reclaimable_bytes,
        percent(static_cast<double>(reclaimable_bytes), static_cast<double>(total_pages) * scan.block_size),
        std::max(margin_points(m.live.stddev(), m.live.count(), m.population, m.weight) * m.reclaimable_scale,
                 density_margin(m)),
    };
}

ScanPlan plan_index_scan_after_pilot(const IndexScanInput& pilot, double target_margin) {
    const IndexMoments m = index_moments(pilot);
    // Only leaves measure the density: fewer of them per page read.
    const double density_stddev =
        m.leaf.mean() > 0 ? m.density.stddev() / std::sqrt(m.leaf.mean()) : 0;
    const double stddev = std::max(m.weight * m.live.stddev() * m.reclaimable_scale, density_stddev);
    const std::uint64_t pages = sample_size_for_margin(m.population, target_margin, stddev);
    return plan_for(std::max<std::uint64_t>(pages, pilot.sampled.size()), m.population);
}

SelectionSampler::SelectionSampler(std::uint64_t population, std::uint64_t wanted, std::uint64_t seed)
    : random_(seed), unseen_(population), wanted_(std::min(wanted, population)) {}

bool SelectionSampler::take_next() {
    if (unseen_ == 0)
        return false;
    const bool take = uniform(random_) * static_cast<double>(unseen_) < static_cast<double>(wanted_);
    --unseen_;
    if (take)
        --wanted_;
    return take;
}

Vector<std::uint32_t> sample_blocks(std::uint32_t population, std::uint32_t count, std::uint64_t seed,
                                    Resource& resource) {
    return extend_sample({}, population, count, seed, resource);
}

Vector<std::uint32_t> extend_sample(std::span<const std::uint32_t> chosen, std::uint32_t population,
                                    std::uint32_t count, std::uint64_t seed, Resource& resource) {
    const std::uint64_t already = std::min<std::uint64_t>(chosen.size(), population);
    SelectionSampler sampler(population - already, count, seed);
    Vector<std::uint32_t> blocks(&resource);
    blocks.reserve(std::min<std::uint64_t>(count, population - already));
    auto next_chosen = chosen.begin();
    for (std::uint32_t block = 0; block < population && !sampler.done(); ++block) {
        if (next_chosen != chosen.end() && *next_chosen == block) {
            ++next_chosen;
            continue;
        }
        if (sampler.take_next())
            blocks.push_back(block);
    }
    return blocks;
}

}  // namespace hastecrm_perf
