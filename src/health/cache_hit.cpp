// cache_hit: share of block reads served by shared_buffers, per database over
// the last hour of History's database_history when there is one (a lifetime
// ratio hides a current problem), else since the statistics reset, saying
// which; and heap, index and TOAST ratios of the busiest tables (since the
// reset: history keeps no per-table block counters by the hour). Traffic
// under min_blocks is not judged.
#include <algorithm>
#include <cmath>

#include "health/check_context.hpp"
#include "health/machine_memory.hpp"
#include "health/sources.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {
namespace {

constexpr const char* databases_sql = R"SQL(
SELECT pg_catalog.format('database %I', d.datname), d.blks_hit::float8, d.blks_read::float8,
       coalesce(d.stats_reset, pg_catalog.pg_postmaster_start_time()), d.stats_reset IS NULL
FROM pg_catalog.pg_stat_database d
WHERE d.datname IS NOT NULL AND d.blks_hit + d.blks_read >= $1
ORDER BY d.datname
)SQL";

constexpr const char* tables_sql = R"SQL(
SELECT pg_catalog.format('%I.%I', s.schemaname, s.relname),
       s.heap_blks_hit::float8, s.heap_blks_read::float8,
       coalesce(s.idx_blks_hit, 0)::float8, coalesce(s.idx_blks_read, 0)::float8,
       coalesce(s.toast_blks_hit, 0)::float8 + coalesce(s.tidx_blks_hit, 0),
       coalesce(s.toast_blks_read, 0)::float8 + coalesce(s.tidx_blks_read, 0)
FROM pg_catalog.pg_statio_all_tables s
WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND s.heap_blks_hit + s.heap_blks_read + coalesce(s.idx_blks_hit, 0) + coalesce(s.idx_blks_read, 0)
      + coalesce(s.toast_blks_hit, 0) + coalesce(s.toast_blks_read, 0) >= $1
ORDER BY s.heap_blks_read + coalesce(s.idx_blks_read, 0) + coalesce(s.toast_blks_read, 0) DESC
LIMIT 10
)SQL";

// shared_buffers doubled, up to a quarter of RAM (the usual ceiling: the
// kernel's page cache holds the rest); none when it is there already.
std::optional<String> shared_buffers_advice(CheckContext& c) {
    c.spi.execute("SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('shared_buffers'))::float8", {});
    const double current = SqlRow(c.spi, 0, c.resource).number(1);
    const std::optional<double> ram = machine_ram_bytes();
    const double ceiling = ram ? *ram / 4 : current * 2;
    if (current >= ceiling * 0.95)
        return std::nullopt;
    const double wanted = std::min(current * 2, ceiling);
    return c.text({"ALTER SYSTEM SET shared_buffers = ", setting_bytes(wanted, c.resource),
                   "; -- takes a restart; at most a quarter of RAM"});
}

double ratio(double hit, double read) { return hit + read > 0 ? hit / (hit + read) : NAN; }

}  // namespace

void check_cache_hit(CheckContext& c) {
    const double warning = c.param("warning_ratio"), critical = c.param("critical_ratio");
    const double min_blocks = c.param("min_blocks");
    const String threshold = c.text({"warning <= ", percent_text(warning, c.resource), ", critical <= ",
                                     percent_text(critical, c.resource), ", at least ",
                                     count_text(min_blocks, c.resource), " blocks"});
    const std::optional<String> advice = shared_buffers_advice(c);
    const std::string_view fix = advice ? std::string_view(*advice)
        : std::string_view("SELECT * FROM hastecrm_perf.table_bloat() ORDER BY bloat_bytes DESC LIMIT 10; "
                           "-- shared_buffers is at a quarter of RAM already: shrink what is read");

    bool judged_from_history = false;
    if (relation_exists(c.spi, "hastecrm_perf.database_history")) {
        const char* table = "hastecrm_perf.database_history";
        const auto at = first_column(c.spi, table, {"snapshot_at", "captured_at", "taken_at", "sampled_at", "ts"}, c.resource);
        const auto db = first_column(c.spi, table, {"datname", "database"}, c.resource);
        const auto hit = first_column(c.spi, table, {"blks_hit", "blocks_hit"}, c.resource);
        const auto read = first_column(c.spi, table, {"blks_read", "blocks_read"}, c.resource);
        if (at && db && hit && read) {
            // Per snapshot the deltas since the previous one (SPEC §8).
            const String sql = c.text({
                "SELECT pg_catalog.format('database %I', h.", *db, "), sum(h.", *hit, ")::float8, sum(h.", *read,
                ")::float8, min(h.", *at, ") FROM hastecrm_perf.database_history h WHERE h.", *at,
                " >= pg_catalog.now() - interval '1 hour' GROUP BY h.", *db, " HAVING sum(h.", *hit,
                ") + sum(h.", *read, ") >= $1 ORDER BY 1"});
            const std::uint64_t count = c.spi.execute(sql.c_str(), {{FLOAT8OID, Float8GetDatum(min_blocks)}});
            judged_from_history = count > 0;
            for (std::uint64_t r = 0; r < count; ++r) {
                const SqlRow row(c.spi, r, c.resource);
                const double value = ratio(row.number(2), row.number(3));
                c.add(grade_falling(value, warning, critical), row.text(1), percent_text(value, c.resource),
                      threshold, "over the last hour of history", fix, row.time(4));
            }
        }
    }
    if (!judged_from_history) {
        const std::uint64_t count = c.spi.execute(databases_sql, {{FLOAT8OID, Float8GetDatum(min_blocks)}});
        for (std::uint64_t r = 0; r < count; ++r) {
            const SqlRow row(c.spi, r, c.resource);
            const double value = ratio(row.number(2), row.number(3));
            c.add(grade_falling(value, warning, critical), row.text(1), percent_text(value, c.resource), threshold,
                  row.flag(5) ? "since the server started (statistics never reset; no history of the last hour)"
                              : "since the statistics reset (no history of the last hour)",
                  fix, row.time(4));
        }
    }

    const std::uint64_t count = c.spi.execute(tables_sql, {{FLOAT8OID, Float8GetDatum(min_blocks)}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        struct Part {
            const char* name;
            double hit, read;
        } parts[] = {{"heap", row.number(2), row.number(3)},
                     {"index", row.number(4), row.number(5)},
                     {"TOAST", row.number(6), row.number(7)}};
        Severity worst = Severity::none;
        String value(&c.resource);
        for (const Part& part : parts) {
            if (part.hit + part.read < min_blocks)
                continue;
            const double part_ratio = ratio(part.hit, part.read);
            worst = std::max(worst, grade_falling(part_ratio, warning, critical));
            value.append(c.text({value.empty() ? "" : ", ", part.name, " ", percent_text(part_ratio, c.resource)}));
        }
        c.add(worst, row.text(1), value, threshold,
              "one of the busiest tables by blocks read, since the statistics reset", fix);
    }
}

}  // namespace hastecrm_perf::health
