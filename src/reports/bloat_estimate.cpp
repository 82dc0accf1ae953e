// table_bloat() and index_bloat(): bloat from statistics alone (no page is
// read, no relation is locked), for every table, materialized view and index
// the caller may read. Sizes are pg_class.relpages: as of the last VACUUM or
// ANALYZE, the same moment reltuples describes.
#include <array>
#include <cmath>

#include "core/bloat_model.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"
#include "reports/catalog_stats.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::reports {
namespace {

// Tables and matviews the caller may read (its own temporary ones included),
// with what the model and the report need. TOAST tables ride with their owner.
constexpr const char* tables_sql = R"SQL(
SELECT c.oid, n.nspname::text, c.relname::text, c.relpages::int8, c.reltuples::float8,
       coalesce(t.relpages, 0)::int8, coalesce(t.reltuples, 0)::float8,
       CASE WHEN c.reloptions IS NULL THEN 100
            ELSE coalesce((SELECT o.option_value::int FROM pg_catalog.pg_options_to_table(c.reloptions) o
                           WHERE o.option_name = 'fillfactor'), 100) END,
       pg_catalog.pg_stat_get_live_tuples(c.oid), pg_catalog.pg_stat_get_dead_tuples(c.oid),
       pg_catalog.pg_stat_get_last_vacuum_time(c.oid),
       pg_catalog.pg_stat_get_last_autovacuum_time(c.oid),
       pg_catalog.pg_stat_get_mod_since_analyze(c.oid)::float8,
       coalesce(pg_catalog.pg_stat_get_tuples_deleted(t.oid), 0)::float8
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
WHERE c.relkind IN ('r', 'm')
  AND (c.relpersistence <> 't' OR c.relnamespace = pg_catalog.pg_my_temp_schema())
  AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
ORDER BY c.oid
)SQL";

// Indexes with storage of those tables; for B-trees whether a build would
// deduplicate (deduplicate_items on, not unique, no INCLUDE columns, every key
// opclass with an equalimage support function).
constexpr const char* indexes_sql = R"SQL(
SELECT i.indexrelid, i.indrelid, n.nspname::text, c.relname::text, ic.relname::text,
       am.amname = 'btree', ic.relpages::int8, ic.reltuples::float8,
       i.indnkeyatts::int, i.indkey::int2[],
       NOT i.indisunique AND i.indnatts = i.indnkeyatts
         AND coalesce((SELECT o.option_value::bool FROM pg_catalog.pg_options_to_table(ic.reloptions) o
                       WHERE o.option_name = 'deduplicate_items'), true)
         AND (SELECT pg_catalog.bool_and(EXISTS (
                SELECT FROM pg_catalog.pg_amproc p
                WHERE p.amprocfamily = oc.opcfamily AND p.amprocnum = 4
                  AND p.amproclefttype = oc.opcintype AND p.amprocrighttype = oc.opcintype))
              FROM pg_catalog.unnest(i.indclass::oid[]) AS u(opclass)
              JOIN pg_catalog.pg_opclass oc ON oc.oid = u.opclass),
       CASE WHEN ic.reloptions IS NULL THEN 90
            ELSE coalesce((SELECT o.option_value::int FROM pg_catalog.pg_options_to_table(ic.reloptions) o
                           WHERE o.option_name = 'fillfactor'), 90) END,
       pg_catalog.pg_stat_get_live_tuples(c.oid), pg_catalog.pg_stat_get_dead_tuples(c.oid),
       pg_catalog.pg_stat_get_last_vacuum_time(c.oid),
       pg_catalog.pg_stat_get_last_autovacuum_time(c.oid),
       pg_catalog.pg_stat_get_mod_since_analyze(c.oid)::float8
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE ic.relkind = 'i' AND c.relkind IN ('r', 'm')
  AND (c.relpersistence <> 't' OR c.relnamespace = pg_catalog.pg_my_temp_schema())
  AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
ORDER BY i.indexrelid
)SQL";

std::int64_t read_min_bytes(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0))
        throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "min_bytes must not be NULL",
                        {}, "Pass 0 to list every relation.");
    const int64 min_bytes = PG_GETARG_INT64(0);
    if (min_bytes < 0)
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                        "min_bytes must be zero or more, not " + std::to_string(min_bytes));
    return min_bytes;
}

// Reads one SPI result row by column number.
class Row {
public:
    Row(const pg::Spi& spi, std::uint64_t row) : spi_(spi), row_(row) {}
    Datum get(int column, bool* is_null) const { return spi_.value(row_, column, is_null); }
    Datum get(int column) const {
        bool is_null = false;
        return spi_.value(row_, column, &is_null);
    }
    bool is_null(int column) const {
        bool is_null = false;
        spi_.value(row_, column, &is_null);
        return is_null;
    }

private:
    const pg::Spi& spi_;
    std::uint64_t row_;
};

// The columns shared by both reports' rows after the figures.
struct Activity {
    Datum live, dead, last_vacuum, last_autovacuum;
    bool vacuum_null, autovacuum_null;
};

Activity read_activity(const Row& row, int first) {
    Activity a{row.get(first), row.get(first + 1), 0, 0, false, false};
    a.last_vacuum = row.get(first + 2, &a.vacuum_null);
    a.last_autovacuum = row.get(first + 3, &a.autovacuum_null);
    return a;
}

}  // namespace
}  // namespace hastecrm_perf::reports

namespace hp = hastecrm_perf;
namespace rp = hastecrm_perf::reports;

HASTECRM_PERF_FUNCTION(table_bloat) {
    return hp::pg::guard([&]() -> Datum {
        const std::int64_t min_bytes = rp::read_min_bytes(fcinfo);
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        hp::pg::Spi spi;
        const std::uint64_t count = spi.execute(rp::tables_sql, {});
        hp::Vector<Oid> relids(&resource);
        for (std::uint64_t r = 0; r < count; ++r)
            relids.push_back(DatumGetObjectId(rp::Row(spi, r).get(1)));
        const rp::CatalogStats catalog(relids, resource);
        hp::Vector<hp::Column> columns(&resource);

        for (std::uint64_t r = 0; r < count; ++r) {
            const rp::Row row(spi, r);
            const Oid relid = DatumGetObjectId(row.get(1));
            columns.clear();
            for (const rp::AttributeRow& attribute : catalog.attributes(relid))
                columns.push_back(attribute.column);
            const std::int64_t pages = DatumGetInt64(row.get(4));
            const std::int64_t toast_pages = DatumGetInt64(row.get(6));
            const double modified = DatumGetFloat8(row.get(13));
            const double rows = DatumGetFloat8(row.get(5));
            const hp::BloatEstimate heap = hp::estimate_heap_bloat(
                {rows, pages, {columns.data(), columns.size()},
                 DatumGetInt32(row.get(8)), modified});
            const hp::BloatEstimate toast = hp::estimate_toast_bloat(
                {DatumGetFloat8(row.get(7)), toast_pages,
                 hp::out_of_line_values(rows, {columns.data(), columns.size()}),
                 DatumGetFloat8(row.get(14))});
            const hp::BloatEstimate both = hp::combine_table_and_toast(heap, toast);
            const bool has_figure = both.figure.has_value();
            if (has_figure ? both.figure->bloat_bytes < min_bytes : min_bytes > 0)
                continue;
            const rp::Activity activity = rp::read_activity(row, 9);
            std::array<Datum, 13> values{
                ObjectIdGetDatum(relid), row.get(2), row.get(3),
                Int64GetDatum(pages * BLCKSZ), Int64GetDatum(toast_pages * BLCKSZ),
                has_figure ? Int64GetDatum(both.figure->expected_bytes) : Datum(0),
                has_figure ? Int64GetDatum(both.figure->bloat_bytes) : Datum(0),
                has_figure ? Float8GetDatum(both.figure->bloat_pct) : Datum(0),
                activity.live, activity.dead, hp::pg::text_datum(hp::to_string(both.quality)),
                activity.last_vacuum, activity.last_autovacuum};
            std::array<bool, 13> nulls{};
            nulls[5] = nulls[6] = nulls[7] = !has_figure;
            nulls[11] = activity.vacuum_null;
            nulls[12] = activity.autovacuum_null;
            result.put(values, nulls);
        }
        return Datum(0);
    });
}

namespace hastecrm_perf::reports {
namespace {

// The index's attributes with the widths of the values it stores: a plain
// key column's statistics are the table column's, an expression's are the
// index's own (ANALYZE keeps them). Also the key's distinct count.
struct IndexShape {
    std::optional<double> n_distinct;
};

IndexShape index_columns(const CatalogStats& catalog, Oid index, Oid table, ArrayType* keys,
                         int key_count, double reltuples, Vector<Column>& columns) {
    // ArrayGetNItems raises on absurd dimensions.
    const int total = pg::call([keys] { return ArrayGetNItems(ARR_NDIM(keys), ARR_DIMS(keys)); });
    const auto* attnums = reinterpret_cast<const int16*>(ARR_DATA_PTR(keys));
    columns.clear();
    double distinct_product = 1;
    bool distinct_known = true;
    std::optional<double> single;
    for (int k = 0; k < total; ++k) {
        const AttributeRow* own = catalog.attribute(index, static_cast<std::int16_t>(k + 1));
        const AttributeRow* source =
            attnums[k] > 0 ? catalog.attribute(table, attnums[k]) : own;
        if (own == nullptr)
            continue;
        Column column = own->column;
        column.stats = source != nullptr ? source->column.stats : std::nullopt;
        columns.push_back(column);
        if (k >= key_count)
            continue;
        const std::optional<double> nd = source != nullptr ? source->n_distinct : std::nullopt;
        if (!nd || *nd == 0) {
            distinct_known = false;
            continue;
        }
        single = nd;
        distinct_product *= *nd > 0 ? *nd : -*nd * std::max(reltuples, 1.0);
    }
    if (!distinct_known)
        return {std::nullopt};
    if (key_count == 1)
        return {single};
    return {std::min(distinct_product, std::max(reltuples, 1.0))};
}

}  // namespace
}  // namespace hastecrm_perf::reports

HASTECRM_PERF_FUNCTION(index_bloat) {
    return hp::pg::guard([&]() -> Datum {
        const std::int64_t min_bytes = rp::read_min_bytes(fcinfo);
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        hp::pg::Spi spi;
        const std::uint64_t count = spi.execute(rp::indexes_sql, {});
        hp::Vector<Oid> relids(&resource);
        for (std::uint64_t r = 0; r < count; ++r) {
            relids.push_back(DatumGetObjectId(rp::Row(spi, r).get(1)));
            relids.push_back(DatumGetObjectId(rp::Row(spi, r).get(2)));
        }
        std::sort(relids.begin(), relids.end());
        relids.erase(std::unique(relids.begin(), relids.end()), relids.end());
        const rp::CatalogStats catalog(relids, resource);
        hp::Vector<hp::Column> columns(&resource);

        for (std::uint64_t r = 0; r < count; ++r) {
            const rp::Row row(spi, r);
            const Oid index = DatumGetObjectId(row.get(1));
            const Oid table = DatumGetObjectId(row.get(2));
            const bool btree = DatumGetBool(row.get(6));
            const std::int64_t pages = DatumGetInt64(row.get(7));
            const double reltuples = DatumGetFloat8(row.get(8));
            std::optional<hp::BloatEstimate> estimate;
            if (btree) {
                ArrayType* keys = hp::pg::call([&] { return DatumGetArrayTypeP(row.get(10)); });
                const rp::IndexShape shape = rp::index_columns(
                    catalog, index, table, keys, DatumGetInt32(row.get(9)), reltuples, columns);
                bool dedup_null = false;
                const Datum dedup = row.get(11, &dedup_null);
                estimate = hp::estimate_btree_bloat(
                    {reltuples, pages, {columns.data(), columns.size()},
                     !dedup_null && DatumGetBool(dedup), shape.n_distinct,
                     DatumGetInt32(row.get(12)), DatumGetFloat8(row.get(17))});
            }
            const bool has_figure = estimate && estimate->figure.has_value();
            if (has_figure ? estimate->figure->bloat_bytes < min_bytes : min_bytes > 0)
                continue;
            const rp::Activity activity = rp::read_activity(row, 13);
            const char* quality = estimate ? hp::to_string(estimate->quality).data() : "unsupported";
            std::array<Datum, 14> values{
                ObjectIdGetDatum(table), row.get(3), row.get(4), ObjectIdGetDatum(index), row.get(5),
                Int64GetDatum(pages * BLCKSZ),
                has_figure ? Int64GetDatum(estimate->figure->expected_bytes) : Datum(0),
                has_figure ? Int64GetDatum(estimate->figure->bloat_bytes) : Datum(0),
                has_figure ? Float8GetDatum(estimate->figure->bloat_pct) : Datum(0),
                activity.live, activity.dead, hp::pg::text_datum(quality),
                activity.last_vacuum, activity.last_autovacuum};
            std::array<bool, 14> nulls{};
            nulls[6] = nulls[7] = nulls[8] = !has_figure;
            nulls[12] = activity.vacuum_null;
            nulls[13] = activity.autovacuum_null;
            result.put(values, nulls);
        }
        return Datum(0);
    });
}
