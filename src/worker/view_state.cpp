#include "worker/view_state.hpp"

#include <algorithm>

#include "core/change_signature.hpp"
#include "pg/call.hpp"
#include "worker/shared_state.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "rewrite/prs2lock.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

// Filled inside one pg::call: plain data, palloc'd.
struct RawState {
    bool populated;
    bool has_unique_index;
    bool judgeable;
    int count;
    int capacity;
    TableCounters* tables;
    List* expanded;  // views whose query was read already: each is read once
};

void add_counters(RawState* state, Oid relid, Oid storage) {
    if (state->count == state->capacity) {
        state->capacity = state->capacity == 0 ? 16 : state->capacity * 2;
        state->tables = static_cast<TableCounters*>(
            state->tables ? repalloc(state->tables, sizeof(TableCounters) * state->capacity)
                          : palloc(sizeof(TableCounters) * state->capacity));
    }
    TableCounters& table = state->tables[state->count++];
    table = TableCounters{relid, storage, 0, 0, 0};
    if (const PgStat_StatTabEntry* shared = pgstat_fetch_stat_tabentry(relid)) {
        table.inserted = shared->tuples_inserted;
        table.updated = shared->tuples_updated;
        table.deleted = shared->tuples_deleted;
    }
    // This backend's own changes not yet reported: an earlier job of this
    // cycle may have refreshed a base view.
    if (const PgStat_TableStatus* pending = find_tabstat_entry(relid)) {
        table.inserted += pending->t_counts.t_tuples_inserted;
        table.updated += pending->t_counts.t_tuples_updated;
        table.deleted += pending->t_counts.t_tuples_deleted;
        for (const PgStat_TableXactStatus* level = pending->trans; level; level = level->upper) {
            table.inserted += level->tuples_inserted;
            table.updated += level->tuples_updated;
            table.deleted += level->tuples_deleted;
        }
    }
}

bool collect_relations(Node* node, void* context);

// PostgreSQL 15 declares walkers unprototyped, bool (*)(); void (*)() is the
// pointer type a function may pass through without a warning.
auto as_walker(bool (*walker)(Node*, void*)) {
    return reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(walker));
}

bool collect_relations(Node* node, void* context) {
    if (node == nullptr)
        return false;
    if (IsA(node, Query))
        return query_tree_walker(reinterpret_cast<Query*>(node),
                                 as_walker(collect_relations), context,
                                 QTW_EXAMINE_RTES_BEFORE);
    if (IsA(node, RangeTblEntry)) {
        const auto* entry = reinterpret_cast<RangeTblEntry*>(node);
        if (entry->rtekind == RTE_RELATION) {
            auto** relids = static_cast<List**>(context);
            *relids = list_append_unique_oid(*relids, entry->relid);
        }
        return false;
    }
    return expression_tree_walker(node, as_walker(collect_relations), context);
}

void add_relation(RawState* state, Oid relid, int depth);

// The stored query of a view or of the materialized view itself. Views get a
// share lock while their rules are read, as the planner would take; base
// tables get none (their counters need none).
void add_query_of(RawState* state, Oid relid, int depth) {
    // Views shared by several paths are read once; a loop of views (possible
    // with CREATE OR REPLACE VIEW) ends here too.
    if (list_member_oid(state->expanded, relid))
        return;
    state->expanded = lappend_oid(state->expanded, relid);
    Relation rel = relation_open(relid, AccessShareLock);
    List* relids = NIL;
    for (int i = 0; rel->rd_rules != nullptr && i < rel->rd_rules->numLocks; ++i) {
        const RewriteRule* rule = rel->rd_rules->rules[i];
        if (rule->event != CMD_SELECT || rule->actions == NIL)
            continue;
        Node* query = static_cast<Node*>(linitial(rule->actions));
        if (contain_mutable_functions(query))
            state->judgeable = false;
        collect_relations(query, &relids);
    }
    relation_close(rel, NoLock);
    for (int i = 0; i < list_length(relids); ++i) {
        // PostgreSQL 15 keeps OLD and NEW entries for the view itself.
        const Oid found = list_nth_oid(relids, i);
        if (found != relid)
            add_relation(state, found, depth + 1);
    }
}

// Partitions and inheritance children, all levels at once; the ones that
// have members of their own add only their own counters.
void add_members(RawState* state, Oid relid, int depth) {
    List* members = find_all_inheritors(relid, NoLock, nullptr);
    for (int i = 0; i < list_length(members); ++i) {
        const Oid member = list_nth_oid(members, i);
        if (member == relid)
            continue;
        const char kind = get_rel_relkind(member);
        if (kind == RELKIND_PARTITIONED_TABLE)
            continue;
        if (kind == RELKIND_RELATION || kind == RELKIND_MATVIEW) {
            HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(member));
            if (!HeapTupleIsValid(tuple))
                continue;  // dropped meanwhile
            const auto* form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
            const Oid storage = form->relfilenode;
            if (form->relrowsecurity)
                state->judgeable = false;
            ReleaseSysCache(tuple);
            add_counters(state, member, storage);
        } else {
            add_relation(state, member, depth + 1);  // foreign: not judgeable
        }
    }
}

void add_relation(RawState* state, Oid relid, int depth) {
    CHECK_FOR_INTERRUPTS();  // a vast web of views must not hold up a cancel
    if (depth > 64) {  // views of views that deep: give up judging
        state->judgeable = false;
        return;
    }
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) {
        state->judgeable = false;
        return;
    }
    const auto* form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
    const char kind = form->relkind;
    const Oid storage = form->relfilenode;
    const bool has_subclass = form->relhassubclass;
    // Row security: what a policy reads is not in the view's query.
    if (form->relrowsecurity)
        state->judgeable = false;
    ReleaseSysCache(tuple);
    switch (kind) {
        case RELKIND_RELATION:
        case RELKIND_MATVIEW:
            add_counters(state, relid, storage);
            // Inheritance children: the view may read them through the parent.
            if (has_subclass)
                add_members(state, relid, depth);
            break;
        case RELKIND_VIEW:
            add_query_of(state, relid, depth);
            break;
        case RELKIND_PARTITIONED_TABLE:
            add_members(state, relid, depth);
            break;
        default:  // foreign tables and the like: no counters to trust
            state->judgeable = false;
    }
}

bool usable_unique_index(Oid index) {
    HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(tuple))
        return false;
    const auto* form = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
    const bool usable = form->indisunique && form->indisvalid &&
                        heap_attisnull(tuple, Anum_pg_index_indexprs, nullptr) &&
                        heap_attisnull(tuple, Anum_pg_index_indpred, nullptr);
    ReleaseSysCache(tuple);
    return usable;
}

RawState read_raw(Oid view) {
    RawState state{};
    state.judgeable = pgstat_track_counts;
    Relation rel = relation_open(view, AccessShareLock);
    state.populated = RelationIsPopulated(rel);
    List* indexes = RelationGetIndexList(rel);
    relation_close(rel, NoLock);
    for (int i = 0; i < list_length(indexes); ++i)
        state.has_unique_index = state.has_unique_index || usable_unique_index(list_nth_oid(indexes, i));
    add_query_of(&state, view, 0);
    return state;
}

}  // namespace

ViewState read_view_state(Oid view, Resource& resource) {
    const RawState raw = pg::call([view] { return read_raw(view); });
    const CounterEpoch epoch = pg::call([] {
        const PgStat_StatDBEntry* database = pgstat_fetch_stat_dbentry(MyDatabaseId);
        // A crash restart keeps the postmaster's start time but not the
        // counters: shared memory's own birth tells it.
        return CounterEpoch{std::max(PgStartTime, shared_memory_epoch()),
                            database ? database->stat_reset_timestamp : 0};
    });
    ViewState state(resource);
    state.populated = raw.populated;
    state.has_unique_index = raw.has_unique_index;
    state.judgeable = raw.judgeable;
    Vector<TableCounters> tables(&resource);
    tables.assign(raw.tables, raw.tables + raw.count);
    state.signature = change_signature(tables, epoch, resource);
    return state;
}

}  // namespace hastecrm_perf::worker
