// hastecrm_perf.index_advice(): for the slow statements of this database, the
// B-tree indexes that would serve them, each validated by planning the
// statement again with the index present hypothetically (SPEC §12).
#include <algorithm>
#include <array>
#include <optional>

#include "advice/hypothetical_index.hpp"
#include "advice/statement_use.hpp"
#include "core/index_candidate.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/identifiers.hpp"
#include "pg/isolation.hpp"
#include "pg/local_settings.hpp"
#include "pg/memory.hpp"
#include "pg/run_as.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::advice {
namespace {

// A suggestion is kept only when the planner's cost falls at least this much.
constexpr double required_cost_fall = 0.30;
constexpr int statements_examined = 200;

struct SlowStatement {
    explicit SlowStatement(Resource& resource) : text(&resource) {}
    Oid userid = InvalidOid;
    String text;
    std::int64_t calls = 0;
    double time_ms = 0;
};

struct Suggestion {
    Suggestion(Oid relid, Resource& resource) : relid(relid), candidate(resource) {}
    Oid relid;
    Candidate candidate;
    double entry_bytes = 0;
    int queries = 0;
    std::int64_t calls = 0;
    double time_ms = 0;
    double cost_before = 0;
    double cost_after = 0;
};

void slow_statements(Vector<SlowStatement>& out, Resource& resource) {
    pg::Spi spi;
    const std::uint64_t rows = spi.execute(
        "SELECT userid, query, sum(calls)::int8, sum(total_ms) FROM hastecrm_perf.query_latency "
        "WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
        "  AND mean_ms >= pg_catalog.current_setting('hastecrm_perf.slow_query_ms')::float8 "
        "  AND query <> '<insufficient privilege>' "
        "GROUP BY userid, query ORDER BY sum(total_ms) DESC LIMIT $1",
        {pg::SqlParam{INT4OID, Int32GetDatum(statements_examined)}});
    out.reserve(rows);
    for (std::uint64_t row = 0; row < rows; ++row) {
        SlowStatement& statement = out.emplace_back(resource);
        bool is_null;
        statement.userid = DatumGetObjectId(spi.value(row, 1, &is_null));
        if (auto text = spi.text(row, 2, resource))
            statement.text = *text;
        statement.calls = DatumGetInt64(spi.value(row, 3, &is_null));
        statement.time_ms = DatumGetFloat8(spi.value(row, 4, &is_null));
    }
}

// The indexes of a table as plain data, read inside pg::call.
struct IndexRow {
    bool btree;
    bool usable;
    int keys;
    int columns;
    AttrNumber attnums[INDEX_MAX_KEYS];
    bool descending[INDEX_MAX_KEYS];
    bool nulls_first[INDEX_MAX_KEYS];
};
struct IndexRows {
    IndexRow* rows;
    int count;
};

IndexRows read_indexes(Oid relid) {
    Relation table = table_open(relid, AccessShareLock);
    List* list = RelationGetIndexList(table);
    table_close(table, AccessShareLock);
    IndexRows out{static_cast<IndexRow*>(palloc0(sizeof(IndexRow) * (list_length(list) + 1))), 0};
    ListCell* cell;
    foreach (cell, list) {
        const Oid index_oid = lfirst_oid(cell);
        HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
        if (!HeapTupleIsValid(tuple))
            continue;
        auto* form = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
        IndexRow& row = out.rows[out.count++];
        row.usable = form->indisvalid && form->indisready && form->indislive &&
                     heap_attisnull(tuple, Anum_pg_index_indpred, nullptr);
        row.keys = form->indnkeyatts;
        row.columns = std::min<int>(form->indnatts, INDEX_MAX_KEYS);
        bool is_null;
        Datum options = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indoption, &is_null);
        auto* option = reinterpret_cast<int2vector*>(DatumGetPointer(options));
        for (int i = 0; i < row.columns; ++i) {
            row.attnums[i] = form->indkey.values[i];
            const int16 flags = (!is_null && i < row.keys) ? option->values[i] : 0;
            row.descending[i] = (flags & INDOPTION_DESC) != 0;
            row.nulls_first[i] = (flags & INDOPTION_NULLS_FIRST) != 0;
        }
        ReleaseSysCache(tuple);
        HeapTuple rel = SearchSysCache1(RELOID, ObjectIdGetDatum(index_oid));
        row.btree = HeapTupleIsValid(rel) && reinterpret_cast<Form_pg_class>(GETSTRUCT(rel))->relam == BTREE_AM_OID;
        if (HeapTupleIsValid(rel))
            ReleaseSysCache(rel);
    }
    return out;
}

Vector<ExistingIndex> existing_indexes(Oid relid, Resource& resource) {
    const IndexRows rows = pg::call([relid] { return read_indexes(relid); });
    Vector<ExistingIndex> out(&resource);
    out.reserve(static_cast<std::size_t>(rows.count));
    for (int i = 0; i < rows.count; ++i) {
        const IndexRow& row = rows.rows[i];
        ExistingIndex& index = out.emplace_back(resource);
        index.btree = row.btree;
        index.usable = row.usable;
        for (int c = 0; c < row.columns; ++c) {
            if (c < row.keys)
                index.keys.push_back(SortKey{row.attnums[c], row.descending[c], row.nulls_first[c]});
            else
                index.include.push_back(row.attnums[c]);
        }
    }
    return out;
}

bool served_already(const Vector<ExistingIndex>& indexes, const Candidate& candidate) {
    return std::any_of(indexes.begin(), indexes.end(),
                       [&](const ExistingIndex& index) { return serves(index, candidate); });
}

int width_of(const TableUse& use, int attnum) {
    for (const auto* list : {&use.equality, &use.range, &use.read})
        for (const ColumnUse& c : *list)
            if (c.attnum == attnum)
                return c.width;
    return 8;
}

double entry_bytes_of(const TableUse& use, const Candidate& candidate) {
    double bytes = 0;
    for (const SortKey& key : candidate.keys)
        bytes += width_of(use, key.attnum);
    for (int attnum : candidate.include)
        bytes += width_of(use, attnum);
    return bytes;
}

// Adds one statement's validated index to the list: an index that is a
// prefix of another folds into it, so one CREATE INDEX serves both.
void keep(Vector<Suggestion>& suggestions, Suggestion&& found) {
    for (Suggestion& s : suggestions) {
        if (s.relid != found.relid)
            continue;
        const bool found_wider = absorbs(found.candidate, s.candidate);
        if (found_wider || absorbs(s.candidate, found.candidate)) {
            if (found_wider && !absorbs(s.candidate, found.candidate)) {
                s.candidate.keys = found.candidate.keys;
                s.candidate.include = found.candidate.include;
                s.candidate.equality_keys = found.candidate.equality_keys;
                s.candidate.ordered = found.candidate.ordered;
                s.entry_bytes = found.entry_bytes;
            }
            s.queries += found.queries;
            s.calls += found.calls;
            s.time_ms += found.time_ms;
            s.cost_before += found.cost_before;
            s.cost_after += found.cost_after;
            return;
        }
    }
    suggestions.push_back(std::move(found));
}

// The best validated index for each table one statement reads.
void advise_statement(const SlowStatement& statement, Vector<Suggestion>& suggestions, Resource& resource) {
    AnalyzedStatement analyzed(resource);
    analyze_statement(statement.text.c_str(), analyzed);
    std::optional<PlanOutcome> before;
    for (const TableStatementUse& table : analyzed.tables) {
        const Vector<Candidate> candidates = index_candidates(table.use, resource);
        if (candidates.empty())
            continue;
        const Vector<ExistingIndex> indexes = existing_indexes(table.relid, resource);
        if (!before)
            before = plan_as_is(analyzed.query, analyzed.text.c_str());
        const Candidate* best = nullptr;
        PlanOutcome best_outcome{};
        double best_entry = 0;
        for (const Candidate& candidate : candidates) {
            if (served_already(indexes, candidate))
                break;  // what serves the plain candidate serves the question
            const double entry = entry_bytes_of(table.use, candidate);
            const PlanOutcome outcome = plan_with(analyzed.query, analyzed.text.c_str(), table.relid, candidate, entry);
            const bool pays = outcome.uses_index && outcome.cost <= (1.0 - required_cost_fall) * before->cost;
            const bool covering = !candidate.include.empty();
            if (!pays || (covering && !outcome.index_only) || (best && outcome.cost >= best_outcome.cost))
                continue;
            best = &candidate;
            best_outcome = outcome;
            best_entry = entry;
        }
        if (!best)
            continue;
        Suggestion found(table.relid, resource);
        found.candidate.keys = best->keys;
        found.candidate.include = best->include;
        found.candidate.equality_keys = best->equality_keys;
        found.candidate.ordered = best->ordered;
        found.entry_bytes = best_entry;
        found.queries = 1;
        found.calls = statement.calls;
        found.time_ms = statement.time_ms;
        found.cost_before = before->cost;
        found.cost_after = best_outcome.cost;
        keep(suggestions, std::move(found));
    }
}

String index_ddl(const Suggestion& s, Resource& resource) {
    const Oid relid = s.relid;
    String ddl = concat(resource, {"CREATE INDEX CONCURRENTLY ON ", pg::qualified_relation_name(relid, resource),
                                   " USING btree ("});
    auto column_name = [&](int attnum) {
        const char* name = pg::call([relid, attnum] { return get_attname(relid, attnum, false); });
        return pg::quoted_identifier(name, resource);
    };
    bool first = true;
    for (const SortKey& key : s.candidate.keys) {
        ddl.append(first ? "" : ", ");
        ddl.append(column_name(key.attnum));
        if (key.descending)
            ddl.append(key.nulls_first ? " DESC" : " DESC NULLS LAST");
        else if (key.nulls_first)
            ddl.append(" NULLS FIRST");
        first = false;
    }
    ddl.append(")");
    if (!s.candidate.include.empty()) {
        ddl.append(" INCLUDE (");
        first = true;
        for (int attnum : s.candidate.include) {
            ddl.append(first ? "" : ", ");
            ddl.append(column_name(attnum));
            first = false;
        }
        ddl.append(")");
    }
    return ddl;
}

struct WriteRates {
    double inserts, updates, hot_updates, deletes, seconds, rows;
};

WriteRates write_rates(Oid relid) {
    return pg::call([relid] {
        WriteRates rates{0, 0, 0, 0, 1, 0};
        if (PgStat_StatTabEntry* entry = pgstat_fetch_stat_tabentry(relid)) {
            rates.inserts = static_cast<double>(entry->tuples_inserted);
            rates.updates = static_cast<double>(entry->tuples_updated);
            rates.hot_updates = static_cast<double>(entry->tuples_hot_updated);
            rates.deletes = static_cast<double>(entry->tuples_deleted);
            rates.rows = static_cast<double>(entry->n_live_tuples);
        }
        TimestampTz since = PgStartTime;
        if (PgStat_StatDBEntry* db = pgstat_fetch_stat_dbentry(MyDatabaseId); db && db->stat_reset_timestamp != 0)
            since = db->stat_reset_timestamp;
        rates.seconds = static_cast<double>(GetCurrentTimestamp() - since) / USECS_PER_SEC;
        return rates;
    });
}

}  // namespace
}  // namespace hastecrm_perf::advice

namespace hp = hastecrm_perf;
namespace adv = hastecrm_perf::advice;

HASTECRM_PERF_FUNCTION(index_advice) {
    return hp::pg::guard([&]() -> Datum {
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        hp::Vector<adv::SlowStatement> statements(&resource);
        adv::slow_statements(statements, resource);

        // Names resolve as they did for the session that ran the statement
        // (the default search_path), not under this function's pinned one.
        const char* search_path = hp::pg::call([] { return pstrdup(GetConfigOptionResetString("search_path")); });
        hp::Vector<adv::Suggestion> suggestions(&resource);
        for (const adv::SlowStatement& statement : statements) {
            // Each statement is analyzed and planned as its own role, in a
            // subtransaction: a text that no longer analyzes (a dropped
            // table) is passed over, and whatever the planner evaluates
            // runs with that role's rights, restricted, its settings undone.
            auto failure = hp::pg::run_isolated(hp::pg::Isolation::subtransaction, resource, [&] {
                hp::pg::RunAs role(statement.userid, true);
                hp::pg::LocalSettings settings;
                settings.set("search_path", search_path);
                adv::advise_statement(statement, suggestions, resource);
            });
            if (failure && failure->canceled)
                throw hp::pg::Error(failure->sqlstate, std::string(failure->message.c_str()));
        }
        std::sort(suggestions.begin(), suggestions.end(),
                  [](const adv::Suggestion& a, const adv::Suggestion& b) { return a.time_ms > b.time_ms; });

        enum { relid, index_ddl, queries, calls, time_ms, cost_before, cost_after, est_size_bytes,
               write_penalty, column_count };
        std::array<Datum, column_count> values{};
        std::array<bool, column_count> nulls{};
        for (const adv::Suggestion& s : suggestions) {
            const adv::WriteRates rates = adv::write_rates(s.relid);
            values[relid] = ObjectIdGetDatum(s.relid);
            values[index_ddl] = hp::pg::text_datum(adv::index_ddl(s, resource));
            values[queries] = Int32GetDatum(s.queries);
            values[calls] = Int64GetDatum(s.calls);
            values[time_ms] = Float8GetDatum(s.time_ms);
            values[cost_before] = Float8GetDatum(s.cost_before);
            values[cost_after] = Float8GetDatum(s.cost_after);
            values[est_size_bytes] = Int64GetDatum(static_cast<int64>(
                hp::btree_size_bytes(std::max(rates.rows, 0.0), s.entry_bytes)));
            values[write_penalty] = hp::pg::text_datum(hp::write_penalty(
                rates.inserts, rates.updates, rates.hot_updates, rates.deletes, rates.seconds,
                s.entry_bytes, resource));
            result.put(values, nulls);
        }
        return Datum(0);
    });
}
