#include "stats/plan_capture.hpp"

#include <algorithm>
#include <cstdint>

#include "core/plan_text.hpp"
#include "pg/call.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "settings.hpp"
#include "stats/plan_table.hpp"

extern "C" {
#include "access/parallel.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "executor/instrument.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::stats {
namespace {

ExecutorStart_hook_type previous_start = nullptr;
ExecutorEnd_hook_type previous_end = nullptr;

// At most this many EXPLAIN texts a second, server-wide.
constexpr int explains_per_second = 10;
// Instrument one run in this many of a statement known to be slow.
constexpr unsigned analyze_one_in = 10;

// The statements of this database that have plans: refreshed from the table
// when its generation moves, so the check below the threshold is a load and a
// binary search in backend memory.
struct KnownStatements {
    std::uint64_t* queryids;
    int count;
    std::uint64_t generation;
    bool loaded;
} known{};
unsigned runs_since_instrumented = 0;

double threshold_ms() {
    const double ms = settings::plan_capture_ms;
    return ms == -1.0 ? settings::slow_query_ms : ms;
}

bool capturing() { return settings::plan_capture_ms != -2.0 && PlanTable::available() && !IsParallelWorker(); }

// Statements run by functions (through SPI) are captured only when they are
// timed anyway (track_nested): capture adds no timer of its own to them.
bool captured_level(const QueryDesc* query) {
    return settings::track_nested || query->dest == nullptr || query->dest->mydest != DestSPI;
}

bool known_statement(std::uint64_t queryid) {
    const std::uint64_t generation = PlanTable::generation();
    if (!known.loaded || known.generation != generation) {
        if (!known.queryids)
            known.queryids = static_cast<std::uint64_t*>(
                MemoryContextAlloc(TopMemoryContext, sizeof(std::uint64_t) * PlanTable::capacity()));
        known.count = PlanTable::queryids(MyDatabaseId, known.queryids);
        known.generation = generation;
        known.loaded = true;
    }
    return std::binary_search(known.queryids, known.queryids + known.count, queryid);
}

void fold_plans(List* plans, List* rtable, std::uint64_t* hash);

// The shape of a plan: node types, the relations and indexes they read, join
// and aggregation strategies -- never a constant.
void fold_plan(Plan* plan, List* rtable, std::uint64_t* hash) {
    if (!plan) {
        *hash = fold_shape(*hash, 0);
        return;
    }
    *hash = fold_shape(*hash, static_cast<std::uint64_t>(nodeTag(plan)));
    switch (nodeTag(plan)) {
        case T_SeqScan: case T_SampleScan: case T_IndexScan: case T_IndexOnlyScan:
        case T_BitmapHeapScan: case T_TidScan: case T_TidRangeScan: case T_ForeignScan: {
            const Index relid = reinterpret_cast<Scan*>(plan)->scanrelid;
            if (relid > 0 && relid <= static_cast<Index>(list_length(rtable)))
                *hash = fold_shape(*hash, rt_fetch(relid, rtable)->relid);
            break;
        }
        default: break;
    }
    switch (nodeTag(plan)) {
        case T_IndexScan: *hash = fold_shape(*hash, reinterpret_cast<IndexScan*>(plan)->indexid); break;
        case T_IndexOnlyScan: *hash = fold_shape(*hash, reinterpret_cast<IndexOnlyScan*>(plan)->indexid); break;
        case T_BitmapIndexScan: *hash = fold_shape(*hash, reinterpret_cast<BitmapIndexScan*>(plan)->indexid); break;
        case T_NestLoop: case T_MergeJoin: case T_HashJoin:
            *hash = fold_shape(*hash, static_cast<std::uint64_t>(reinterpret_cast<Join*>(plan)->jointype));
            break;
        case T_Agg: *hash = fold_shape(*hash, static_cast<std::uint64_t>(reinterpret_cast<Agg*>(plan)->aggstrategy)); break;
        case T_Append: fold_plans(reinterpret_cast<Append*>(plan)->appendplans, rtable, hash); break;
        case T_MergeAppend: fold_plans(reinterpret_cast<MergeAppend*>(plan)->mergeplans, rtable, hash); break;
        case T_BitmapAnd: fold_plans(reinterpret_cast<BitmapAnd*>(plan)->bitmapplans, rtable, hash); break;
        case T_BitmapOr: fold_plans(reinterpret_cast<BitmapOr*>(plan)->bitmapplans, rtable, hash); break;
        case T_SubqueryScan: fold_plan(reinterpret_cast<SubqueryScan*>(plan)->subplan, rtable, hash); break;
        case T_CustomScan: fold_plans(reinterpret_cast<CustomScan*>(plan)->custom_plans, rtable, hash); break;
        default: break;
    }
    fold_plan(plan->lefttree, rtable, hash);
    fold_plan(plan->righttree, rtable, hash);
}

void fold_plans(List* plans, List* rtable, std::uint64_t* hash) {
    ListCell* cell;
    foreach (cell, plans)
        fold_plan(static_cast<Plan*>(lfirst(cell)), rtable, hash);
}

std::uint64_t plan_shape(const QueryDesc* query) {
    std::uint64_t hash = 0x5A17;
    fold_plan(query->plannedstmt->planTree, query->plannedstmt->rtable, &hash);
    fold_plans(query->plannedstmt->subplans, query->plannedstmt->rtable, &hash);
    return hash;
}

PlanKey key_of(const QueryDesc* query) {
    return PlanKey{GetUserId(), MyDatabaseId, query->plannedstmt->queryId, plan_shape(query)};
}

// EXPLAIN of the run that ends, as auto_explain does it; palloc'd.
const char* explain_text(QueryDesc* query, bool analyzed) {
    ExplainState* es = NewExplainState();
    es->analyze = analyzed;
    es->buffers = analyzed && (query->instrument_options & INSTRUMENT_BUFFERS) != 0;
    es->timing = analyzed;
    es->summary = analyzed;
    es->costs = true;
    es->format = EXPLAIN_FORMAT_TEXT;
    ExplainBeginOutput(es);
    ExplainPrintPlan(es, query);
    ExplainEndOutput(es);
    if (es->str->len > 0 && es->str->data[es->str->len - 1] == '\n')
        es->str->data[--es->str->len] = '\0';
    return es->str->data;
}

// Keeps this run's plan: a new entry, or a better sample for the entry.
void keep_run(QueryDesc* query, std::uint64_t micros) {
    pg::guard([&] {
        const PlanKey key = key_of(query);
        const TimestampTz now = GetCurrentTimestamp();
        const bool analyzed = (query->instrument_options & INSTRUMENT_TIMER) != 0;
        if (!PlanTable::wants_text(key, micros, now, analyzed) || !PlanTable::may_explain(now, explains_per_second)) {
            if (!PlanTable::record(key, micros, now))
                PlanTable::keep(key, micros, now, {}, false);  // its text comes with a later run
            return 0;
        }
        // The executor's own context: freed with the query right after.
        MemoryContext previous = MemoryContextSwitchTo(query->estate->es_query_cxt);
        auto resource = pg::ContextResource::current();
        MemoryContextSwitchTo(previous);
        const char* text = pg::call([query, analyzed] {
            MemoryContext saved = MemoryContextSwitchTo(query->estate->es_query_cxt);
            const char* explained = explain_text(query, analyzed);
            MemoryContextSwitchTo(saved);
            return explained;
        });
        const String masked = mask_plan_literals(text, resource);
        PlanTable::keep(key, micros, now, masked, analyzed);
        return 0;
    });
}

void capture_start(QueryDesc* query, int eflags) {
    const bool explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;
    const bool active = capturing() && query->plannedstmt->queryId != 0 && !explain_only && captured_level(query);
    if (active && settings::plan_capture_analyze && known_statement(query->plannedstmt->queryId) &&
        ++runs_since_instrumented >= analyze_one_in) {
        runs_since_instrumented = 0;
        query->instrument_options |= INSTRUMENT_TIMER | INSTRUMENT_BUFFERS;
    }
    if (previous_start)
        previous_start(query, eflags);
    else
        standard_ExecutorStart(query, eflags);
    if (active && query->totaltime == nullptr) {
        MemoryContext previous = MemoryContextSwitchTo(query->estate->es_query_cxt);
        query->totaltime = InstrAlloc(1, INSTRUMENT_TIMER, false);
        MemoryContextSwitchTo(previous);
    }
}

void capture_end(QueryDesc* query) {
    const std::uint64_t queryid = query->plannedstmt->queryId;
    if (capturing() && queryid != 0 && query->totaltime != nullptr && captured_level(query) &&
        (query->estate->es_top_eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0) {
        InstrEndLoop(query->totaltime);
        const auto micros = static_cast<std::uint64_t>(query->totaltime->total * 1e6);
        // A statement slow once keeps counting its runs by plan, and a new
        // shape of it gets its row even when it is fast (a new index).
        if (static_cast<double>(micros) >= threshold_ms() * 1000.0)
            keep_run(query, micros);
        else if (known_statement(queryid) && !PlanTable::record(key_of(query), micros, GetCurrentTimestamp()))
            keep_run(query, micros);
    }
    if (previous_end)
        previous_end(query);
    else
        standard_ExecutorEnd(query);
}

}  // namespace

void request_plan_memory() {
    RequestAddinShmemSpace(PlanTable::shared_size(PlanTable::capacity_for(settings::max_queries)));
    RequestNamedLWLockTranche("hastecrm_perf plans", 1);
}

void attach_plan_memory() { PlanTable::attach(PlanTable::capacity_for(settings::max_queries)); }

void install_plan_capture() {
    previous_start = ExecutorStart_hook;
    ExecutorStart_hook = capture_start;
    previous_end = ExecutorEnd_hook;
    ExecutorEnd_hook = capture_end;
}

}  // namespace hastecrm_perf::stats
