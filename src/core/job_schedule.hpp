// When a maintenance job runs next: a fixed cadence after success, an
// exponential backoff with a cap and jitter after failures.
//
// Times are microseconds (PostgreSQL's TimestampTz scale).
#pragma once

#include <cstdint>

namespace hastecrm_perf {

// An interval as PostgreSQL stores it. A month counts 30 days here, as
// PostgreSQL's own interval-to-epoch conversion does: schedules need a length,
// not a calendar.
struct IntervalValue {
    std::int64_t micros;
    std::int32_t days;
    std::int32_t months;
};
// Saturates instead of overflowing.
std::int64_t interval_micros(const IntervalValue& interval);

// The first `slot + k * every` (k >= 1) later than `now`: a job that ran late
// keeps its cadence and never runs twice to catch up. `every` > 0.
std::int64_t next_slot(std::int64_t slot, std::int64_t every, std::int64_t now);

struct RetryPolicy {
    std::int64_t base;  // delay after the first failure
    std::int64_t cap;   // longest delay
    double jitter;      // 0.1 = up to ±10%, so that failing jobs spread out
};

// Delay before the next attempt after `failures` (>= 1) consecutive failures:
// base * 2^(failures - 1), capped, scaled by 1 + jitter * (2 * unit - 1) where
// `unit` is a uniform random number in [0, 1) the caller draws. Never below 0.
std::int64_t retry_delay(int failures, const RetryPolicy& policy, double unit);

}  // namespace hastecrm_perf
