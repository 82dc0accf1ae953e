#include "pg/top_level_statement.hpp"

#include "pg/call.hpp"

extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "nodes/nodes.h"
#include "nodes/plannodes.h"
#include "parser/parser.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
}

namespace hastecrm_perf::pg {
namespace {

// A session-level SET: a transaction-local value would end with the first
// of the statement's own commits.
void set_lock_timeout(const char* value) {
    (void) set_config_option("lock_timeout", value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET,
                             true, 0, false);
}

}  // namespace

void run_top_level_statement(const char* sql, int lock_timeout_ms) {
    // Parse trees, the statement's private memory (PortalContext) and our
    // own values live here, not in a transaction's memory that its commits free.
    const MemoryContext caller = CurrentMemoryContext;
    const ResourceOwner caller_owner = CurrentResourceOwner;
    const MemoryContext saved_portal_context = PortalContext;
    const MemoryContext statement_context = call([] {
        return AllocSetContextCreate(TopMemoryContext, "hastecrm_perf top-level statement",
                                     ALLOCSET_DEFAULT_SIZES);
    });
    char previous_timeout[64];
    call([&] {
        snprintf(previous_timeout, sizeof previous_timeout, "%s",
                 GetConfigOption("lock_timeout", false, false));
    });
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%d", lock_timeout_ms);
    auto restore = [&] {
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = caller_owner;
        // In a transaction of its own: a value set in a committed step of the
        // statement survives its rollback.
        call([&] {
            StartTransactionCommand();
            set_lock_timeout(previous_timeout);
            CommitTransactionCommand();
        });
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = caller_owner;
        MemoryContextDelete(statement_context);
    };
    try {
        call([&] {
            MemoryContextSwitchTo(statement_context);
            List* trees = raw_parser(sql, RAW_PARSE_DEFAULT);
            if (list_length(trees) != 1)
                elog(ERROR, "hastecrm_perf: one statement expected");
            RawStmt* raw = linitial_node(RawStmt, trees);
            PlannedStmt* statement = makeNode(PlannedStmt);
            statement->commandType = CMD_UTILITY;
            statement->canSetTag = true;
            statement->utilityStmt = raw->stmt;
            statement->stmt_location = raw->stmt_location;
            statement->stmt_len = raw->stmt_len;
            // The portal keeps pointing at it across the statement's commits.
            List* statements = list_make1(statement);

            SetCurrentStatementStartTimestamp();
            StartTransactionCommand();
            set_lock_timeout(timeout);
            // Through a portal, as a client's statement runs (exec_simple_query):
            // the portal stays active across the statement's own commits, and
            // code the statement runs in between (a sql_drop event trigger)
            // gets its snapshot from it.
            Portal portal = CreatePortal("", true, true);
            portal->visible = false;
            PortalDefineQuery(portal, nullptr, sql, CreateCommandTag(raw->stmt), statements, nullptr);
            PortalStart(portal, nullptr, 0, InvalidSnapshot);
            QueryCompletion completion;
            InitializeQueryCompletion(&completion);
            (void) PortalRun(portal, FETCH_ALL, true, true, None_Receiver, None_Receiver, &completion);
            PortalDrop(portal, false);
            CommitTransactionCommand();
        });
    } catch (...) {
        PortalContext = saved_portal_context;
        try {
            call([] { AbortCurrentTransaction(); });
        } catch (...) {
            // Nothing more to undo: the error being thrown says what went wrong.
        }
        restore();
        throw;
    }
    restore();
}

}  // namespace hastecrm_perf::pg
