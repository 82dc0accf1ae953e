// n_plus_one: the suspects of the n_plus_one view (SPEC §4). The advice is
// the batched statement when the loop's query looks its rows up by one
// parameter: one call with an array instead of one call per value.
#include "core/batched_statement.hpp"
#include "health/check_context.hpp"
#include "health/sources.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

namespace hastecrm_perf::health {
namespace {

constexpr const char* suspects_sql = R"SQL(
SELECT n.queryid::text, coalesce(n.query, ''), coalesce(n.parent_query, ''), n.occurrences::float8,
       n.max_repeats::float8, n.wasted_ms, n.last_seen
FROM hastecrm_perf.n_plus_one n
WHERE n.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
ORDER BY n.wasted_ms DESC, n.queryid
)SQL";

}  // namespace

void check_n_plus_one(CheckContext& c) {
    if (!statement_tables_loaded(c.spi)) {
        c.add(Severity::info, "", "", "", "not judged: needs hastecrm_perf in shared_preload_libraries", "");
        return;
    }
    const double warning = c.param("warning_wasted_ms");
    const std::uint64_t count = c.spi.execute(suspects_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String query = row.text(2);
        const double wasted = row.number(6);
        const std::optional<String> batched =
            query.empty() || query[0] == '<' ? std::nullopt : batched_statement(query, c.resource);
        c.add(wasted >= warning ? Severity::warning : Severity::info, c.text({"queryid ", row.text(1)}),
              c.text({"up to ", count_text(row.number(5), c.resource), " repeats, ",
                      number_text(wasted, c.resource), " ms wasted"}),
              c.text({"warning at ", number_text(warning, c.resource), " ms wasted"}),
              c.text({count_text(row.number(4), c.resource), " loops of: ", query,
                      row.text(3).empty() ? "" : " — after: ", row.text(3)}),
              batched ? c.text({*batched, " -- one call with an array of the values the loop passes one by one"})
                      : String(&c.resource),
              row.time(7));
    }
}

}  // namespace hastecrm_perf::health
