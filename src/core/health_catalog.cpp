#include "core/health_catalog.hpp"

#include <algorithm>
#include <array>

namespace hastecrm_perf {
namespace {

constexpr std::array checks{
    HealthCheck{"cache_hit", "heap, index and TOAST hit ratio per database and of the busiest tables, over the last hour of history or since the statistics reset", false, true},
    HealthCheck{"connections", "client backends against max_connections - superuser_reserved_connections, per database and role against their CONNECTION LIMIT", false, false},
    HealthCheck{"long_transactions", "sessions idle in transaction, old transactions, prepared transactions and replication slots that hold back the xmin horizon", false, false},
    HealthCheck{"memory", "worst-case memory of the settings against the RAM of the machine or cgroup; effective_cache_size; temporary files", false, false},
    HealthCheck{"autovacuum", "tables past PostgreSQL's own vacuum, insert or analyze threshold, partitioned parents without statistics, tables vacuumed often that bloat anyway", true, true},
    HealthCheck{"wraparound", "XID and multixact age of databases and tables against the stop limit", false, false},
    HealthCheck{"unused_indexes", "indexes without a scan over a window of at least window_days of history", false, true},
    HealthCheck{"duplicate_indexes", "indexes whose keys equal or lead another's", false, false},
    HealthCheck{"invalid_indexes", "indexes left invalid and not being built now", false, false},
    HealthCheck{"fk_without_index", "foreign keys whose columns lead no valid, non-partial B-tree", false, false},
    HealthCheck{"sequences", "sequences and identity columns near the lower of their own and their column's limit", false, false},
    HealthCheck{"replication", "standbys and slots on a primary; the WAL receiver and replay on a standby", false, false},
    HealthCheck{"bloat", "tables and indexes with estimated bloat (estimate = ok only)", false, false},
    HealthCheck{"slow_queries", "statements whose p95 over the last hour passes hastecrm_perf.slow_query_ms", false, true},
    HealthCheck{"n_plus_one", "N+1 suspects of the n_plus_one view", false, false},
    HealthCheck{"lock_waits", "lock episodes of the last hour, or waits now when there is no history", false, true},
};

constexpr std::array parameters{
    HealthParameter{"cache_hit", "warning_ratio", 0.95, "ratio", "hit ratio at or below this is a warning"},
    HealthParameter{"cache_hit", "critical_ratio", 0.80, "ratio", "hit ratio at or below this is critical"},
    HealthParameter{"cache_hit", "min_blocks", 10000, "blocks", "less block traffic than this is not judged"},
    HealthParameter{"connections", "warning_ratio", 0.80, "ratio", "share of the usable connections"},
    HealthParameter{"connections", "critical_ratio", 0.95, "ratio", "share of the usable connections"},
    HealthParameter{"long_transactions", "idle_in_transaction_s", 300, "s", "idle in transaction longer than this (from state_change)"},
    HealthParameter{"long_transactions", "transaction_s", 3600, "s", "a transaction older than this (from xact_start)"},
    HealthParameter{"long_transactions", "prepared_s", 300, "s", "a prepared transaction older than this"},
    HealthParameter{"long_transactions", "critical_s", 86400, "s", "any of them older than this is critical"},
    HealthParameter{"long_transactions", "slot_xids", 10000000, "xids", "an active replication slot holding the xmin horizon back by this many XIDs (hot_standby_feedback)"},
    HealthParameter{"memory", "nodes_per_query", 3, "nodes", "sort or hash nodes per connection in the worst case"},
    HealthParameter{"memory", "warning_ratio", 1.0, "ratio", "worst case against RAM"},
    HealthParameter{"memory", "critical_ratio", 2.0, "ratio", "worst case against RAM"},
    HealthParameter{"memory", "temp_bytes", 1073741824, "bytes", "temporary files written per database since the statistics reset"},
    HealthParameter{"autovacuum", "critical_factor", 10, "ratio", "dead tuples this many times the threshold are critical"},
    HealthParameter{"autovacuum", "tune_min_rows", 1000000, "rows", "tables this large get per-table settings sized from their write rate"},
    HealthParameter{"autovacuum", "vacuum_every_hours", 1, "h", "the vacuum interval those settings aim for"},
    HealthParameter{"autovacuum", "bloated_after_vacuums", 10, "vacuums", "autovacuum runs since the statistics reset after which a table still bloated is reported"},
    HealthParameter{"autovacuum", "bloated_pct", 20, "%", "estimated bloat (table_bloat(), estimate ok) left despite those vacuums"},
    HealthParameter{"autovacuum", "bloated_min_bytes", 10485760, "bytes", "smaller tables are not reported as bloated"},
    HealthParameter{"wraparound", "warning_margin", 100000000, "xids", "age past autovacuum_freeze_max_age that means autovacuum is not keeping up"},
    HealthParameter{"wraparound", "critical_headroom", 100000000, "xids", "headroom to the stop limit 2^31-1-3,000,000"},
    HealthParameter{"unused_indexes", "window_days", 7, "days", "history the check needs"},
    HealthParameter{"unused_indexes", "min_bytes", 1048576, "bytes", "smaller indexes are not reported"},
    HealthParameter{"sequences", "warning_ratio", 0.75, "ratio", "share of the range used"},
    HealthParameter{"sequences", "critical_ratio", 0.90, "ratio", "share of the range used"},
    HealthParameter{"replication", "warning_lag_bytes", 16777216, "bytes", "replay lag of a standby"},
    HealthParameter{"replication", "critical_lag_bytes", 1073741824, "bytes", "replay lag of a standby"},
    HealthParameter{"replication", "warning_lag_s", 60, "s", "replay lag of a standby"},
    HealthParameter{"replication", "critical_lag_s", 600, "s", "replay lag of a standby"},
    HealthParameter{"replication", "warning_retained_bytes", 1073741824, "bytes", "WAL a slot retains"},
    HealthParameter{"replication", "critical_retained_bytes", 10737418240, "bytes", "WAL a slot retains"},
    HealthParameter{"replication", "warning_safe_wal_bytes", 1073741824, "bytes", "safe_wal_size at or below this"},
    HealthParameter{"bloat", "warning_pct", 20, "%", "estimated bloat"},
    HealthParameter{"bloat", "critical_pct", 50, "%", "estimated bloat"},
    HealthParameter{"bloat", "min_bytes", 104857600, "bytes", "smaller relations are not reported"},
    HealthParameter{"slow_queries", "min_calls", 10, "calls", "fewer calls in the window are not judged"},
    HealthParameter{"slow_queries", "critical_factor", 10, "ratio", "p95 this many times slow_query_ms is critical"},
    HealthParameter{"n_plus_one", "warning_wasted_ms", 1000, "ms", "time batching would save"},
    HealthParameter{"lock_waits", "warning_s", 5, "s", "a wait at least this long"},
    HealthParameter{"lock_waits", "critical_s", 60, "s", "a wait at least this long"},
};

}  // namespace

std::span<const HealthCheck> health_checks() noexcept { return checks; }
std::span<const HealthParameter> health_parameters() noexcept { return parameters; }

const HealthParameter* find_health_parameter(std::string_view check, std::string_view name) noexcept {
    const auto it = std::find_if(parameters.begin(), parameters.end(), [&](const HealthParameter& p) {
        return p.check == check && p.name == name;
    });
    return it == parameters.end() ? nullptr : &*it;
}

bool is_health_check(std::string_view check) noexcept {
    return std::any_of(checks.begin(), checks.end(), [&](const HealthCheck& c) { return c.name == check; });
}

}  // namespace hastecrm_perf
