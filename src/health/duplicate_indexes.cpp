// duplicate_indexes: per table, an index whose keys equal another's or (for
// B-trees) lead them, by core/index_comparison: access method, key columns or
// deparsed expressions, operator classes, collations, ASC/DESC and NULLS
// order, predicates; INCLUDE columns are not keys. The index behind a
// constraint is never the one advised away. Indexes of partitions that are
// attached to a partitioned index are judged at the parent.
#include <charconv>

#include "core/index_comparison.hpp"
#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {
namespace {

constexpr const char* indexes_sql = R"SQL(
WITH constrained AS (
    SELECT DISTINCT k.conindid FROM pg_catalog.pg_constraint k WHERE k.contype IN ('p', 'u', 'x')),
candidates AS (
    SELECT i.* FROM pg_catalog.pg_index i
    WHERE i.indrelid IN (SELECT x.indrelid FROM pg_catalog.pg_index x GROUP BY x.indrelid HAVING count(*) > 1)
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid))
SELECT i.indexrelid::int8, i.indrelid::int8, ic.relam::int8, am.amname = 'btree',
       i.indnkeyatts::int8,
       pg_catalog.array_to_string(i.indkey::int2[], ' '),
       pg_catalog.array_to_string(i.indclass::oid[], ' '),
       pg_catalog.array_to_string(i.indcollation::oid[], ' '),
       pg_catalog.array_to_string(i.indoption::int2[], ' '),
       CASE WHEN i.indexprs IS NULL THEN ''
            ELSE pg_catalog.array_to_string(ARRAY(
                SELECT coalesce(CASE WHEN i.indkey[k] = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k + 1, true) END, '')
                FROM pg_catalog.generate_series(0, i.indnkeyatts - 1) k ORDER BY k), E'\x1f') END,
       coalesce(pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), ''),
       i.indisunique, k.conindid IS NOT NULL,
       i.indisvalid, pg_catalog.format('%I.%I', n.nspname, ic.relname), NULL::text,
       ic.relkind = 'I', (ic.relpages::float8 * pg_catalog.current_setting('block_size')::float8)
FROM candidates i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN constrained k ON k.conindid = i.indexrelid
ORDER BY i.indrelid, i.indexrelid
)SQL";

struct Index {
    std::int64_t table;
    Vector<IndexKey> keys;
    Vector<int> include;
    Vector<String> expressions;
    String predicate, name, definition;
    IndexShape shape;
    bool partitioned;
    double bytes;
};

// "1 2 3" into numbers.
template <typename T>
void split_numbers(std::string_view text, Vector<T>& out) {
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view item = text.substr(0, space);
        std::int64_t value = 0;
        std::from_chars(item.data(), item.data() + item.size(), value);
        out.push_back(static_cast<T>(value));
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    }
}

// Deparsed only for the indexes reported: pg_get_indexdef() over every index
// of a large schema would cost more than the whole comparison.
String definition(CheckContext& c, const Index& index) {
    static SPIPlanPtr kept = nullptr;
    c.spi.execute_kept(&kept, "SELECT pg_catalog.pg_get_indexdef($1)", {{OIDOID, ObjectIdGetDatum(index.shape.oid)}});
    return SqlRow(c.spi, 0, c.resource).text(1);
}

}  // namespace

void check_duplicate_indexes(CheckContext& c) {
    const std::uint64_t count = c.spi.execute(indexes_sql, {});
    Vector<Index> indexes(&c.resource);
    indexes.reserve(count);
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        Index index{row.integer(2), Vector<IndexKey>(&c.resource), Vector<int>(&c.resource),
                    Vector<String>(&c.resource), row.text(11), row.text(15), row.text(16), {}, row.flag(17),
                    row.number(18)};
        Vector<int> attnums(&c.resource);
        Vector<std::uint32_t> opclasses(&c.resource), collations(&c.resource);
        Vector<int> options(&c.resource);
        split_numbers(row.text(6), attnums);
        split_numbers(row.text(7), opclasses);
        split_numbers(row.text(8), collations);
        split_numbers(row.text(9), options);
        const String expressions = row.text(10);
        std::string_view rest = expressions;
        const std::size_t key_count = static_cast<std::size_t>(row.integer(5));
        for (std::size_t k = 0; k < key_count; ++k) {
            const std::size_t sep = rest.find('\x1f');
            index.expressions.push_back(concat(c.resource, {rest.substr(0, sep)}));
            rest = sep == std::string_view::npos ? std::string_view{} : rest.substr(sep + 1);
        }
        for (std::size_t k = 0; k < attnums.size(); ++k) {
            if (k < key_count)
                index.keys.push_back(IndexKey{attnums[k], {}, k < opclasses.size() ? opclasses[k] : 0,
                                              k < collations.size() ? collations[k] : 0,
                                              k < options.size() ? options[k] : 0});
            else
                index.include.push_back(attnums[k]);
        }
        index.shape.oid = static_cast<std::uint32_t>(row.integer(1));
        index.shape.access_method = static_cast<std::uint32_t>(row.integer(3));
        index.shape.btree = row.flag(4);
        index.shape.unique = row.flag(12);
        index.shape.backs_constraint = row.flag(13);
        index.shape.valid = row.flag(14);
        indexes.push_back(std::move(index));
    }
    // Views into the strings only once the vector no longer moves them.
    for (Index& index : indexes) {
        for (std::size_t k = 0; k < index.keys.size(); ++k)
            index.keys[k].expression = k < index.expressions.size() ? std::string_view(index.expressions[k]) : std::string_view{};
        index.shape.keys = {index.keys.data(), index.keys.size()};
        index.shape.include = {index.include.data(), index.include.size()};
        index.shape.predicate = index.predicate;
    }

    // Rows come ordered by table: compare within each table's run only.
    std::size_t group_start = 0;
    for (std::size_t a = 0; a < indexes.size(); ++a) {
        const Index& index = indexes[a];
        if (indexes[group_start].table != index.table)
            group_start = a;
        for (std::size_t b = group_start; b < indexes.size() && indexes[b].table == index.table; ++b) {
            const Index& other = indexes[b];
            if (a == b)
                continue;
            const Redundancy redundancy = redundant_with(index.shape, other.shape);
            if (redundancy == Redundancy::none)
                continue;
            if (redundancy == Redundancy::same_keys &&
                redundant_with(other.shape, index.shape) == Redundancy::same_keys &&
                !drop_first_of_equals(index.shape, other.shape))
                continue;
            const bool same = redundancy == Redundancy::same_keys;
            c.add(Severity::warning, index.name,
                  c.text({bytes_text(index.bytes, c.resource), same ? ", same keys as " : ", a leading prefix of ", other.name}),
                  same ? "same access method, keys, opclasses, collations, order and predicate"
                       : "B-tree keys that lead another B-tree's, same opclasses, collations, order and predicate",
                  c.text({definition(c, index), " is served by ", definition(c, other),
                          same ? "" : " (any search on its keys can use the longer index)"}),
                  index.partitioned ? c.text({"DROP INDEX ", index.name, "; -- partitioned: not CONCURRENTLY"})
                                    : c.text({"DROP INDEX CONCURRENTLY ", index.name, ";"}));
            break;  // one finding per redundant index
        }
    }
}

}  // namespace hastecrm_perf::health
