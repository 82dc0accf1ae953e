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
    Vector<AnalyzeChoice> chosen(&resource);
    for (const AnalyzeCandidate& table : candidates) {
        if (table.partitioned) {
            // The parent's sample is drawn from its leaves: their changes and
            // rows are what its statistics describe.
            std::int64_t changes = 0;
            double rows = 0;
            for (const AnalyzeCandidate& leaf : candidates)
                if (leaf.parent == table.relid && !leaf.partitioned) {
                    changes += leaf.mod_since_analyze;
                    rows += std::max(leaf.reltuples, 0.0);
                }
            if (!table.ever_analyzed || is_stale(changes, rows, settings))
                chosen.push_back(AnalyzeChoice{table.relid, changes, !table.ever_analyzed});
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
    Vector<std::uint32_t> tables(&resource);
    for (const IndexCandidate* index : bloated) {
        if (std::find(tables.begin(), tables.end(), index->table) != tables.end())
            continue;
        tables.push_back(index->table);
        chosen.push_back(index->index);
    }
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
