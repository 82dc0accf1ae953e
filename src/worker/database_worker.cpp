#include "worker/database_worker.hpp"

#include <cstring>

#include "pg/call.hpp"
#include "pg/guard.hpp"
#include "pg/isolation.hpp"
#include "pg/memory.hpp"
#include "worker/job_catalog.hpp"
#include "worker/maintenance_cycle.hpp"
#include "worker/shared_state.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/memutils.h"

PGDLLEXPORT void hastecrm_perf_database_worker_main(Datum);
}

namespace hastecrm_perf::worker {
namespace {

enum class Installed { no, older, yes };

// Also copies the database's name and the extension's version, for the log.
Installed extension_installed(NameData* database, NameData* version) {
    return pg::call([database, version] {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        Installed installed = Installed::no;
        namestrcpy(version, "");
        HeapTuple tuple = nullptr;
        Relation extensions = table_open(ExtensionRelationId, AccessShareLock);
        ScanKeyData key;
        ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
                    CStringGetDatum("hastecrm_perf"));
        SysScanDesc scan = systable_beginscan(extensions, ExtensionNameIndexId, true, nullptr, 1, &key);
        if (HeapTupleIsValid(tuple = systable_getnext(scan))) {
            bool is_null = false;
            const Datum value = heap_getattr(tuple, Anum_pg_extension_extversion,
                                             RelationGetDescr(extensions), &is_null);
            const char* found = is_null ? "" : TextDatumGetCString(value);
            namestrcpy(version, found);
            installed = std::strcmp(found, schema_version) == 0 ? Installed::yes : Installed::older;
        }
        systable_endscan(scan);
        table_close(extensions, AccessShareLock);
        const char* name = get_database_name(MyDatabaseId);
        namestrcpy(database, name ? name : "?");
        CommitTransactionCommand();
        return installed;
    });
}

// Every C++ object lives in this frame, which returns before proc_exit.
void run_database(int slot) {
    pg::guard([slot] {
        NameData database, version;
        const Installed installed = extension_installed(&database, &version);
        if (installed == Installed::no) {
            if (first_notice(slot))
                pg::call([&database] {
                    ereport(LOG, (errmsg("hastecrm_perf: database \"%s\" is listed in "
                                         "hastecrm_perf.worker_databases but has no "
                                         "hastecrm_perf extension; skipping it",
                                         NameStr(database))));
                });
            return 0;
        }
        if (installed == Installed::older) {
            // Its tables are not the ones this library's jobs write: wait for
            // the update rather than fail every cycle.
            if (first_notice(slot))
                pg::call([&database, &version] {
                    ereport(LOG, (errmsg("hastecrm_perf: database \"%s\" has hastecrm_perf %s, its "
                                         "library is %s; skipping it until ALTER EXTENSION "
                                         "hastecrm_perf UPDATE is run there",
                                         NameStr(database), NameStr(version), schema_version)));
                });
            return 0;
        }
        clear_notice(slot);
        pg::ContextResource resource(AllocSetContextCreate(
            TopMemoryContext, "hastecrm_perf maintenance cycle", ALLOCSET_DEFAULT_SIZES));
        run_cycle(CycleOptions{pg::Isolation::transaction, InvalidOid, true}, resource);
        return 0;
    });
}

}  // namespace
}  // namespace hastecrm_perf::worker

void hastecrm_perf_database_worker_main(Datum argument) {
    hastecrm_perf::worker::DatabaseWorkerArgs args{};
    std::memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof args);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    // A launcher restarted after an error may not know a worker of ours
    // still runs here: never two at once in one database.
    if (!hastecrm_perf::worker::claim_database(DatumGetObjectId(argument)))
        proc_exit(0);
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(argument), args.role, 0);
    pgstat_report_appname("hastecrm_perf worker");
    hastecrm_perf::worker::run_database(args.slot);
    proc_exit(0);
}
