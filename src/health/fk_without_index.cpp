// fk_without_index: foreign keys whose columns do not lead a valid B-tree of
// the referencing table (core/fk_coverage: order matters, a partial index
// only for IS NOT NULL). Judged at a partitioned parent (its partitions'
// clones of the constraint are skipped); ranked by how often the referenced
// table deletes and updates (each one scans the referencing table) and by
// the referencing table's size.
#include <algorithm>
#include <charconv>

#include "core/fk_coverage.hpp"
#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

namespace hastecrm_perf::health {
namespace {

constexpr const char* keys_sql = R"SQL(
SELECT con.conrelid::int8, pg_catalog.array_to_string(con.conkey, ' '),
       pg_catalog.array_to_string(ARRAY(
           SELECT pg_catalog.quote_ident(a.attname) FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord), E'\x1f'),
       pg_catalog.format('%I.%I', n.nspname, r.relname), pg_catalog.format('%I.%I', fn.nspname, f.relname),
       pg_catalog.quote_ident(con.conname), r.relkind = 'p',
       greatest(r.reltuples, 0)::float8,
       (pg_catalog.pg_stat_get_tuples_deleted(con.confrelid) + pg_catalog.pg_stat_get_tuples_updated(con.confrelid))::float8
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class r ON r.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
JOIN pg_catalog.pg_class f ON f.oid = con.confrelid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0
ORDER BY con.conrelid, con.conname
)SQL";

constexpr const char* indexes_sql = R"SQL(
SELECT i.indrelid::int8, am.amname = 'btree', i.indisvalid,
       pg_catalog.array_to_string((i.indkey::int2[])[0:i.indnkeyatts - 1], ' '),
       coalesce(pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), '')
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid IN (SELECT con.conrelid FROM pg_catalog.pg_constraint con WHERE con.contype = 'f')
ORDER BY i.indrelid
)SQL";

void split_numbers(std::string_view text, Vector<int>& out) {
    out.clear();
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view item = text.substr(0, space);
        int value = 0;
        std::from_chars(item.data(), item.data() + item.size(), value);
        out.push_back(value);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    }
}

struct TableIndex {
    std::int64_t table;
    bool btree, valid;
    Vector<int> keys;
    String predicate;
};

struct Uncovered {
    double rank_changes, rank_rows;
    String object, value, detail, advice;
};

}  // namespace

void check_fk_without_index(CheckContext& c) {
    std::uint64_t count = c.spi.execute(indexes_sql, {});
    Vector<TableIndex> indexes(&c.resource);
    indexes.reserve(count);
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        TableIndex index{row.integer(1), row.flag(2), row.flag(3), Vector<int>(&c.resource), row.text(5)};
        split_numbers(row.text(4), index.keys);
        indexes.push_back(std::move(index));
    }

    count = c.spi.execute(keys_sql, {});
    Vector<int> fk(&c.resource);
    Vector<std::string_view> names(&c.resource);
    Vector<Uncovered> found(&c.resource);
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const std::int64_t table = row.integer(1);
        split_numbers(row.text(2), fk);
        const String joined = row.text(3);
        names.clear();
        for (std::string_view rest = joined; ;) {
            const std::size_t sep = rest.find('\x1f');
            names.push_back(rest.substr(0, sep));
            if (sep == std::string_view::npos)
                break;
            rest = rest.substr(sep + 1);
        }
        const auto first = std::lower_bound(indexes.begin(), indexes.end(), table,
                                            [](const TableIndex& i, std::int64_t t) { return i.table < t; });
        bool covered = false;
        for (auto it = first; it != indexes.end() && it->table == table && !covered; ++it)
            covered = covers_foreign_key({fk.data(), fk.size()}, {names.data(), names.size()},
                                         CoveringIndex{it->btree, it->valid, {it->keys.data(), it->keys.size()}, it->predicate});
        if (covered)
            continue;
        const String table_name = row.text(4), columns = c.text({"(", joined, ")"});
        String column_list(columns, &c.resource);
        std::replace(column_list.begin(), column_list.end(), '\x1f', ',');
        const bool partitioned = row.flag(7);
        found.push_back(Uncovered{
            row.number(9), row.number(8), c.text({table_name, " ", column_list}),
            c.text({count_text(row.number(9), c.resource), " deletes/updates on ", row.text(5), "; ",
                    count_text(row.number(8), c.resource), " rows here"}),
            c.text({"foreign key ", row.text(6), " to ", row.text(5),
                    ": every DELETE or key UPDATE there scans this table", partitioned ? " (every partition)" : "",
                    "; no valid B-tree leads with these columns"}),
            partitioned ? c.text({"CREATE INDEX ON ", table_name, " ", column_list, "; -- partitioned: not CONCURRENTLY"})
                        : c.text({"CREATE INDEX CONCURRENTLY ON ", table_name, " ", column_list, ";"})});
    }
    std::stable_sort(found.begin(), found.end(), [](const Uncovered& a, const Uncovered& b) {
        if (a.rank_changes != b.rank_changes)
            return a.rank_changes > b.rank_changes;
        return a.rank_rows > b.rank_rows;
    });
    for (const Uncovered& u : found)
        c.add(Severity::warning, u.object, u.value, "a valid, non-partial B-tree leading with the key's columns",
              u.detail, u.advice);
}

}  // namespace hastecrm_perf::health
