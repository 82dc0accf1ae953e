#include "stats/hooks.hpp"

#include <cstring>
#include <new>
#include <string_view>

#include "core/n_plus_one.hpp"
#include "core/query_text.hpp"
#include "pg/memory.hpp"
#include "settings.hpp"
#include "stats/constant_scan.hpp"
#include "stats/latency_table.hpp"
#include "stats/n_plus_one_table.hpp"

extern "C" {
#include "access/parallel.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "executor/instrument.h"
#include "executor/spi.h"
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

// Parallel workers run the leader's statement: counting them would count it
// several times.
bool tracked(std::uint64_t queryid, bool top_level) {
    return queryid != 0 && settings::track_latency && !IsParallelWorker() &&
           (top_level || settings::track_nested);
}

// A statement the client sent: not one run by a function through SPI, nor a
// deferred trigger's query run at COMMIT.
bool top_level(const QueryDesc* query) {
    return nesting == 0 && query->dest->mydest != DestSPI;
}

QueryKey key_of(std::uint64_t queryid) {
    return QueryKey{GetUserId(), MyDatabaseId, queryid};
}

constexpr std::string_view text_unavailable = "<query text not available>";

// The statement's text with every literal replaced, palloc'd, or nullptr.
// Never raises: a failure to normalize must not fail the user's statement.
const char* normalized_text(const char* source, int location, int length, int highest_param,
                            std::size_t* text_length) noexcept {
    try {
        auto resource = pg::ContextResource::current();
        Vector<ConstantSpan> literals(&resource);
        if (!scan_literals(source, StatementRange{location, length}, literals))
            return nullptr;
        const String text = normalize_query(source, StatementRange{location, length}, literals,
                                            highest_param, query_text_bytes, resource);
        auto* copy = static_cast<char*>(palloc_extended(text.size() + 1, MCXT_ALLOC_NO_OOM));
        if (copy == nullptr)
            return nullptr;
        std::memcpy(copy, text.data(), text.size());
        copy[text.size()] = '\0';
        *text_length = text.size();
        return copy;
    } catch (...) {
        return nullptr;  // out of memory
    }
}

// Stores the normalized text of a statement for `key` (if it has no entry).
void remember_text(const QueryKey& key, const char* source, int location, int length,
                   int highest_param) {
    std::size_t text_length = 0;
    const char* text = normalized_text(source, location, length, highest_param, &text_length);
    const std::string_view stored =
        text != nullptr ? std::string_view(text, text_length) : text_unavailable;
    LatencyTable::ensure(key, stored, GetCurrentStatementStartTimestamp());
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
    detector->set_threshold(settings::n_plus_one_threshold);
    const TimestampTz now = GetCurrentTimestamp();
    report_suspects(detector->statement(queryid, micros / 1000.0, now, IsTransactionBlock()));
}

// --- hooks ---------------------------------------------------------------------

}  // namespace

void request_shared_memory() {
    RequestAddinShmemSpace(add_size(LatencyTable::shared_size(settings::max_queries),
                                    NPlusOneTable::shared_size(
                                        NPlusOneTable::capacity_for(settings::max_queries))));
    RequestNamedLWLockTranche("hastecrm_perf", 2);
}

void attach_shared_memory() {
    LatencyTable::attach(settings::max_queries);
    NPlusOneTable::attach(NPlusOneTable::capacity_for(settings::max_queries));
}

namespace {

// EXECUTE runs its statement through the executor hooks; PREPARE and
// DEALLOCATE only name it. Timing them too would count twice.
bool names_a_prepared_statement(const Node* statement) {
    return statement != nullptr &&
           (IsA(statement, ExecuteStmt) || IsA(statement, PrepareStmt) || IsA(statement, DeallocateStmt));
}

void post_parse_analyze(ParseState* pstate, Query* query, JumbleState* jumble) {
    if (previous_post_parse_analyze)
        previous_post_parse_analyze(pstate, query, jumble);
    if (!LatencyTable::available() || !tracked(query->queryId, nesting == 0) ||
        names_a_prepared_statement(query->utilityStmt))
        return;
    const QueryKey key = key_of(query->queryId);
    if (LatencyTable::contains(key))
        return;
    remember_text(key, pstate->p_sourcetext, query->stmt_location, query->stmt_len,
                  jumble != nullptr ? jumble->highest_extern_param_id : 0);
}

void executor_start(QueryDesc* query, int eflags) {
    if (previous_executor_start)
        previous_executor_start(query, eflags);
    else
        standard_ExecutorStart(query, eflags);
    const std::uint64_t queryid = query->plannedstmt->queryId;
    const bool top = top_level(query);
    // EXPLAIN without ANALYZE starts the executor but runs nothing.
    if (!LatencyTable::available() || !tracked(queryid, top) || (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0)
        return;
    prepare_backend();
    if (query->totaltime == nullptr) {
        // Only a timer: buffer and WAL counting would cost every statement.
        MemoryContext previous = MemoryContextSwitchTo(query->estate->es_query_cxt);
        query->totaltime = InstrAlloc(1, INSTRUMENT_TIMER, false);
        MemoryContextSwitchTo(previous);
    }
    if (top)
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
    const bool top = top_level(query);
    const bool explain_only = (query->estate->es_top_eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;
    if (LatencyTable::available() && tracked(queryid, top) && !explain_only &&
        query->totaltime != nullptr) {
        InstrEndLoop(query->totaltime);
        const double micros = query->totaltime->total * 1e6;
        const QueryKey key = key_of(queryid);
        const Execution execution{static_cast<std::uint64_t>(micros), query->estate->es_processed,
                                  GetCurrentStatementStartTimestamp()};
        if (!LatencyTable::record(key, execution)) {
            // Evicted since it was parsed: keep its text again.
            remember_text(key, query->sourceText, query->plannedstmt->stmt_location,
                          query->plannedstmt->stmt_len, 0);
            LatencyTable::record(key, execution);
        }
        if (top)
            statement_finished(queryid, micros);
    }
    if (top)
        in_flight.active = false;
    if (previous_executor_end)
        previous_executor_end(query);
    else
        standard_ExecutorEnd(query);
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
    const bool top = nesting == 0;
    // EXECUTE's statement is timed by the executor hooks, as a top-level one.
    if (names_a_prepared_statement(statement->utilityStmt) || !LatencyTable::available() ||
        !tracked(queryid, top)) {
        run_utility(statement, source, read_only_tree, context, params, environment, destination,
                    completion);
        if (top)
            in_flight.active = false;
        return;
    }
    prepare_backend();
    if (top)
        in_flight = {key_of(queryid), true};
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
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, start);
    const double micros = INSTR_TIME_GET_MICROSEC(elapsed);
    const QueryKey key = key_of(queryid);
    const Execution execution{static_cast<std::uint64_t>(micros),
                              completion != nullptr ? completion->nprocessed : 0,
                              GetCurrentStatementStartTimestamp()};
    if (!LatencyTable::record(key, execution)) {
        remember_text(key, source, statement->stmt_location, statement->stmt_len, 0);
        LatencyTable::record(key, execution);
    }
    if (top) {
        statement_finished(queryid, micros);
        in_flight.active = false;
    }
}

}  // namespace

void install_hooks() {
    EnableQueryId();
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
