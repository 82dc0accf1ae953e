// lock_waits: waits on heavyweight locks over the last hour from History's
// lock_episodes when it exists, and the waits going on now (lock_chains()),
// which an episode shows only once it has ended.
#include "health/check_context.hpp"
#include "health/sources.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
}

namespace hastecrm_perf::health {
namespace {

// Waits now: per root blocker, its longest-waiting victim.
constexpr const char* live_sql = R"SQL(
SELECT 'pid ' || l.root_pid, count(*)::float8, extract(epoch FROM max(l.waiting_for))::float8,
       pg_catalog.string_agg(DISTINCT coalesce(l.relation::text, l.lock_type), ', '),
       (SELECT r.suggestion FROM hastecrm_perf.lock_chains() r WHERE r.pid = l.root_pid AND r.depth = 0),
       pg_catalog.now() - max(l.waiting_for)
FROM hastecrm_perf.lock_chains() l
WHERE l.depth > 0
GROUP BY l.root_pid
HAVING extract(epoch FROM max(l.waiting_for)) >= $1
ORDER BY 3 DESC
)SQL";

}  // namespace

void check_lock_waits(CheckContext& c) {
    const double warning = c.param("warning_s"), critical = c.param("critical_s");
    const String threshold = c.text({"warning ", seconds_text(warning, c.resource), ", critical ",
                                     seconds_text(critical, c.resource)});
    const bool history = relation_exists(c.spi, "hastecrm_perf.lock_episodes");
    if (history) {
        // History's episodes of the last hour (SPEC §8), per relation, in this database.
        const std::uint64_t count = c.spi.execute(
            "SELECT coalesce(e.relation_name, e.lock_type), count(*)::float8, max(e.duration_ms) / 1000, "
            "sum(e.duration_ms) / 1000, min(e.started_at) FROM hastecrm_perf.lock_episodes e "
            "WHERE e.started_at >= pg_catalog.now() - interval '1 hour' "
            "AND e.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) "
            "GROUP BY 1 HAVING max(e.duration_ms) / 1000 >= $1 ORDER BY 4 DESC",
            {{FLOAT8OID, Float8GetDatum(warning)}});
        for (std::uint64_t r = 0; r < count; ++r) {
            const SqlRow row(c.spi, r, c.resource);
            c.add(grade_rising(row.number(3), warning, critical), row.text(1),
                  c.text({count_text(row.number(2), c.resource), " waits, longest ",
                          seconds_text(row.number(3), c.resource)}),
                  threshold,
                  c.text({"lock episodes of the last hour, ", seconds_text(row.number(4), c.resource), " waited in all"}),
                  c.text({"SELECT * FROM hastecrm_perf.lock_episodes WHERE started_at >= now() - interval '1 hour' "
                          "ORDER BY duration_ms DESC;"}),
                  row.time(5));
        }
        // ... and the waits going on now, which an episode shows only once they end.
    }
    const std::uint64_t count = c.spi.execute(live_sql, {{FLOAT8OID, Float8GetDatum(warning)}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        c.add(grade_rising(row.number(3), warning, critical), row.text(1),
              c.text({count_text(row.number(2), c.resource), " waiting, longest ", seconds_text(row.number(3), c.resource)}),
              threshold,
              c.text({"waits now on ", row.text(4),
                      history ? " (going on: not an episode yet); " : " (no lock history: only current waits are seen); ",
                      row.text(5)}),
              c.text({"SELECT pg_catalog.pg_terminate_backend(", std::string_view(row.text(1)).substr(4), "); -- frees the tree it blocks"}),
              row.time(6));
    }
}

}  // namespace hastecrm_perf::health
