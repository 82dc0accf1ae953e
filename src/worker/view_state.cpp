#include "worker/view_state.hpp"

#include <algorithm>

#include "core/change_signature.hpp"
#include "core/refresh_judgement.hpp"
#include "pg/call.hpp"
#include "worker/shared_state.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "pgstat.h"
#include "rewrite/prs2lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
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
    const char* unjudgeable_because;  // the first reason found
    bool reads_settings;  // a judgeable function reads settings (date_trunc, ...)
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

void not_judgeable(RawState* state, const char* why) {
    if (state->judgeable)
        state->unjudgeable_because = why;
    state->judgeable = false;
}

void not_judgeable(RawState* state, const char* what, Oid relid) {
    const char* name = get_rel_name(relid);
    not_judgeable(state, psprintf("%s %s", what, name ? quote_identifier(name) : "(dropped)"));
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

// Whether `function` lets the view be judged (core/refresh_judgement); the
// first one that does not is named in the state.
bool judge_call(Oid function, void* context);

bool judge_output_of(Oid type, RawState* state) {
    Oid output = InvalidOid;
    bool varlena = false;
    getTypeOutputInfo(type, &output, &varlena);
    return judge_call(output, state);
}

Judgement judgement_of(Oid function, const char** name) {
    HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(function));
    if (!HeapTupleIsValid(tuple)) {
        *name = "(dropped)";
        return Judgement{FunctionVerdict::unjudgeable, "is gone"};
    }
    const auto* form = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
    *name = pstrdup(NameStr(form->proname));
    const FunctionVolatility volatility =
        form->provolatile == PROVOLATILE_IMMUTABLE ? FunctionVolatility::immutable
        : form->provolatile == PROVOLATILE_STABLE  ? FunctionVolatility::stable
                                                   : FunctionVolatility::volatile_function;
    // Built-ins are the functions initdb made; extensions' come later.
    const FunctionFacts facts{*name, function < FirstNormalObjectId, volatility, form->pronargs};
    ReleaseSysCache(tuple);
    return judge_function(facts);
}

bool judge_call(Oid function, void* context) {
    auto* state = static_cast<RawState*>(context);
    const char* name = nullptr;
    const Judgement judgement = judgement_of(function, &name);
    if (judgement.verdict == FunctionVerdict::reads_settings ||
        judgement.verdict == FunctionVerdict::formats_arguments)
        state->reads_settings = true;
    if (judgement.verdict != FunctionVerdict::unjudgeable)
        return false;
    not_judgeable(state, psprintf("%s() %.*s", quote_identifier(name),
                                  static_cast<int>(judgement.why.size()), judgement.why.data()));
    return true;
}

const char* sql_value_keyword(SQLValueFunctionOp op) {
    switch (op) {
        case SVFOP_CURRENT_DATE: return "CURRENT_DATE";
        case SVFOP_CURRENT_TIME:
        case SVFOP_CURRENT_TIME_N: return "CURRENT_TIME";
        case SVFOP_CURRENT_TIMESTAMP:
        case SVFOP_CURRENT_TIMESTAMP_N: return "CURRENT_TIMESTAMP";
        case SVFOP_LOCALTIME:
        case SVFOP_LOCALTIME_N: return "LOCALTIME";
        case SVFOP_LOCALTIMESTAMP:
        case SVFOP_LOCALTIMESTAMP_N: return "LOCALTIMESTAMP";
        case SVFOP_CURRENT_ROLE: return "CURRENT_ROLE";
        case SVFOP_CURRENT_USER: return "CURRENT_USER";
        case SVFOP_USER: return "USER";
        case SVFOP_SESSION_USER: return "SESSION_USER";
        case SVFOP_CURRENT_CATALOG: return "CURRENT_CATALOG";
        case SVFOP_CURRENT_SCHEMA: return "CURRENT_SCHEMA";
    }
    return "CURRENT_USER";
}

// A call that formats its arguments (concat, json_agg, ...) also runs the
// output function of each argument's type.
bool judge_formatted_arguments(Oid function, List* arguments, RawState* state) {
    const char* name = nullptr;
    if (judgement_of(function, &name).verdict != FunctionVerdict::formats_arguments)
        return false;
    ListCell* cell;
    foreach (cell, arguments) {
        Node* argument = static_cast<Node*>(lfirst(cell));
        if (IsA(argument, TargetEntry))
            argument = reinterpret_cast<Node*>(reinterpret_cast<TargetEntry*>(argument)->expr);
        if (judge_output_of(exprType(argument), state))
            return true;
    }
    return false;
}

bool judge_functions(Node* node, void* context) {
    if (node == nullptr)
        return false;
    auto* state = static_cast<RawState*>(context);
    if (IsA(node, Query))
        return query_tree_walker(reinterpret_cast<Query*>(node), as_walker(judge_functions),
                                 context, 0);
    if (IsA(node, SQLValueFunction)) {
        const char* keyword = sql_value_keyword(reinterpret_cast<SQLValueFunction*>(node)->op);
        const Judgement judgement = judge_keyword(keyword);
        not_judgeable(state, psprintf("%s %.*s", keyword, static_cast<int>(judgement.why.size()),
                                      judgement.why.data()));
        return true;
    }
    if (IsA(node, NextValueExpr)) {
        not_judgeable(state, "nextval() is volatile");
        return true;
    }
    if (check_functions_in_node(node, judge_call, context))
        return true;
    if (IsA(node, FuncExpr)) {
        const auto* call = reinterpret_cast<FuncExpr*>(node);
        if (judge_formatted_arguments(call->funcid, call->args, state))
            return true;
    } else if (IsA(node, Aggref)) {
        const auto* call = reinterpret_cast<Aggref*>(node);
        if (judge_formatted_arguments(call->aggfnoid, call->args, state))
            return true;
    }
    return expression_tree_walker(node, as_walker(judge_functions), context);
}

void add_relation(RawState* state, Oid relid, int depth);

// The stored query of a view or of the materialized view itself (which the
// caller has locked: `lock` NoLock). Views get a share lock while their rules
// are read, as the planner would take; base tables get none (their counters
// need none).
void add_query_of(RawState* state, Oid relid, int depth, LOCKMODE lock = AccessShareLock) {
    // Views shared by several paths are read once; a loop of views (possible
    // with CREATE OR REPLACE VIEW) ends here too.
    if (list_member_oid(state->expanded, relid))
        return;
    state->expanded = lappend_oid(state->expanded, relid);
    Relation rel = relation_open(relid, lock);
    List* relids = NIL;
    for (int i = 0; rel->rd_rules != nullptr && i < rel->rd_rules->numLocks; ++i) {
        const RewriteRule* rule = rel->rd_rules->rules[i];
        if (rule->event != CMD_SELECT || rule->actions == NIL)
            continue;
        Node* query = static_cast<Node*>(linitial(rule->actions));
        if (state->judgeable)
            judge_functions(query, state);
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
            const bool row_security = form->relrowsecurity;
            ReleaseSysCache(tuple);
            if (row_security)
                not_judgeable(state, "row security is enabled on", member);
            add_counters(state, member, storage);
        } else {
            add_relation(state, member, depth + 1);  // foreign: not judgeable
        }
    }
}

void add_relation(RawState* state, Oid relid, int depth) {
    CHECK_FOR_INTERRUPTS();  // a vast web of views must not hold up a cancel
    if (depth > 64) {  // views of views that deep: give up judging
        not_judgeable(state, "its views are nested more than 64 deep");
        return;
    }
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) {
        not_judgeable(state, "a relation it reads is gone");
        return;
    }
    const auto* form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
    const char kind = form->relkind;
    const Oid storage = form->relfilenode;
    const bool has_subclass = form->relhassubclass;
    // Row security: what a policy reads is not in the view's query.
    const bool row_security = form->relrowsecurity;
    ReleaseSysCache(tuple);
    if (row_security)
        not_judgeable(state, "row security is enabled on", relid);
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
            not_judgeable(state, "it reads the foreign table", relid);
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

RawState read_raw(Oid view, bool keep_lock) {
    RawState state{};
    state.judgeable = true;
    if (!pgstat_track_counts)
        not_judgeable(&state, "track_counts is off");
    Relation rel = relation_open(view, AccessShareLock);
    state.populated = RelationIsPopulated(rel);
    List* indexes = RelationGetIndexList(rel);
    for (int i = 0; i < list_length(indexes); ++i)
        state.has_unique_index = state.has_unique_index || usable_unique_index(list_nth_oid(indexes, i));
    add_query_of(&state, view, 0, NoLock);
    relation_close(rel, keep_lock ? NoLock : AccessShareLock);
    return state;
}

}  // namespace

ViewState read_view_state(Oid view, Resource& resource, bool keep_lock) {
    const RawState raw = pg::call([view, keep_lock] { return read_raw(view, keep_lock); });
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
    if (raw.unjudgeable_because)
        state.unjudgeable_because = raw.unjudgeable_because;
    Vector<TableCounters> tables(&resource);
    tables.assign(raw.tables, raw.tables + raw.count);
    // The values the refresh will see: this session's. Only where a function
    // reads them: a view without one keeps its signature when they change.
    const auto names = raw.reads_settings ? settings_in_signature()
                                          : std::span<const std::string_view>();
    Vector<String> values(&resource);
    Vector<SettingValue> settings(&resource);
    values.reserve(names.size());
    for (const std::string_view name : names) {
        const char* value = pg::call([name] {
            return GetConfigOption(name.data(), true, false);  // the names end in NUL
        });
        values.emplace_back(value ? value : "");  // the vector passes its resource on
    }
    for (std::size_t i = 0; i < names.size(); ++i)
        settings.push_back(SettingValue{names[i], values[i]});
    state.signature = change_signature(
        tables, epoch, std::span<const SettingValue>(settings.data(), settings.size()), resource);
    return state;
}

}  // namespace hastecrm_perf::worker
