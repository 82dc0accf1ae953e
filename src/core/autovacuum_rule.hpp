// When autovacuum vacuums or analyzes a table: PostgreSQL 15's own rule
// (relation_needs_vacanalyze in postmaster/autovacuum.c), all three terms.
//
//   vacuum  when dead tuples      > vacuum_threshold  + vacuum_scale_factor  × reltuples
//        or when inserts since vacuum > insert_threshold + insert_scale_factor × reltuples
//                                   (insert_threshold −1 turns this term off)
//        or when the table's XID / multixact age passes its freeze_max_age;
//   analyze when changes since analyze > analyze_threshold + analyze_scale_factor × reltuples.
//
// reltuples −1 (never vacuumed or analyzed) counts as 0. Per-table reloptions
// override the settings; a TOAST table uses its own (toast.*) options when it
// has any and otherwise its main table's. TOAST tables are never analyzed;
// partitioned parents are never processed at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hastecrm_perf {

struct AutovacuumSettings {
    bool enabled = true;                 // autovacuum_enabled (the server's autovacuum is separate)
    double vacuum_threshold = 50;
    double vacuum_scale_factor = 0.2;
    double insert_threshold = 1000;      // −1: off
    double insert_scale_factor = 0.2;
    double analyze_threshold = 50;
    double analyze_scale_factor = 0.1;
    std::int64_t freeze_max_age = 200'000'000;
    std::int64_t multixact_freeze_max_age = 400'000'000;
};

// A relation's reloptions; unset ones fall back to the server settings.
struct AutovacuumReloptions {
    bool present = false;  // the relation has reloptions at all
    std::optional<bool> enabled;
    std::optional<double> vacuum_threshold, vacuum_scale_factor, insert_threshold,
        insert_scale_factor, analyze_threshold, analyze_scale_factor;
    std::optional<std::int64_t> freeze_max_age, multixact_freeze_max_age;
};

// pg_class.reloptions ("name=value" entries joined by `separator`); options
// other than autovacuum's are ignored, so are values that do not parse.
AutovacuumReloptions parse_autovacuum_reloptions(std::string_view entries, char separator);

// The settings autovacuum applies to one relation. For a TOAST table pass its
// own reloptions and its main table's: PostgreSQL takes the TOAST table's
// when it has any, else the main table's (never a field-by-field mix).
AutovacuumSettings effective_settings(const AutovacuumSettings& server,
                                      const AutovacuumReloptions& own);
AutovacuumSettings effective_toast_settings(const AutovacuumSettings& server,
                                            const AutovacuumReloptions& toast,
                                            const AutovacuumReloptions& main);

enum class RelationKind { table, toast, matview, partitioned };

struct TableActivity {
    RelationKind kind = RelationKind::table;
    double reltuples = -1;
    double dead_tuples = 0;
    double inserts_since_vacuum = 0;
    double changes_since_analyze = 0;
    std::int64_t xid_age = 0;
    std::int64_t multixact_age = 0;
};

struct AutovacuumVerdict {
    double vacuum_limit = 0;    // dead tuples past this trigger a vacuum
    double insert_limit = -1;   // −1 when the insert term is off
    double analyze_limit = 0;
    bool vacuum_due = false;    // by dead tuples
    bool insert_due = false;    // by inserts
    bool analyze_due = false;
    bool wraparound_due = false;  // forced even with autovacuum disabled
    bool processed = true;      // false: autovacuum never touches this relation (partitioned)

    bool any_due() const noexcept { return vacuum_due || insert_due || analyze_due || wraparound_due; }
};

AutovacuumVerdict judge_autovacuum(const AutovacuumSettings& settings, const TableActivity& activity);

// A vacuum scale factor that triggers about once per `interval_hours` at the
// given rate of dead tuples (updates + deletes per hour), given a fixed
// threshold; kept within 0.001 … 0.2 (PostgreSQL's default is the ceiling:
// the advice only ever makes vacuum come sooner).
double scale_factor_for_rate(double reltuples, double dead_per_hour, double interval_hours,
                             double threshold);

}  // namespace hastecrm_perf
