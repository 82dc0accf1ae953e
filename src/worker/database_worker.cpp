#include "worker/database_worker.hpp"

#include <cstring>

#include "pg/call.hpp"
#include "pg/guard.hpp"
#include "pg/isolation.hpp"
#include "pg/memory.hpp"
#include "worker/shared_state.hpp"
#include "worker/maintenance_cycle.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PGDLLEXPORT void hastecrm_perf_database_worker_main(Datum);
}

namespace hastecrm_perf::worker {
namespace {

// Also copies the database's name, for the log.
bool extension_installed(NameData* database) {
    return pg::call([database] {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        const bool installed = OidIsValid(get_extension_oid("hastecrm_perf", true));
        const char* name = get_database_name(MyDatabaseId);
        namestrcpy(database, name ? name : "?");
        CommitTransactionCommand();
        return installed;
    });
}

// Every C++ object lives in this frame, which returns before proc_exit.
void run_database(int slot) {
    pg::guard([slot] {
        NameData database;
        if (!extension_installed(&database)) {
            if (first_notice(slot))
                pg::call([&database] {
                    ereport(LOG, (errmsg("hastecrm_perf: database \"%s\" is listed in "
                                         "hastecrm_perf.worker_databases but has no "
                                         "hastecrm_perf extension; skipping it",
                                         NameStr(database))));
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
