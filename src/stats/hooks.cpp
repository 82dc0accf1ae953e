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
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/queryjumble.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::stats {

namespace {

ExecutorStart_hook_type previous_executor_start = nullptr;
ExecutorRun_hook_type previous_executor_run = nullptr;
ExecutorFinish_hook_type previous_executor_finish = nullptr;
ExecutorEnd_hook_type previous_executor_end = nullptr;
ProcessUtility_hook_type previous_process_utility = nullptr;

// Backend-local state. Hooks hold no C++ object with a destructor across a
// PostgreSQL call, so an ERROR unwinding through them skips nothing.
int nesting = 0;  // executor / utility depth: 0 = outside any statement we run
struct {
    QueryKey key;
    bool active;
} in_flight;      // the top-level statement running now, to count it if it fails
NPlusOneDetector* detector = nullptr;
bool callbacks_registered = false;

// The executor's top-level statements now open (a client may interleave
// portals), decided once at ExecutorStart: ExecutorEnd runs when the portal
// is dropped, where the portal that made the decision is gone.
constexpr int max_open_top_level = 16;
struct OpenStatement {
    const QueryDesc* query;
    SubTransactionId subtransaction;  // a failed one never reaches ExecutorEnd
};
OpenStatement open_top_level[max_open_top_level];
int open_top_level_count = 0;

// The one definition of a top-level statement, used by every hook: one the
// client sent, run at depth 0 by the portal of a protocol message, in a
// backend that is not a background worker. Not a function's statement
// through SPI (depth > 0), nor a deferred trigger's query run at the COMMIT
// of an autocommit statement (no portal is active then), nor a background
// worker's own maintenance (which never feeds the N+1 detector either).
bool client_statement_now() {
    return nesting == 0 && ActivePortal != nullptr && !IsBackgroundWorker;
}

void open_top_level_statement(const QueryDesc* query) {
    if (open_top_level_count < max_open_top_level)
        open_top_level[open_top_level_count++] = {query, GetCurrentSubTransactionId()};
}

// Whether `query` was opened as a top-level statement; forgets it.
bool close_top_level_statement(const QueryDesc* query) {
    for (int i = open_top_level_count - 1; i >= 0; --i) {
        if (open_top_level[i].query == query) {
            open_top_level[i] = open_top_level[--open_top_level_count];
            return true;
        }
    }
    return false;
}

// A subtransaction aborted: the statements it (or a child) opened are gone,
// and their QueryDesc memory may be reused.
void forget_top_level_statements_from(SubTransactionId aborted) {
    for (int i = open_top_level_count - 1; i >= 0; --i)
        if (open_top_level[i].subtransaction >= aborted)
            open_top_level[i] = open_top_level[--open_top_level_count];
}

// Parallel workers run the leader's statement: counting them would count it
// several times.
bool tracked(std::uint64_t queryid, bool top_level) {
    return queryid != 0 && settings::track_latency && !IsParallelWorker() &&
           (top_level || settings::track_nested);
}

QueryKey key_of(std::uint64_t queryid) {
    return QueryKey{GetUserId(), MyDatabaseId, queryid};
}

// The entries this backend knows to exist, so that a statement it ran before
// costs no lookup when it starts: direct-mapped, each slot valid for the
// table's generation it was filled in (an eviction or a reset anywhere makes
// every slot stale at once).
class KnownEntries {
public:
    bool contains(const QueryKey& key, std::uint64_t generation) const {
        const Slot& slot = slots_[position(key)];
        return slot.generation == generation && slot.queryid == key.queryid &&
               slot.owner == owner_of(key);
    }
    void add(const QueryKey& key, std::uint64_t generation) {
        slots_[position(key)] = Slot{key.queryid, owner_of(key), generation};
    }

private:
    struct Slot {
        std::uint64_t queryid;
        std::uint64_t owner;
        std::uint64_t generation;  // + 1, so that zeroed memory matches nothing
    };
    static std::uint64_t owner_of(const QueryKey& key) {
        return (std::uint64_t{key.userid} << 32) | key.dbid;
    }
    static std::size_t position(const QueryKey& key) {
        return static_cast<std::size_t>((key.queryid ^ (key.queryid >> 29) ^ key.userid) % slot_count);
    }
    static constexpr std::size_t slot_count = 512;
    Slot slots_[slot_count] = {};
};
KnownEntries known_entries;

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
// Parameters $1 .. $highest_param are the statement's own: constants are
// numbered after them.
void remember_text(const QueryKey& key, const char* source, int location, int length,
                   int highest_param) {
    std::size_t text_length = 0;
    const char* text = source != nullptr
                           ? normalized_text(source, location, length, highest_param, &text_length)
                           : nullptr;
    const std::string_view stored =
        text != nullptr ? std::string_view(text, text_length) : text_unavailable;
    LatencyTable::ensure(key, stored, GetCurrentStatementStartTimestamp());
}

// The statement's own $n parameters. PL/pgSQL's variables are not: it
// fetches them through a hook, and its statements' text names them.
int highest_parameter(ParamListInfo params) {
    return params != nullptr && params->paramFetch == nullptr ? params->numParams : 0;
}

// At the start of a tracked statement: makes sure it has an entry, so that a
// failure is counted even on its first execution. Free for a statement this
// backend already saw (no lock); else one lookup, and the text only when the
// entry is new.
void ensure_entry(const QueryKey& key, const char* source, int location, int length,
                  int highest_param) {
    const std::uint64_t generation = LatencyTable::generation() + 1;
    if (known_entries.contains(key, generation))
        return;
    if (!LatencyTable::contains(key))
        remember_text(key, source, location, length, highest_param);
    known_entries.add(key, generation);
}

// At the end: counts the execution (and keeps its text again if the entry
// was evicted meanwhile).
void record_execution(const QueryKey& key, const Execution& execution, const char* source,
                      int location, int length, int highest_param) {
    if (LatencyTable::record(key, execution))
        return;
    remember_text(key, source, location, length, highest_param);
    LatencyTable::record(key, execution);
}

void report_suspects(std::span<const NPlusOneSuspect> suspects) {
    if (suspects.empty())
        return;
    const TimestampTz now = GetCurrentTimestamp();
    for (const NPlusOneSuspect& suspect : suspects)
        NPlusOneTable::record(GetUserId(), MyDatabaseId, suspect, now);
}

void top_level_started(const QueryKey& key) {
    in_flight = {key, true};
    LatencyTable::mark_running(key);
}

void top_level_ended() {
    in_flight.active = false;
    LatencyTable::clear_running();
}

void on_transaction(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_ABORT:
            if (in_flight.active)
                LatencyTable::record_error(in_flight.key, GetCurrentTimestamp());
            top_level_ended();
            open_top_level_count = 0;
            report_suspects(detector->end_of_transaction());
            break;
        case XACT_EVENT_COMMIT:
        // PREPARE TRANSACTION ends the block as COMMIT does (the COMMIT
        // PREPARED that follows is a statement of its own).
        case XACT_EVENT_PREPARE:
            open_top_level_count = 0;
            report_suspects(detector->end_of_transaction());
            break;
        default:
            break;
    }
}

// A top-level statement that fails inside a savepoint aborts the
// subtransaction only. (Errors caught by PL/pgSQL happen deeper: nesting > 0.)
void on_subtransaction(SubXactEvent event, SubTransactionId aborted, SubTransactionId, void*) {
    if (event != SUBXACT_EVENT_ABORT_SUB)
        return;
    forget_top_level_statements_from(aborted);
    if (nesting == 0 && in_flight.active) {
        LatencyTable::record_error(in_flight.key, GetCurrentTimestamp());
        top_level_ended();
    }
}

void on_exit(int, Datum) {
    LatencyTable::clear_running();
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

// A top-level statement ended at `end` after `micros`: `end` is the
// statement's start plus its duration, so no clock is read here.
void statement_finished(std::uint64_t queryid, std::uint64_t micros, TimestampTz end) {
    detector->set_threshold(settings::n_plus_one_threshold);
    report_suspects(detector->statement(queryid, static_cast<double>(micros) / 1000.0, end,
                                        IsTransactionBlock()));
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

void executor_start(QueryDesc* query, int eflags) {
    if (previous_executor_start)
        previous_executor_start(query, eflags);
    else
        standard_ExecutorStart(query, eflags);
    const std::uint64_t queryid = query->plannedstmt->queryId;
    const bool top = client_statement_now();
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
    const QueryKey key = key_of(queryid);
    ensure_entry(key, query->sourceText, query->plannedstmt->stmt_location,
                 query->plannedstmt->stmt_len, highest_parameter(query->params));
    if (top) {
        open_top_level_statement(query);
        top_level_started(key);
    }
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
    const bool top = open_top_level_count > 0 && close_top_level_statement(query);
    const bool explain_only = (query->estate->es_top_eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;
    if (LatencyTable::available() && tracked(queryid, top) && !explain_only &&
        query->totaltime != nullptr) {
        InstrEndLoop(query->totaltime);
        const auto micros = static_cast<std::uint64_t>(query->totaltime->total * 1e6);
        const TimestampTz end = GetCurrentStatementStartTimestamp() + static_cast<TimestampTz>(micros);
        record_execution(key_of(queryid), Execution{micros, query->estate->es_processed, end},
                         query->sourceText, query->plannedstmt->stmt_location,
                         query->plannedstmt->stmt_len, highest_parameter(query->params));
        if (top)
            statement_finished(queryid, micros, end);
    }
    if (top)
        top_level_ended();
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

// Runs the utility one level deeper (in a function of its own: no local of
// the caller lives across its PG_TRY).
void run_nested_utility(PlannedStmt* statement, const char* source, bool read_only_tree,
                        ProcessUtilityContext context, ParamListInfo params,
                        QueryEnvironment* environment, DestReceiver* destination,
                        QueryCompletion* completion) {
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
}

void process_utility(PlannedStmt* statement, const char* source, bool read_only_tree,
                     ProcessUtilityContext context, ParamListInfo params,
                     QueryEnvironment* environment, DestReceiver* destination,
                     QueryCompletion* completion) {
    const std::uint64_t queryid = statement->queryId;
    // SPI runs utility statements as PROCESS_UTILITY_QUERY, even at depth 0.
    const bool top = client_statement_now() && context == PROCESS_UTILITY_TOPLEVEL;
    // EXECUTE's statement is timed by the executor hooks, as a top-level one.
    if (names_a_prepared_statement(statement->utilityStmt) || !LatencyTable::available() ||
        !tracked(queryid, top)) {
        run_utility(statement, source, read_only_tree, context, params, environment, destination,
                    completion);
        return;
    }
    prepare_backend();
    const QueryKey key = key_of(queryid);
    ensure_entry(key, source, statement->stmt_location, statement->stmt_len, highest_parameter(params));
    if (top)
        top_level_started(key);
    instr_time start;
    INSTR_TIME_SET_CURRENT(start);
    run_nested_utility(statement, source, read_only_tree, context, params, environment, destination,
                       completion);
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, start);
    const auto micros = static_cast<std::uint64_t>(INSTR_TIME_GET_MICROSEC(elapsed));
    const TimestampTz end = GetCurrentStatementStartTimestamp() + static_cast<TimestampTz>(micros);
    // Of the user it ends as (SET ROLE changes it), as for any statement's end.
    record_execution(key_of(queryid), Execution{micros, completion != nullptr ? completion->nprocessed : 0, end},
                     source, statement->stmt_location, statement->stmt_len, highest_parameter(params));
    if (top) {
        statement_finished(queryid, micros, end);
        top_level_ended();
    }
}

}  // namespace

void install_hooks() {
    EnableQueryId();
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
