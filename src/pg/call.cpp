#include "pg/call.hpp"

extern "C" {
#include "postgres.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace hastecrm_perf::pg {

namespace detail {

ErrorData* run_catching(void (*invoke)(void*), void* arg) noexcept {
    // The copy must outlive the error state, so it goes to the caller's context.
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData* volatile caught = nullptr;
    PG_TRY();
    {
        invoke(arg);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        caught = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return caught;
}

}  // namespace detail
}  // namespace hastecrm_perf::pg
