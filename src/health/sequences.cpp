// sequences: every sequence and identity column the caller may read, against
// the lower of its own limit and its column type's (core/sequence_limit), in
// both directions. The current value is read from the sequence's one tuple
// under AccessShareLock, released at once (pg_sequence_last_value and the
// pg_sequences view take RowExclusiveLock and build a relation cache entry
// for each sequence).
#include "core/sequence_limit.hpp"
#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"
#include "pg/call.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/lmgr.h"
#include "utils/syscache.h"
}

namespace hastecrm_perf::health {
namespace {

// Feeding column: the one the sequence is OWNED BY (serial, identity), else
// one whose DEFAULT calls it.
constexpr const char* sequences_sql = R"SQL(
SELECT s.seqrelid::int8, pg_catalog.format('%I.%I', n.nspname, c.relname), s.seqincrement, s.seqmin, s.seqmax,
       s.seqcycle, col.typlen::int8, col.table_name, col.column_name, col.identity,
       pg_catalog.has_sequence_privilege(s.seqrelid, 'SELECT, USAGE'), s.seqtypid::regtype::text,
       col.type_name
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- Two lookups, each by an index of pg_depend: OWNED BY (serial, identity)
-- from the sequence, a DEFAULT nextval() from the column default.
LEFT JOIN LATERAL (
    SELECT d.refobjid AS attrelid, d.refobjsubid AS attnum
    FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = s.seqrelid AND d.deptype IN ('a', 'i')
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
    LIMIT 1) owned ON true
LEFT JOIN LATERAL (
    SELECT ad.adrelid AS attrelid, ad.adnum AS attnum
    FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
    WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = s.seqrelid AND d.refobjsubid = 0
      AND d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.deptype = 'n'
    LIMIT 1) used ON owned.attrelid IS NULL
LEFT JOIN LATERAL (
    SELECT t.typlen, pg_catalog.format('%I.%I', tn.nspname, tc.relname) AS table_name,
           pg_catalog.quote_ident(a.attname) AS column_name, a.attidentity <> '' AS identity,
           t.typname::text AS type_name
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid AND t.oid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
    JOIN pg_catalog.pg_class tc ON tc.oid = a.attrelid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
    WHERE a.attrelid = coalesce(owned.attrelid, used.attrelid) AND a.attnum = coalesce(owned.attnum, used.attnum)) col ON true
WHERE (c.relpersistence = 'p' OR (c.relpersistence = 'u' AND NOT pg_catalog.pg_is_in_recovery())
       OR c.relnamespace = pg_catalog.pg_my_temp_schema())
ORDER BY 2
)SQL";

// The layout sequence.c keeps private: a magic number in the special space.
constexpr std::uint32_t sequence_page_magic = 0x1717;

struct LastValue {
    bool found;
    int64 value;
};

// Through the buffer manager by file node, without building a relation cache
// entry per sequence: over thousands of them the cache entries cost more
// than the reads. The lock, taken first, keeps the file from being dropped or
// rewritten under us, and the file node is read after it.
LastValue read_last_value(Oid sequence) {
    return pg::call([sequence]() -> LastValue {
        LockRelationOid(sequence, AccessShareLock);
        HeapTuple row = SearchSysCache1(RELOID, ObjectIdGetDatum(sequence));
        if (!HeapTupleIsValid(row)) {
            UnlockRelationOid(sequence, AccessShareLock);
            return {false, 0};
        }
        const Form_pg_class form = reinterpret_cast<Form_pg_class>(GETSTRUCT(row));
        const bool readable = form->relkind == RELKIND_SEQUENCE && form->relpersistence != RELPERSISTENCE_TEMP &&
                              form->relfilenode != InvalidOid;
        RelFileNode node;
        node.spcNode = form->reltablespace != InvalidOid ? form->reltablespace : MyDatabaseTableSpace;
        node.dbNode = MyDatabaseId;
        node.relNode = form->relfilenode;
        const bool permanent = form->relpersistence == RELPERSISTENCE_PERMANENT;
        ReleaseSysCache(row);
        LastValue result{false, 0};
        if (readable) {
            Buffer buffer = ReadBufferWithoutRelcache(node, MAIN_FORKNUM, 0, RBM_NORMAL, nullptr, permanent);
            LockBuffer(buffer, BUFFER_LOCK_SHARE);
            Page page = BufferGetPage(buffer);
            if (!PageIsNew(page) &&
                *reinterpret_cast<const std::uint32_t*>(PageGetSpecialPointer(page)) == sequence_page_magic &&
                PageGetMaxOffsetNumber(page) >= FirstOffsetNumber) {
                const ItemId item = PageGetItemId(page, FirstOffsetNumber);
                const auto* tuple = reinterpret_cast<HeapTupleHeader>(PageGetItem(page, item));
                const auto* data = reinterpret_cast<const FormData_pg_sequence_data*>(
                    reinterpret_cast<const char*>(tuple) + tuple->t_hoff);
                result = {true, data->last_value};
            }
            UnlockReleaseBuffer(buffer);
        }
        // Released now, not at the end of the transaction: over thousands of
        // sequences the lock table must not fill.
        UnlockRelationOid(sequence, AccessShareLock);
        return result;
    });
}

}  // namespace

void check_sequences(CheckContext& c) {
    const double warning = c.param("warning_ratio"), critical = c.param("critical_ratio");
    const String threshold = c.text({"warning ", percent_text(warning, c.resource), ", critical ",
                                     percent_text(critical, c.resource), " of the lower of the sequence's and the column's limit"});
    const std::uint64_t count = c.spi.execute(sequences_sql, {});
    double unreadable = 0;
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        if (!row.flag(11)) {
            ++unreadable;
            continue;
        }
        const LastValue last = read_last_value(static_cast<Oid>(row.integer(1)));
        if (!last.found)
            continue;
        SequenceState state{last.value, row.integer(3), row.integer(4), row.integer(5), std::nullopt, std::nullopt};
        const bool fed_column = !row.is_null(7);
        if (fed_column) {
            const int width = static_cast<int>(row.integer(7));
            state.column_min = integer_type_min(width);
            state.column_max = integer_type_max(width);
        }
        const SequenceUsage usage = sequence_usage(state);
        const Severity severity = grade_rising(usage.used_fraction, warning, critical);
        if (severity == Severity::none)
            continue;
        const String name = row.text(2), table = row.text(8), column = row.text(9), seq_type = row.text(12);
        const bool identity = row.flag(10), ascending = state.increment > 0;
        String detail = c.text({ascending ? "ascending" : "descending", " ", seq_type, " sequence at ",
                                integer_text(static_cast<double>(last.value), c.resource), ", limit ",
                                integer_text(static_cast<double>(usage.limit), c.resource),
                                usage.limited_by_column ? " (the column's type)" : " (the sequence's own)",
                                fed_column ? c.text({", feeds ", table, ".", column, " (", row.text(13), ")"}) : String(&c.resource),
                                "; ", count_text(usage.values_left, c.resource), " values left",
                                row.flag(6) ? "; CYCLE: it wraps around to reuse old values" : ""});
        // What binds: the column's type, the sequence's own bound, or both.
        const bool column_narrow = fed_column && row.text(13) != "int8";
        const bool sequence_binds = usage.limit == (ascending ? state.max_value : state.min_value);
        const bool sequence_narrow = seq_type != "bigint";
        String advice(&c.resource);
        if (column_narrow)
            advice = c.text({"ALTER TABLE ", table, " ALTER COLUMN ", column,
                             " TYPE bigint; -- rewrites the table under an ACCESS EXCLUSIVE lock",
                             identity ? " (the identity's sequence follows)" : ""});
        if (sequence_binds && !(identity && column_narrow)) {
            const std::string_view sep = advice.empty() ? "" : " ";
            if (identity)
                advice.append(c.text({sep, "ALTER TABLE ", table, " ALTER COLUMN ", column, " SET NO ",
                                      ascending ? "MAXVALUE;" : "MINVALUE;"}));
            else if (sequence_narrow)
                advice.append(c.text({sep, "ALTER SEQUENCE ", name, " AS bigint;"}));
            else
                advice.append(c.text({sep, "ALTER SEQUENCE ", name, ascending ? " NO MAXVALUE;" : " NO MINVALUE;"}));
        }
        c.add(severity, fed_column ? c.text({name, " (", table, ".", column, ")"}) : String(name, &c.resource),
              c.text({percent_text(usage.used_fraction, c.resource), " used"}), threshold, detail, advice);
    }
    if (unreadable > 0)
        c.add(Severity::info, "", c.text({count_text(unreadable, c.resource), " sequences"}), "",
              "not judged: this role has neither SELECT nor USAGE on them", "");
}

}  // namespace hastecrm_perf::health
