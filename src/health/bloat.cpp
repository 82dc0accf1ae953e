// bloat: tables and indexes of at least min_bytes whose statistics-based
// estimate (table_bloat(), index_bloat(): no page read) is trustworthy
// (estimate = 'ok') and passes the thresholds.
#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {
namespace {

constexpr const char* tables_sql = R"SQL(
SELECT pg_catalog.format('%I.%I', b.schemaname, b.relname), b.bloat_pct, b.bloat_bytes::float8,
       (b.table_bytes + b.toast_bytes)::float8, b.last_autovacuum, b.last_vacuum
FROM hastecrm_perf.table_bloat($1) b
WHERE b.estimate = 'ok' AND b.table_bytes + b.toast_bytes >= $2 AND b.bloat_pct >= $3
ORDER BY b.bloat_bytes DESC
)SQL";

constexpr const char* indexes_sql = R"SQL(
SELECT pg_catalog.format('%I.%I', b.schemaname, b.indexrelname), b.bloat_pct, b.bloat_bytes::float8,
       b.index_bytes::float8, pg_catalog.format('%I.%I', b.schemaname, b.relname)
FROM hastecrm_perf.index_bloat($1) b
WHERE b.estimate = 'ok' AND b.index_bytes >= $2 AND b.bloat_pct >= $3
ORDER BY b.bloat_bytes DESC
)SQL";

}  // namespace

void check_bloat(CheckContext& c) {
    const double warning = c.param("warning_pct"), critical = c.param("critical_pct");
    const double min_bytes = c.param("min_bytes");
    // A relation of min_bytes at warning_pct has at least this much bloat:
    // the reports skip the rest early.
    const Datum least_bloat = Int64GetDatum(static_cast<int64>(min_bytes * warning / 100));
    const Datum size = Float8GetDatum(min_bytes), pct = Float8GetDatum(warning);
    const String threshold = c.text({"warning ", number_text(warning, c.resource), "%, critical ",
                                     number_text(critical, c.resource), "%, at least ",
                                     bytes_text(min_bytes, c.resource)});
    // Nothing is estimated when no relation is that large: a table whose heap
    // and TOAST together reach min_bytes has one of them at half of it.
    c.spi.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'm', 't', 'i') "
                  "AND c.relpages::float8 * pg_catalog.current_setting('block_size')::float8 >= $1 / 2)",
                  {{FLOAT8OID, size}});
    if (!SqlRow(c.spi, 0, c.resource).flag(1))
        return;
    std::uint64_t count = c.spi.execute(tables_sql, {{INT8OID, least_bloat}, {FLOAT8OID, size}, {FLOAT8OID, pct}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String table = row.text(1);
        c.add(grade_rising(row.number(2), warning, critical), table,
              c.text({percent_text(row.number(2) / 100, c.resource), " (", bytes_text(row.number(3), c.resource),
                      " of ", bytes_text(row.number(4), c.resource), ")"}),
              threshold,
              "estimated from statistics; VACUUM makes the space reusable but only a rewrite returns it; "
              "VACUUM FULL holds an ACCESS EXCLUSIVE lock while it rewrites (pg_repack rebuilds online)",
              c.text({"VACUUM (FULL, ANALYZE) ", table, ";"}), row.time(5));
    }
    count = c.spi.execute(indexes_sql, {{INT8OID, least_bloat}, {FLOAT8OID, size}, {FLOAT8OID, pct}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String index = row.text(1);
        c.add(grade_rising(row.number(2), warning, critical), index,
              c.text({percent_text(row.number(2) / 100, c.resource), " (", bytes_text(row.number(3), c.resource),
                      " of ", bytes_text(row.number(4), c.resource), ")"}),
              threshold, c.text({"B-tree on ", row.text(5), ", estimated from statistics"}),
              c.text({"REINDEX INDEX CONCURRENTLY ", index, ";"}));
    }
}

}  // namespace hastecrm_perf::health
