#include "worker/launcher.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>

#include "core/name_list.hpp"
#include "history/lock_sampler.hpp"
#include "pg/call.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "settings.hpp"
#include "worker/shared_state.hpp"
#include "worker/database_worker.hpp"

extern "C" {
#include "postgres.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

PGDLLEXPORT void hastecrm_perf_launcher_main(Datum);
}

namespace hastecrm_perf::worker {
namespace {

// One listed database. Plain data: the launcher never unwinds (proc_exit).
struct DatabaseSlot {
    bool in_use;
    bool listed;  // in worker_databases; else only its running worker is watched
    NameData name;
    Oid database;
    bool reported;  // "does not exist" or "cannot connect" already logged
    BackgroundWorkerHandle* handle;
    int adopted_pid;  // a worker an earlier launcher started: no handle, only its claim
    Oid running_database;  // what the running worker is connected to
    bool stopping;         // asked to step aside already
    bool due;              // to start this cycle, as soon as a worker slot is free
    TimestampTz last_started;  // the oldest goes first: databases take turns
};

DatabaseSlot slots[max_databases];
constexpr long watch_interval_ms = 200;
bool reported_role = false;
bool reported_no_slot = false;
bool short_of_slots = false;  // in the current cycle
bool reported_too_many = false;
Oid cycle_role = InvalidOid;
MemoryContext cycle_context = nullptr;

bool still_running(DatabaseSlot& slot) {
    if (slot.handle == nullptr) {
        // Its worker's claim in shared memory outlives a launcher's error.
        const Oid database = slot.running_database != InvalidOid ? slot.running_database : slot.database;
        slot.adopted_pid = worker_of_database(database);
        if (slot.adopted_pid != 0)
            slot.running_database = database;
        return slot.adopted_pid != 0;
    }
    pid_t pid = 0;
    const BgwHandleStatus status = GetBackgroundWorkerPid(slot.handle, &pid);
    if (status == BGWH_STARTED || status == BGWH_NOT_YET_STARTED)
        return true;
    pfree(slot.handle);
    slot.handle = nullptr;
    return false;
}

// The slots follow worker_databases; a database keeps its slot (and so its
// running worker and its "already reported" flags) while it stays listed.
void update_slots() {
    for (DatabaseSlot& slot : slots)
        slot.listed = false;
    pg::guard([] {
        pg::ContextResource resource(cycle_context);
        const NameList list = parse_name_list(settings::worker_databases, resource);
        int unplaced = 0;
        for (const String& name : list.names) {
            DatabaseSlot* found = nullptr;
            for (DatabaseSlot& slot : slots)
                if (slot.in_use && std::strcmp(NameStr(slot.name), name.c_str()) == 0)
                    found = &slot;
            for (DatabaseSlot& slot : slots)
                if (found == nullptr && !slot.in_use) {
                    found = &slot;
                    slot = DatabaseSlot{};
                    slot.in_use = true;
                    namestrcpy(&slot.name, name.c_str());
                    clear_notice(static_cast<int>(&slot - slots));
                }
            if (found)
                found->listed = true;
            else
                ++unplaced;
        }
        if (unplaced > 0 && !reported_too_many)
            pg::call([] {  // the list is alive here: nothing may longjmp over it
                ereport(LOG, (errmsg("hastecrm_perf: only the first %d databases of "
                                     "hastecrm_perf.worker_databases are maintained",
                                     max_databases)));
            });
        reported_too_many = unplaced > 0;
        return 0;
    });
    // A database no longer listed: its running worker finishes its cycle,
    // still watched (a DROP DATABASE may come meanwhile); then the slot frees.
    for (DatabaseSlot& slot : slots)
        if (slot.in_use && !slot.listed && !still_running(slot))
            slot = DatabaseSlot{};
}

// The launcher is connected to the shared catalogs only, without their
// indexes (those load with a database): pg_database and pg_authid are read by
// sequential scans, as the autovacuum launcher does. One transaction each.
template <typename Visit>
void scan_shared_catalog(Oid catalog_id, Visit&& visit) {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    Relation catalog = table_open(catalog_id, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(catalog, 0, nullptr);
    for (HeapTuple tuple; HeapTupleIsValid(tuple = heap_getnext(scan, ForwardScanDirection));)
        visit(GETSTRUCT(tuple));
    table_endscan(scan);
    table_close(catalog, AccessShareLock);
    CommitTransactionCommand();
}

void resolve_databases() {
    for (DatabaseSlot& slot : slots)
        slot.database = InvalidOid;
    scan_shared_catalog(DatabaseRelationId, [](void* row) {
        const auto* database = static_cast<Form_pg_database>(row);
        for (DatabaseSlot& slot : slots)
            if (slot.in_use && slot.listed && database->datallowconn &&
                std::strcmp(NameStr(slot.name), NameStr(database->datname)) == 0)
                slot.database = database->oid;
    });
    for (DatabaseSlot& slot : slots) {
        if (!slot.in_use || !slot.listed)
            continue;
        if (slot.database == InvalidOid && !slot.reported)
            ereport(LOG, (errmsg("hastecrm_perf: database \"%s\" listed in "
                                 "hastecrm_perf.worker_databases does not exist or does not "
                                 "allow connections; skipping it",
                                 NameStr(slot.name))));
        slot.reported = slot.database == InvalidOid;
    }
}

// InvalidOid means the bootstrap superuser; false when the role is unusable.
bool resolve_role(Oid* role) {
    *role = InvalidOid;
    if (settings::worker_role == nullptr || settings::worker_role[0] == '\0')
        return true;
    bool can_login = false;
    scan_shared_catalog(AuthIdRelationId, [&](void* row) {
        const auto* authid = static_cast<Form_pg_authid>(row);
        if (std::strcmp(NameStr(authid->rolname), settings::worker_role) == 0) {
            *role = authid->oid;
            can_login = authid->rolcanlogin;
        }
    });
    if (*role != InvalidOid && can_login) {
        reported_role = false;
        return true;
    }
    if (!reported_role)
        ereport(LOG, (errmsg("hastecrm_perf: role \"%s\" of hastecrm_perf.worker_role does not "
                             "exist or cannot log in; no maintenance runs until it can",
                             settings::worker_role)));
    reported_role = true;
    return false;
}

bool start_worker(DatabaseSlot& slot, Oid role) {
    BackgroundWorker worker{};
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "hastecrm_perf");
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "hastecrm_perf_database_worker_main");
    snprintf(worker.bgw_name, BGW_MAXLEN, "hastecrm_perf worker for %s", NameStr(slot.name));
    snprintf(worker.bgw_type, BGW_MAXLEN, "hastecrm_perf worker");
    worker.bgw_main_arg = ObjectIdGetDatum(slot.database);
    const DatabaseWorkerArgs args{role, static_cast<int>(&slot - slots)};
    std::memcpy(worker.bgw_extra, &args, sizeof args);
    worker.bgw_notify_pid = MyProcPid;

    // The handle lives until the worker is seen stopped.
    const MemoryContext previous = MemoryContextSwitchTo(TopMemoryContext);
    const bool started = RegisterDynamicBackgroundWorker(&worker, &slot.handle);
    MemoryContextSwitchTo(previous);
    if (!started) {
        slot.handle = nullptr;
        return false;
    }
    slot.running_database = slot.database;
    slot.stopping = false;
    return true;
}

// Starts the due databases, the one that waited longest first, until the
// worker slots run out; the others start as soon as a worker exits (its exit
// sets our latch). So with fewer slots than databases every one still gets
// its cycle, in turn. A shortage that lasts is logged once.
void start_due_workers() {
    for (;;) {
        DatabaseSlot* next = nullptr;
        for (DatabaseSlot& slot : slots)
            if (slot.in_use && slot.due && (next == nullptr || slot.last_started < next->last_started))
                next = &slot;
        if (next == nullptr)
            return;
        if (!next->listed || next->database == InvalidOid || still_running(*next)) {
            next->due = false;  // its last cycle is still running
            continue;
        }
        if (!start_worker(*next, cycle_role)) {
            if (!reported_no_slot)
                ereport(LOG, (errmsg("hastecrm_perf: fewer background worker slots are free than "
                                     "databases to maintain; the databases take turns"),
                              errhint("Raise max_worker_processes.")));
            reported_no_slot = true;
            short_of_slots = true;
            return;
        }
        next->due = false;
        next->last_started = GetCurrentTimestamp();
    }
}

// DROP DATABASE, ALTER DATABASE RENAME or SET TABLESPACE (an exclusive lock
// on the database) and CREATE DATABASE ... TEMPLATE (a share lock on the
// template) hold their lock while they wait, five seconds at most, for the
// other sessions of the database to leave. Every connecting session takes a
// row-exclusive lock on its database, which conflicts with exactly those: a
// conditional one tells us.
bool database_wanted_exclusively(Oid database) {
    LOCKTAG tag;
    SET_LOCKTAG_OBJECT(tag, InvalidOid, DatabaseRelationId, database, 0);
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    const LockAcquireResult result = LockAcquire(&tag, RowExclusiveLock, false, true);
    if (result != LOCKACQUIRE_NOT_AVAIL)
        LockRelease(&tag, RowExclusiveLock, false);
    CommitTransactionCommand();
    return result == LOCKACQUIRE_NOT_AVAIL;
}

// A worker in the middle of a long job steps aside for such a command, as
// autovacuum workers do. Returns whether any worker still runs.
bool watch_running_workers() {
    bool any = false;
    for (DatabaseSlot& slot : slots) {
        if (!slot.in_use || !still_running(slot))
            continue;
        any = true;
        if (!slot.stopping && database_wanted_exclusively(slot.running_database)) {
            ereport(LOG, (errmsg("hastecrm_perf: stopping the worker of database \"%s\": the "
                                 "database is being dropped, altered or copied",
                                 NameStr(slot.name))));
            if (slot.handle != nullptr)
                TerminateBackgroundWorker(slot.handle);
            else
                (void) kill(slot.adopted_pid, SIGTERM);  // its claim ends only when it exits
            slot.stopping = true;
        }
    }
    return any;
}

void launch_cycle() {
    MemoryContextReset(cycle_context);
    // A whole cycle without a shortage ends it: the next one is logged again.
    if (!short_of_slots)
        reported_no_slot = false;
    short_of_slots = false;
    update_slots();
    if (RecoveryInProgress())
        return;
    if (!resolve_role(&cycle_role))
        return;
    resolve_databases();
    for (DatabaseSlot& slot : slots)
        slot.due = slot.in_use && slot.listed && slot.database != InvalidOid;
}

bool any_due() {
    return std::any_of(std::begin(slots), std::end(slots),
                       [](const DatabaseSlot& slot) { return slot.due; });
}

}  // namespace

void register_launcher() {
    BackgroundWorker launcher{};
    launcher.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    // Not during recovery: a standby runs nothing; promotion starts it.
    launcher.bgw_start_time = BgWorkerStart_RecoveryFinished;
    launcher.bgw_restart_time = 10;
    snprintf(launcher.bgw_library_name, BGW_MAXLEN, "hastecrm_perf");
    snprintf(launcher.bgw_function_name, BGW_MAXLEN, "hastecrm_perf_launcher_main");
    snprintf(launcher.bgw_name, BGW_MAXLEN, "hastecrm_perf launcher");
    snprintf(launcher.bgw_type, BGW_MAXLEN, "hastecrm_perf launcher");
    RegisterBackgroundWorker(&launcher);
}

}  // namespace hastecrm_perf::worker

using namespace hastecrm_perf::worker;

void hastecrm_perf_launcher_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    // Shared catalogs only (pg_database, pg_authid): no database is held open.
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    pgstat_report_appname("hastecrm_perf launcher");
    cycle_context = AllocSetContextCreate(TopMemoryContext, "hastecrm_perf launcher",
                                          ALLOCSET_DEFAULT_SIZES);
    ereport(LOG, (errmsg("hastecrm_perf launcher started")));

    TimestampTz next_cycle = 0;
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        bool reloaded = false;
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            reloaded = true;  // a database added to the list starts at once
        }
        TimestampTz now = GetCurrentTimestamp();
        if (reloaded || now >= next_cycle) {
            launch_cycle();
            now = GetCurrentTimestamp();
            next_cycle = TimestampTzPlusMilliseconds(now, hastecrm_perf::settings::naptime_s * 1000L);
        }
        start_due_workers();
        long wait_ms = TimestampDifferenceMilliseconds(now, next_cycle);
        // While a worker runs, look in often enough to step aside in time;
        // while databases wait for a slot, look for one as often.
        if (watch_running_workers() || any_due())
            wait_ms = std::min(wait_ms, watch_interval_ms);
        // Lock episodes are sampled every second.
        wait_ms = std::min(wait_ms, hastecrm_perf::history::history_launcher_tick());
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms,
                         PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}
