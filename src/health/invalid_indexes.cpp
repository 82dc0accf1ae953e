// invalid_indexes: indexes left invalid (a failed CREATE INDEX CONCURRENTLY or
// REINDEX CONCURRENTLY) that no build is working on now. A partitioned index
// is invalid while a partition lacks its index (or has an invalid one): the
// partition is named, with the statements that complete it.
#include "health/check_context.hpp"
#include "health/sql_row.hpp"

namespace hastecrm_perf::health {
namespace {

constexpr const char* invalid_sql = R"SQL(
SELECT pg_catalog.format('%I.%I', n.nspname, ic.relname),
       pg_catalog.format('%I.%I', tn.nspname, t.relname),
       ic.relkind = 'I', ic.relname ~ '_cc(new|old)[0-9]*$',
       pg_catalog.pg_get_indexdef(i.indexrelid),
       -- partitions without a valid index attached to this one
       (SELECT pg_catalog.string_agg(pg_catalog.format(
                 'CREATE %sINDEX CONCURRENTLY %I ON %I.%I %s; ALTER INDEX %I.%I ATTACH PARTITION %I.%I;',
                 CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END,
                 left(pc.relname || '_' || ic.relname, 63), pn.nspname, pc.relname,
                 substring(pg_catalog.pg_get_indexdef(i.indexrelid) FROM 'USING .*$'),
                 n.nspname, ic.relname, pn.nspname, left(pc.relname || '_' || ic.relname, 63)), ' ')
        FROM pg_catalog.pg_inherits p
        JOIN pg_catalog.pg_class pc ON pc.oid = p.inhrelid
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE ic.relkind = 'I' AND p.inhparent = i.indrelid AND pc.relkind = 'r'
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits pi
                          JOIN pg_catalog.pg_index ci ON ci.indexrelid = pi.inhrelid
                          WHERE pi.inhparent = i.indexrelid AND ci.indrelid = p.inhrelid)),
       (SELECT pg_catalog.string_agg(pg_catalog.format('%I.%I', pn.nspname, pc.relname), ', ')
        FROM pg_catalog.pg_inherits p
        JOIN pg_catalog.pg_class pc ON pc.oid = p.inhrelid
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE ic.relkind = 'I' AND p.inhparent = i.indrelid
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits pi
                          JOIN pg_catalog.pg_index ci ON ci.indexrelid = pi.inhrelid
                          WHERE pi.inhparent = i.indexrelid AND ci.indrelid = p.inhrelid
                            AND ci.indisvalid)),
       (SELECT pg_catalog.string_agg(pg_catalog.format('REINDEX INDEX CONCURRENTLY %I.%I;', cn.nspname, cc.relname), ' ')
        FROM pg_catalog.pg_inherits pi
        JOIN pg_catalog.pg_index ci ON ci.indexrelid = pi.inhrelid
        JOIN pg_catalog.pg_class cc ON cc.oid = ci.indexrelid
        JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
        WHERE ic.relkind = 'I' AND pi.inhparent = i.indexrelid AND NOT ci.indisvalid AND cc.relkind = 'i')
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
WHERE NOT i.indisvalid
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_stat_progress_create_index p
                  WHERE p.index_relid = i.indexrelid
                     OR (p.relid = i.indrelid AND p.index_relid = 0))
ORDER BY 1
)SQL";

}  // namespace

void check_invalid_indexes(CheckContext& c) {
    const std::uint64_t count = c.spi.execute(invalid_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String index = row.text(1);
        if (row.flag(3)) {
            String advice = row.text(6);
            const String reindex = row.text(8);
            if (!reindex.empty())
                advice.append(advice.empty() ? reindex : c.text({" ", reindex}));
            c.add(Severity::warning, index, "invalid", "partitioned index valid once every partition has it",
                  c.text({"partitioned index of ", row.text(2), ": partitions without a valid index: ",
                          row.text(7), "; ", row.text(5)}),
                  advice);
        } else if (row.flag(4)) {
            c.add(Severity::warning, index, "invalid", "not being built",
                  c.text({"left by an interrupted REINDEX CONCURRENTLY of ", row.text(2),
                          ": it costs every write and serves no read"}),
                  c.text({"DROP INDEX CONCURRENTLY ", index, ";"}));
        } else {
            c.add(Severity::warning, index, "invalid", "not being built",
                  c.text({"on ", row.text(2), ", left by a failed CREATE INDEX CONCURRENTLY or REINDEX: "
                          "it costs every write and serves no read; ", row.text(5)}),
                  c.text({"REINDEX INDEX CONCURRENTLY ", index, ";"}));
        }
    }
}

}  // namespace hastecrm_perf::health
