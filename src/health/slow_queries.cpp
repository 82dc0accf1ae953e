// slow_queries: statements whose p95 over the last hour passes
// hastecrm_perf.slow_query_ms, from History's query_latency_between() when
// it exists; otherwise from the live table (p95 since the statement was first
// seen, among those run in the last hour), saying so.
#include "health/check_context.hpp"
#include "health/sources.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {
namespace {

constexpr const char* window_sql = R"SQL(
SELECT l.queryid::text, coalesce(l.query, ''), l.calls::float8, l.p95_ms, l.mean_ms, NULL::timestamptz
FROM hastecrm_perf.query_latency_between(
         pg_catalog.tstzrange(pg_catalog.now() - interval '1 hour', pg_catalog.now())) l
WHERE l.p95_ms >= $1 AND l.calls >= $2
ORDER BY l.p95_ms * l.calls DESC LIMIT 50
)SQL";

constexpr const char* live_sql = R"SQL(
SELECT l.queryid::text, coalesce(l.query, ''), l.calls::float8, l.p95_ms, l.mean_ms, l.first_seen
FROM hastecrm_perf.query_latency l
WHERE l.p95_ms >= $1 AND l.calls >= $2 AND l.last_seen >= pg_catalog.now() - interval '1 hour'
  AND l.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
ORDER BY l.total_ms DESC LIMIT 50
)SQL";

}  // namespace

void check_slow_queries(CheckContext& c) {
    if (!statement_tables_loaded(c.spi)) {
        c.add(Severity::info, "", "", "", "not judged: needs hastecrm_perf in shared_preload_libraries", "");
        return;
    }
    c.spi.execute("SELECT pg_catalog.current_setting('hastecrm_perf.slow_query_ms')::float8", {});
    const double slow_ms = SqlRow(c.spi, 0, c.resource).number(1);
    const double min_calls = c.param("min_calls"), critical_factor = c.param("critical_factor");
    // The window only where history covers the last hour; else the live table, saying so.
    bool windowed = function_exists(c.spi, "hastecrm_perf.query_latency_between(tstzrange)") &&
                    relation_exists(c.spi, "hastecrm_perf.statement_history");
    if (windowed) {
        c.spi.execute("SELECT EXISTS (SELECT FROM hastecrm_perf.statement_history "
                      "WHERE snapshot_at >= pg_catalog.now() - interval '1 hour')", {});
        bool is_null = false;
        windowed = DatumGetBool(c.spi.value(0, 1, &is_null));
    }
    const std::uint64_t count = c.spi.execute(windowed ? window_sql : live_sql,
                                              {{FLOAT8OID, Float8GetDatum(slow_ms)},
                                               {FLOAT8OID, Float8GetDatum(min_calls)}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const double p95 = row.number(4);
        const String query = row.text(2);
        // Another role's text is hidden from this caller (SPEC §1): nothing to EXPLAIN.
        const bool hidden = query.empty() || query[0] == '<';
        c.add(grade_rising(p95, slow_ms, slow_ms * critical_factor), c.text({"queryid ", row.text(1)}),
              c.text({"p95 ", number_text(p95, c.resource), " ms, ", count_text(row.number(3), c.resource), " calls"}),
              c.text({"hastecrm_perf.slow_query_ms = ", number_text(slow_ms, c.resource), ", critical at ",
                      number_text(critical_factor, c.resource), "x"}),
              c.text({windowed ? "p95 over the last hour; " : "p95 since first seen (no history of the last hour; ran in it); ",
                      "mean ", number_text(row.number(5), c.resource), " ms: ", query}),
              hidden ? String(&c.resource)
                     : c.text({"EXPLAIN (ANALYZE, BUFFERS) ", query, "; -- with values for its $n parameters"}),
              row.time(6));
    }
}

}  // namespace hastecrm_perf::health
