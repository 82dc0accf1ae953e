// What every check gets: its own SPI connection (inside a subtransaction of
// its own, so that one failing check is reported and the others still run),
// the thresholds, and the findings to add to.
#pragma once

#include <string_view>

#include "core/containers.hpp"
#include "health/finding.hpp"
#include "health/health_settings.hpp"
#include "pg/spi.hpp"

namespace hastecrm_perf::health {

struct CheckContext {
    std::string_view check;
    pg::Spi& spi;
    Resource& resource;
    const HealthSettings& settings;
    Findings& findings;
    bool in_recovery;

    double param(std::string_view name) const { return settings.value(check, name); }
    void add(Severity severity, std::string_view object, std::string_view value,
             std::string_view threshold, std::string_view detail, std::string_view advice,
             std::optional<TimestampTz> since = std::nullopt) const {
        findings.add(check, severity, object, value, threshold, detail, advice, since);
    }
    // "…, in one statement" with the pieces concatenated.
    String text(std::initializer_list<std::string_view> parts) const { return concat(resource, parts); }
};

// Each check of SPEC §9 (one file each).
void check_cache_hit(CheckContext& context);
void check_connections(CheckContext& context);
void check_long_transactions(CheckContext& context);
void check_memory(CheckContext& context);
void check_autovacuum(CheckContext& context);
void check_wraparound(CheckContext& context);
void check_unused_indexes(CheckContext& context);
void check_duplicate_indexes(CheckContext& context);
void check_invalid_indexes(CheckContext& context);
void check_fk_without_index(CheckContext& context);
void check_sequences(CheckContext& context);
void check_replication(CheckContext& context);
void check_bloat(CheckContext& context);
void check_slow_queries(CheckContext& context);
void check_n_plus_one(CheckContext& context);
void check_lock_waits(CheckContext& context);

}  // namespace hastecrm_perf::health
