// memory: the settings' worst case (core/memory_budget) against the RAM the
// server may use, effective_cache_size against RAM, and temporary files
// written since the statistics reset.
#include "core/memory_budget.hpp"
#include "health/check_context.hpp"
#include "health/machine_memory.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {
namespace {

constexpr const char* settings_sql = R"SQL(
SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('shared_buffers'))::float8,
       pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem'))::float8,
       pg_catalog.current_setting('hash_mem_multiplier')::float8,
       pg_catalog.pg_size_bytes(pg_catalog.current_setting('maintenance_work_mem'))::float8,
       CASE WHEN pg_catalog.current_setting('autovacuum_work_mem') = '-1' THEN -1
            ELSE pg_catalog.pg_size_bytes(pg_catalog.current_setting('autovacuum_work_mem')) END::float8,
       pg_catalog.current_setting('autovacuum_max_workers')::float8,
       pg_catalog.current_setting('max_connections')::float8,
       pg_catalog.pg_size_bytes(pg_catalog.current_setting('effective_cache_size'))::float8
)SQL";

constexpr const char* temp_sql = R"SQL(
SELECT pg_catalog.format('database %I', d.datname), d.temp_bytes::float8, d.temp_files::float8,
       coalesce(d.stats_reset, pg_catalog.pg_postmaster_start_time())
FROM pg_catalog.pg_stat_database d
WHERE d.datname IS NOT NULL AND d.temp_bytes >= $1 ORDER BY d.temp_bytes DESC
)SQL";

}  // namespace

void check_memory(CheckContext& c) {
    c.spi.execute(settings_sql, {});
    const SqlRow row(c.spi, 0, c.resource);
    MemorySettings s{row.number(1), row.number(2), row.number(3), row.number(4), row.number(5),
                     row.number(6), row.number(7), c.param("nodes_per_query")};
    const double effective_cache_size = row.number(8);
    const std::optional<double> ram = machine_ram_bytes();
    if (!ram) {
        c.add(Severity::info, "server", "", "", "RAM unknown: neither /proc/meminfo nor a cgroup limit is readable", "");
    } else {
        const MemoryBudget budget = worst_case_memory(s);
        const double warning = c.param("warning_ratio"), critical = c.param("critical_ratio");
        const double share = budget.total() / *ram;
        const Severity severity = grade_rising(share, warning, critical);
        if (severity != Severity::none) {
            const ByteRange range = work_mem_range(s, *ram);
            c.add(severity, "server",
                  c.text({bytes_text(budget.total(), c.resource), " worst case of ", bytes_text(*ram, c.resource), " RAM"}),
                  c.text({"warning ", percent_text(warning, c.resource), ", critical ", percent_text(critical, c.resource), " of RAM"}),
                  c.text({"shared_buffers ", bytes_text(budget.shared, c.resource), " + max_connections ",
                          integer_text(s.max_connections, c.resource), " x work_mem ", bytes_text(s.work_mem, c.resource),
                          " x hash_mem_multiplier ", number_text(s.hash_mem_multiplier, c.resource), " x ",
                          number_text(s.nodes_per_query, c.resource), " nodes = ", bytes_text(budget.queries, c.resource),
                          " + autovacuum_max_workers x their memory = ", bytes_text(budget.maintenance, c.resource)}),
                  c.text({"ALTER SYSTEM SET work_mem = ", setting_bytes(range.high, c.resource),
                          "; SELECT pg_catalog.pg_reload_conf(); -- between ", bytes_text(range.low, c.resource), " and ",
                          bytes_text(range.high, c.resource), ": the upper end keeps the worst case within 90% of RAM, "
                          "the lower leaves half of that room to the page cache; or fewer connections through a pooler"}));
        }
        if (effective_cache_size > *ram)
            c.add(Severity::warning, "effective_cache_size", bytes_text(effective_cache_size, c.resource),
                  c.text({"at most RAM, ", bytes_text(*ram, c.resource)}),
                  "the planner counts on more cache than the machine has and favours index scans that then read from disk",
                  c.text({"ALTER SYSTEM SET effective_cache_size = ", setting_bytes(*ram * 0.75, c.resource),
                          "; SELECT pg_catalog.pg_reload_conf(); -- 50% to 75% of RAM: shared_buffers plus the page cache"}));
    }
    const double temp_limit = c.param("temp_bytes");
    const std::uint64_t count = c.spi.execute(temp_sql, {{FLOAT8OID, Float8GetDatum(temp_limit)}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow t(c.spi, r, c.resource);
        c.add(Severity::info, t.text(1),
              c.text({bytes_text(t.number(2), c.resource), " in ", count_text(t.number(3), c.resource), " temporary files"}),
              c.text({"at most ", bytes_text(temp_limit, c.resource)}),
              "sorts and hashes that did not fit in work_mem spilled to disk, since the statistics reset",
              "ALTER SYSTEM SET log_temp_files = '10MB'; SELECT pg_catalog.pg_reload_conf(); -- names the statements; then raise work_mem for them",
              t.time(4));
    }
}

}  // namespace hastecrm_perf::health
