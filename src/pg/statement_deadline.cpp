#include "pg/statement_deadline.hpp"

#include "pg/call.hpp"

extern "C" {
#include "postgres.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::pg {

StatementDeadline::StatementDeadline(int timeout_ms) {
    if (timeout_ms <= 0)
        return;
    const TimestampTz ours = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
    caller_had_one_ = get_timeout_active(STATEMENT_TIMEOUT);
    if (caller_had_one_) {
        caller_deadline_ = get_timeout_finish_time(STATEMENT_TIMEOUT);
        if (caller_deadline_ <= ours)
            return;  // the caller's own limit comes first
    }
    call([ours] { enable_timeout_at(STATEMENT_TIMEOUT, ours); });
    armed_ = true;
    deadline_ = ours;
}

bool StatementDeadline::expired() const { return armed_ && GetCurrentTimestamp() >= deadline_; }

StatementDeadline::~StatementDeadline() {
    if (!armed_)
        return;
    const bool restore = caller_had_one_;
    const TimestampTz deadline = caller_deadline_;
    try {
        call([restore, deadline] {
            if (restore)
                enable_timeout_at(STATEMENT_TIMEOUT, deadline);
            else
                disable_timeout(STATEMENT_TIMEOUT, false);
        });
    } catch (...) {
        // Only setitimer() can fail here; the next statement re-arms anyway.
    }
}

}  // namespace hastecrm_perf::pg
