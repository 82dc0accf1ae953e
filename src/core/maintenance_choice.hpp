// What the weekly maintenance works on (SPEC §5 schedule_analyze,
// schedule_reindex): the tables whose statistics are stale by PostgreSQL's own
// autoanalyze rule, the B-trees whose measured bloat is worth a rebuild, and
// whether now lies inside a job's maintenance window.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

// ---- ANALYZE ---------------------------------------------------------------

// autovacuum_analyze_threshold and autovacuum_analyze_scale_factor, the
// settings or a table's reloptions.
struct AnalyzeRule {
    std::int64_t threshold = 50;
    double scale_factor = 0.1;
};

struct AnalyzeCandidate {
    std::uint32_t relid = 0;
    // The partitioned table this one is a partition of (any level), or 0.
    std::uint32_t parent = 0;
    bool partitioned = false;  // a parent: its own counters are always zero
    double reltuples = -1;     // -1: never counted (PostgreSQL 14+), counts as 0
    std::int64_t mod_since_analyze = 0;
    bool ever_analyzed = false;  // by ANALYZE or autovacuum
    // Per-table reloptions; each falls back on the setting by itself.
    std::optional<std::int64_t> reloption_threshold;
    std::optional<double> reloption_scale_factor;
};

struct AnalyzeChoice {
    std::uint32_t relid;
    std::int64_t changes;  // rows changed since the statistics were made
    bool never_analyzed;
};

// Stale when never analyzed, or when more rows changed than
// threshold + scale_factor * reltuples (PostgreSQL 15's autoanalyze rule,
// with the table's reloptions). A partitioned parent, which autovacuum never
// analyzes, counts the changes of its leaf partitions against the rows they
// hold (the shell names each leaf's root as its parent; a middle level of a
// multi-level tree is chosen when it was never analyzed). ANALYZE of a parent
// also analyzes its partitions, so a leaf under a chosen root is left out.
// Largest change first; never-analyzed tables before others of equal change.
Vector<AnalyzeChoice> choose_tables_to_analyze(const Vector<AnalyzeCandidate>& candidates,
                                               const AnalyzeRule& settings, Resource& resource);

// ---- REINDEX ---------------------------------------------------------------

struct IndexCandidate {
    std::uint32_t index = 0;
    std::uint32_t table = 0;
    std::int64_t bytes = 0;
    double bloat_pct = 0;  // measured reclaimable share, 0..100
    bool table_busy = false;  // an index of its table is being built right now
};

struct ReindexRule {
    double min_bloat_pct = 30;
    std::int64_t min_bytes = 100LL * 1024 * 1024;
};

// Whether the index is big enough to be measured at all: only those are scanned.
bool worth_measuring(const IndexCandidate& candidate, const ReindexRule& rule);

// The indexes to rebuild, most reclaimable bytes first. The rebuilds of a
// run go one at a time, so never two on one table at once; a table whose
// index is being built elsewhere (a REINDEX or CREATE INDEX of someone else)
// waits for the next run.
Vector<std::uint32_t> choose_indexes_to_rebuild(const Vector<IndexCandidate>& candidates,
                                                const ReindexRule& rule, Resource& resource);

// ---- maintenance windows ---------------------------------------------------

// 'HH:MM-HH:MM' in local wall-clock time; an end before the start crosses
// midnight; equal ends mean the whole day.
struct MaintenanceWindow {
    int start_minute;  // minutes after local midnight
    int end_minute;
};

std::optional<MaintenanceWindow> parse_window(std::string_view text);

// `local_time` is wall-clock time in microseconds from any local midnight
// (PostgreSQL's timestamp scale), so daylight-saving changes are already in
// it: a window inside a skipped hour does not occur that day, one inside a
// repeated hour occurs twice.
bool inside_window(const MaintenanceWindow& window, std::int64_t local_time);

// The local wall-clock time the window that contains `local_time` closes.
std::int64_t window_close(const MaintenanceWindow& window, std::int64_t local_time);

}  // namespace hastecrm_perf
