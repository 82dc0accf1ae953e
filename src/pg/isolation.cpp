#include "pg/isolation.hpp"

#include <new>

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/elog.h"
#include "utils/snapmgr.h"
}

namespace hastecrm_perf::pg {

Failure describe_current_exception(Resource& resource) {
    Failure failure{ERRCODE_INTERNAL_ERROR, String(&resource), String(&resource)};
    try {
        throw;
    } catch (const PgError& error) {
        failure.sqlstate = error.data()->sqlerrcode;
        failure.canceled = failure.sqlstate == ERRCODE_QUERY_CANCELED;
        failure.message = error.data()->message ? error.data()->message : "error";
        if (error.data()->detail)
            failure.detail = error.data()->detail;
    } catch (const Error& error) {
        failure.sqlstate = error.sqlstate();
        failure.message = error.what();
        failure.detail = error.detail();
    } catch (const std::bad_alloc&) {
        failure.sqlstate = ERRCODE_OUT_OF_MEMORY;
        failure.message = "out of memory";
    } catch (const std::exception& error) {
        failure.message = error.what();
    } catch (...) {
        failure.message = "unknown C++ exception";
    }
    return failure;
}

Unit::Unit(Isolation isolation)
    : isolation_(isolation), caller_context_(CurrentMemoryContext),
      caller_owner_(CurrentResourceOwner) {
    if (isolation_ == Isolation::transaction) {
        call([] {
            // Between transactions nothing else sets it, and now() is the
            // transaction's start.
            SetCurrentStatementStartTimestamp();
            StartTransactionCommand();
            PushActiveSnapshot(GetTransactionSnapshot());
        });
    } else {
        call([] { BeginInternalSubTransaction(nullptr); });
        // Results the body builds belong to the caller, not to the unit.
        MemoryContextSwitchTo(caller_context_);
    }
}

Unit::~Unit() {
    if (!open_)
        return;
    try {
        rollback();
    } catch (...) {
        // The enclosing transaction's abort cleans up what is left.
    }
}

void Unit::commit() {
    if (isolation_ == Isolation::transaction)
        call([] {
            PopActiveSnapshot();
            CommitTransactionCommand();
        });
    else
        call([] { ReleaseCurrentSubTransaction(); });
    open_ = false;
    restore_caller();
}

void Unit::rollback() {
    open_ = false;
    if (isolation_ == Isolation::transaction)
        call([] { AbortCurrentTransaction(); });
    else
        call([] { RollbackAndReleaseCurrentSubTransaction(); });
    restore_caller();
}

void Unit::restore_caller() noexcept {
    MemoryContextSwitchTo(caller_context_);
    CurrentResourceOwner = caller_owner_;
}

}  // namespace hastecrm_perf::pg
