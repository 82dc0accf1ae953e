#include "stats/hooks.hpp"

#include <new>
#include <string_view>

#include "core/n_plus_one.hpp"
#include "core/query_text.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "settings.hpp"
#include "stats/constant_scan.hpp"
#include "stats/latency_table.hpp"
#include "stats/n_plus_one_table.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/executor.h"
#include "executor/instrument.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/queryjumble.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::stats {

namespace {

shmem_request_hook_type previous_shmem_request = nullptr;
shmem_startup_hook_type previous_shmem_startup = nullptr;
post_parse_analyze_hook_type previous_post_parse_analyze = nullptr;
ExecutorStart_hook_type previous_executor_start = nullptr;
ExecutorRun_hook_type previous_executor_run = nullptr;
ExecutorFinish_hook_type previous_executor_finish = nullptr;
ExecutorEnd_hook_type previous_executor_end = nullptr;
ProcessUtility_hook_type previous_process_utility = nullptr;

// Backend-local state. Hooks hold no C++ object with a destructor across a
// PostgreSQL call, so an ERROR unwinding through them skips nothing.
int nesting = 0;  // executor / utility depth: 0 = a top-level statement
struct {
    QueryKey key;
    bool active;
} in_flight;      // the top-level statement running now, to count it if it fails
NPlusOneDetector* detector = nullptr;
bool callbacks_registered = false;

bool tracked(std::uint64_t queryid) {
    return queryid != 0 && settings::track_latency && (nesting == 0 || settings::track_nested);
}

QueryKey key_of(std::uint64_t queryid) {
    return QueryKey{GetUserId(), MyDatabaseId, queryid};
}

// Stores the normalized text of a statement for `key` (if it has no entry).
// Without a jumble state every literal token is replaced.
void remember_text(const QueryKey& key, const char* source, int location, int length,
                   const JumbleState* jumble) {
    pg::guard([&] {
        auto resource = pg::ContextResource::current();
        Vector<ConstantSpan> constants(&resource);
        const int highest_param = jumble != nullptr ? jumble->highest_extern_param_id : 0;
        scan_constants(source, jumble, constants);
        String text = normalize_query(source, StatementRange{location, length}, constants,
                                      highest_param, query_text_bytes, resource);
        LatencyTable::ensure(key, std::string_view(text.data(), text.size()),
                             GetCurrentStatementStartTimestamp());
    });
}

void report_suspects(std::span<const NPlusOneSuspect> suspects) {
    if (suspects.empty())
        return;
    const TimestampTz now = GetCurrentTimestamp();
    for (const NPlusOneSuspect& suspect : suspects)
        NPlusOneTable::record(GetUserId(), MyDatabaseId, suspect, now);
}

void on_transaction(XactEvent event, void*) {
    if (event == XACT_EVENT_ABORT) {
        if (in_flight.active)
            LatencyTable::record_error(in_flight.key, GetCurrentTimestamp());
        in_flight.active = false;
    }
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT)
        report_suspects(detector->end_of_transaction());
}

// A top-level statement that fails inside a savepoint aborts the
// subtransaction only. (Errors caught by PL/pgSQL happen deeper: nesting > 0.)
void on_subtransaction(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    if (event == SUBXACT_EVENT_ABORT_SUB && nesting == 0 && in_flight.active) {
        LatencyTable::record_error(in_flight.key, GetCurrentTimestamp());
        in_flight.active = false;
    }
}

void on_exit(int, Datum) {
    report_suspects(detector->close_unit());  // the last autocommit burst
}

void prepare_backend() {
    if (callbacks_registered)
        return;
    void* memory = MemoryContextAlloc(TopMemoryContext, sizeof(NPlusOneDetector));
    detector = new (memory) NPlusOneDetector(settings::n_plus_one_threshold);
    RegisterXactCallback(on_transaction, nullptr);
    RegisterSubXactCallback(on_subtransaction, nullptr);
    before_shmem_exit(on_exit, 0);
    callbacks_registered = true;
}

void statement_finished(std::uint64_t queryid, double micros) {
    prepare_backend();  // in case tracking was switched on mid-statement
    in_flight.active = false;
    detector->set_threshold(settings::n_plus_one_threshold);
    const TimestampTz now = GetCurrentTimestamp();
    report_suspects(detector->statement(queryid, micros / 1000.0, now, IsTransactionBlock()));
}

// --- hooks ---------------------------------------------------------------------

void request_shared_memory() {
    if (previous_shmem_request)
        previous_shmem_request();
    RequestAddinShmemSpace(add_size(LatencyTable::shared_size(settings::max_queries),
                                    NPlusOneTable::shared_size(
                                        NPlusOneTable::capacity_for(settings::max_queries))));
    RequestNamedLWLockTranche("hastecrm_perf", 2);
}

void startup_shared_memory() {
    if (previous_shmem_startup)
        previous_shmem_startup();
    LatencyTable::attach(settings::max_queries);
    NPlusOneTable::attach(NPlusOneTable::capacity_for(settings::max_queries));
}

void post_parse_analyze(ParseState* pstate, Query* query, JumbleState* jumble) {
    if (previous_post_parse_analyze)
        previous_post_parse_analyze(pstate, query, jumble);
    if (!LatencyTable::available() || !tracked(query->queryId))
        return;
    const QueryKey key = key_of(query->queryId);
    if (LatencyTable::contains(key))
        return;
    // Utility statements are jumbled by their text: no constants located.
    remember_text(key, pstate->p_sourcetext, query->stmt_location, query->stmt_len,
                  query->utilityStmt != nullptr ? nullptr : jumble);
}

void executor_start(QueryDesc* query, int eflags) {
    if (previous_executor_start)
        previous_executor_start(query, eflags);
    else
        standard_ExecutorStart(query, eflags);
    const std::uint64_t queryid = query->plannedstmt->queryId;
    if (!LatencyTable::available() || !tracked(queryid))
        return;
    prepare_backend();
    if (query->totaltime == nullptr) {
        // Only a timer: buffer and WAL counting would cost every statement.
        MemoryContext previous = MemoryContextSwitchTo(query->estate->es_query_cxt);
        query->totaltime = InstrAlloc(1, INSTRUMENT_TIMER, false);
        MemoryContextSwitchTo(previous);
    }
    if (nesting == 0)
        in_flight = {key_of(queryid), true};
}

void executor_run(QueryDesc* query, ScanDirection direction, uint64 count, bool execute_once) {
    ++nesting;
    PG_TRY();
    {
        if (previous_executor_run)
            previous_executor_run(query, direction, count, execute_once);
        else
            standard_ExecutorRun(query, direction, count, execute_once);
    }
    PG_FINALLY();
    {
        --nesting;
    }
    PG_END_TRY();
}

void executor_finish(QueryDesc* query) {
    ++nesting;
    PG_TRY();
    {
        if (previous_executor_finish)
            previous_executor_finish(query);
        else
            standard_ExecutorFinish(query);
    }
    PG_FINALLY();
    {
        --nesting;
    }
    PG_END_TRY();
}

void executor_end(QueryDesc* query) {
    const std::uint64_t queryid = query->plannedstmt->queryId;
    if (LatencyTable::available() && tracked(queryid) && query->totaltime != nullptr) {
        InstrEndLoop(query->totaltime);
        const double micros = query->totaltime->total * 1e6;
        const QueryKey key = key_of(queryid);
        const Execution execution{static_cast<std::uint64_t>(micros), query->estate->es_processed,
                                  GetCurrentStatementStartTimestamp()};
        if (!LatencyTable::record(key, execution)) {
            // Evicted since it was parsed: keep its text again, literals hidden.
            remember_text(key, query->sourceText, query->plannedstmt->stmt_location,
                          query->plannedstmt->stmt_len, nullptr);
            LatencyTable::record(key, execution);
        }
        if (nesting == 0)
            statement_finished(queryid, micros);
    }
    if (previous_executor_end)
        previous_executor_end(query);
    else
        standard_ExecutorEnd(query);
}

// EXECUTE runs its statement through the executor hooks; PREPARE and
// DEALLOCATE only name it. Timing them here too would count twice.
bool times_utility(const Node* statement) {
    return !IsA(statement, ExecuteStmt) && !IsA(statement, PrepareStmt) &&
           !IsA(statement, DeallocateStmt);
}

void run_utility(PlannedStmt* statement, const char* source, bool read_only_tree,
                 ProcessUtilityContext context, ParamListInfo params, QueryEnvironment* environment,
                 DestReceiver* destination, QueryCompletion* completion) {
    if (previous_process_utility)
        previous_process_utility(statement, source, read_only_tree, context, params, environment,
                                 destination, completion);
    else
        standard_ProcessUtility(statement, source, read_only_tree, context, params, environment,
                                destination, completion);
}

void process_utility(PlannedStmt* statement, const char* source, bool read_only_tree,
                     ProcessUtilityContext context, ParamListInfo params,
                     QueryEnvironment* environment, DestReceiver* destination,
                     QueryCompletion* completion) {
    const std::uint64_t queryid = statement->queryId;
    const bool timed = LatencyTable::available() && tracked(queryid) &&
                       times_utility(statement->utilityStmt);
    if (timed) {
        prepare_backend();
        if (nesting == 0)
            in_flight = {key_of(queryid), true};
    }
    instr_time start;
    INSTR_TIME_SET_CURRENT(start);
    ++nesting;
    PG_TRY();
    {
        run_utility(statement, source, read_only_tree, context, params, environment, destination,
                    completion);
    }
    PG_FINALLY();
    {
        --nesting;
    }
    PG_END_TRY();
    if (!timed)
        return;
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, start);
    const double micros = INSTR_TIME_GET_MICROSEC(elapsed);
    const QueryKey key = key_of(queryid);
    const Execution execution{static_cast<std::uint64_t>(micros),
                              completion != nullptr ? completion->nprocessed : 0,
                              GetCurrentStatementStartTimestamp()};
    if (!LatencyTable::record(key, execution)) {
        remember_text(key, source, statement->stmt_location, statement->stmt_len, nullptr);
        LatencyTable::record(key, execution);
    }
    if (nesting == 0)
        statement_finished(queryid, micros);
}

}  // namespace

void install_hooks() {
    EnableQueryId();
    previous_shmem_request = shmem_request_hook;
    shmem_request_hook = request_shared_memory;
    previous_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = startup_shared_memory;
    previous_post_parse_analyze = post_parse_analyze_hook;
    post_parse_analyze_hook = post_parse_analyze;
    previous_executor_start = ExecutorStart_hook;
    ExecutorStart_hook = executor_start;
    previous_executor_run = ExecutorRun_hook;
    ExecutorRun_hook = executor_run;
    previous_executor_finish = ExecutorFinish_hook;
    ExecutorFinish_hook = executor_finish;
    previous_executor_end = ExecutorEnd_hook;
    ExecutorEnd_hook = executor_end;
    previous_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = process_utility;
}

}  // namespace hastecrm_perf::stats
