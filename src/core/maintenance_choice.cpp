#include "core/maintenance_choice.hpp"

#include <algorithm>
#include <cctype>

namespace hastecrm_perf {
namespace {

constexpr std::int64_t micros_per_minute = 60'000'000;
constexpr std::int64_t minutes_per_day = 24 * 60;
constexpr std::int64_t micros_per_day_here = minutes_per_day * micros_per_minute;

bool is_stale(std::int64_t changes, double reltuples, const AnalyzeRule& rule) {
    // PostgreSQL 14+ keeps -1 for a table never vacuumed or analyzed.
    const double tuples = reltuples < 0 ? 0 : reltuples;
    return static_cast<double>(changes) >
           static_cast<double>(rule.threshold) + rule.scale_factor * tuples;
}

std::int64_t floor_mod(std::int64_t value, std::int64_t modulus) {
    const std::int64_t rest = value % modulus;
    return rest < 0 ? rest + modulus : rest;
}

std::optional<int> parse_clock(std::string_view text) {
    if (text.size() != 5 || text[2] != ':')
        return std::nullopt;
    for (const std::size_t i : {0u, 1u, 3u, 4u})
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return std::nullopt;
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours > 23 || minutes > 59)
        return std::nullopt;
    return hours * 60 + minutes;
}

}  // namespace

Vector<AnalyzeChoice> choose_tables_to_analyze(const Vector<AnalyzeCandidate>& candidates,
                                               const AnalyzeRule& settings, Resource& resource) {
    // The candidates by relid, for lookups in O(log n): thousands of tables.
    Vector<const AnalyzeCandidate*> by_relid(&resource);
    by_relid.reserve(candidates.size());
    for (const AnalyzeCandidate& table : candidates)
        by_relid.push_back(&table);
    std::sort(by_relid.begin(), by_relid.end(),
              [](const AnalyzeCandidate* a, const AnalyzeCandidate* b) { return a->relid < b->relid; });
    constexpr std::size_t missing = static_cast<std::size_t>(-1);
    auto position = [&](std::uint32_t relid) -> std::size_t {
        const auto it = std::lower_bound(
            by_relid.begin(), by_relid.end(), relid,
            [](const AnalyzeCandidate* table, std::uint32_t id) { return table->relid < id; });
        return it != by_relid.end() && (*it)->relid == relid
                   ? static_cast<std::size_t>(it - by_relid.begin())
                   : missing;
    };
    auto find = [&](std::uint32_t relid) { return by_relid[position(relid)]; };  // a chosen one
    // A parent's sample is drawn from its leaves: their changes and rows are
    // what its statistics describe. Summed in one pass, by the parent's position.
    Vector<std::int64_t> leaf_changes(by_relid.size(), 0, &resource);
    Vector<double> leaf_rows(by_relid.size(), 0.0, &resource);
    for (const AnalyzeCandidate& leaf : candidates) {
        if (leaf.parent == 0 || leaf.partitioned)
            continue;
        const std::size_t at = position(leaf.parent);
        if (at == missing)
            continue;  // its root is not a candidate (another schema's, say)
        leaf_changes[at] += leaf.mod_since_analyze;
        leaf_rows[at] += std::max(leaf.reltuples, 0.0);
    }

    Vector<AnalyzeChoice> chosen(&resource);
    for (std::size_t at = 0; at < by_relid.size(); ++at) {
        const AnalyzeCandidate& table = *by_relid[at];
        if (table.partitioned) {
            if (!table.ever_analyzed || is_stale(leaf_changes[at], leaf_rows[at], settings))
                chosen.push_back(AnalyzeChoice{table.relid, leaf_changes[at], !table.ever_analyzed});
            continue;
        }
        AnalyzeRule rule = settings;
        if (table.reloption_threshold)
            rule.threshold = *table.reloption_threshold;
        if (table.reloption_scale_factor)
            rule.scale_factor = *table.reloption_scale_factor;
        if (!table.ever_analyzed || is_stale(table.mod_since_analyze, table.reltuples, rule))
            chosen.push_back(
                AnalyzeChoice{table.relid, table.mod_since_analyze, !table.ever_analyzed});
    }
    // PostgreSQL 15's ANALYZE of a partitioned table also analyzes each of
    // its partitions (there is no ANALYZE ONLY): a leaf under a chosen root
    // needs no turn of its own.
    Vector<std::uint32_t> roots(&resource);
    for (const AnalyzeChoice& choice : chosen)
        if (find(choice.relid)->partitioned)
            roots.push_back(choice.relid);
    std::sort(roots.begin(), roots.end());
    chosen.erase(std::remove_if(chosen.begin(), chosen.end(),
                                [&](const AnalyzeChoice& choice) {
                                    const std::uint32_t parent = find(choice.relid)->parent;
                                    return parent != 0 &&
                                           std::binary_search(roots.begin(), roots.end(), parent);
                                }),
                 chosen.end());
    std::stable_sort(chosen.begin(), chosen.end(), [](const AnalyzeChoice& a, const AnalyzeChoice& b) {
        if (a.changes != b.changes)
            return a.changes > b.changes;
        return a.never_analyzed && !b.never_analyzed;
    });
    return chosen;
}

bool worth_measuring(const IndexCandidate& candidate, const ReindexRule& rule) {
    return candidate.bytes >= rule.min_bytes && !candidate.table_busy;
}

Vector<std::uint32_t> choose_indexes_to_rebuild(const Vector<IndexCandidate>& candidates,
                                                const ReindexRule& rule, Resource& resource) {
    Vector<const IndexCandidate*> bloated(&resource);
    for (const IndexCandidate& index : candidates)
        if (worth_measuring(index, rule) && index.bloat_pct >= rule.min_bloat_pct)
            bloated.push_back(&index);
    auto reclaimable = [](const IndexCandidate* index) {
        return static_cast<double>(index->bytes) * index->bloat_pct;
    };
    std::stable_sort(bloated.begin(), bloated.end(),
                     [&](const IndexCandidate* a, const IndexCandidate* b) {
                         return reclaimable(a) > reclaimable(b);
                     });
    Vector<std::uint32_t> chosen(&resource);
    for (const IndexCandidate* index : bloated)
        chosen.push_back(index->index);
    return chosen;
}

std::optional<MaintenanceWindow> parse_window(std::string_view text) {
    if (text.size() != 11 || text[5] != '-')
        return std::nullopt;
    const auto start = parse_clock(text.substr(0, 5));
    const auto end = parse_clock(text.substr(6, 5));
    if (!start || !end)
        return std::nullopt;
    return MaintenanceWindow{*start, *end};
}

bool inside_window(const MaintenanceWindow& window, std::int64_t local_time) {
    if (window.start_minute == window.end_minute)
        return true;
    const std::int64_t minute = floor_mod(local_time, micros_per_day_here) / micros_per_minute;
    if (window.start_minute < window.end_minute)
        return minute >= window.start_minute && minute < window.end_minute;
    return minute >= window.start_minute || minute < window.end_minute;  // across midnight
}

std::int64_t window_close(const MaintenanceWindow& window, std::int64_t local_time) {
    const std::int64_t midnight = local_time - floor_mod(local_time, micros_per_day_here);
    if (window.start_minute == window.end_minute)
        return midnight + micros_per_day_here;  // the whole day: until the next midnight
    std::int64_t close = midnight + window.end_minute * micros_per_minute;
    if (close <= local_time)
        close += micros_per_day_here;
    return close;
}

}  // namespace hastecrm_perf
