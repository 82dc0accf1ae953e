#include "pg/run_as.hpp"

extern "C" {
#include "miscadmin.h"
}

namespace hastecrm_perf::pg {

RunAs::RunAs(Oid role, bool restricted) noexcept {
    GetUserIdAndSecContext(&saved_user_, &saved_context_);
    int context = saved_context_ | SECURITY_LOCAL_USERID_CHANGE;
    if (restricted)
        context |= SECURITY_RESTRICTED_OPERATION;
    SetUserIdAndSecContext(role, context);
}

// Also right after an error: a rolled-back (sub)transaction restores the same
// user itself, and setting it twice is harmless.
RunAs::~RunAs() { SetUserIdAndSecContext(saved_user_, saved_context_); }

}  // namespace hastecrm_perf::pg
