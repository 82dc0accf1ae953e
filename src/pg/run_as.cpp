#include "pg/run_as.hpp"

#include <exception>

#include "pg/call.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace hastecrm_perf::pg {

RunAs::RunAs(Oid role, bool restricted, bool settings_level) noexcept
    : nest_level_(0), exceptions_at_start_(std::uncaught_exceptions()) {
    GetUserIdAndSecContext(&saved_user_, &saved_context_);
    int context = saved_context_ | SECURITY_LOCAL_USERID_CHANGE;
    if (restricted)
        context |= SECURITY_RESTRICTED_OPERATION;
    SetUserIdAndSecContext(role, context);
    if (settings_level)
        nest_level_ = NewGUCNestLevel();  // only counts: cannot raise
}

RunAs::~RunAs() {
    // Unwinding from an error: the (sub)transaction abort that follows rolls
    // this nest level back with its own, and restores the same user itself;
    // restoring settings here could raise a second error mid-unwind.
    if (nest_level_ > 0 && std::uncaught_exceptions() == exceptions_at_start_) {
        const int level = nest_level_;
        try {
            call([level] { AtEOXact_GUC(false, level); });
        } catch (...) {
            // Nothing sane to do in a destructor; the transaction end cleans up.
        }
    }
    SetUserIdAndSecContext(saved_user_, saved_context_);
}

}  // namespace hastecrm_perf::pg
