#include "core/job_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hastecrm_perf {

namespace {

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t day_micros = 86'400'000'000;

// Intermediate sums and products of two int64 fit in 128 bits, so the result
// is exact before it is clamped (a huge positive term and a huge negative one
// may still cancel to something representable).
using Wide = __int128;

std::int64_t saturate(Wide value) {
    if (value > int64_max)
        return int64_max;
    if (value < int64_min)
        return int64_min;
    return static_cast<std::int64_t>(value);
}

}  // namespace

std::int64_t interval_micros(const IntervalValue& interval) {
    const Wide days = static_cast<Wide>(interval.days) + static_cast<Wide>(interval.months) * 30;
    return saturate(static_cast<Wide>(interval.micros) + days * day_micros);
}

std::int64_t next_slot(std::int64_t slot, std::int64_t every, std::int64_t now) {
    if (every <= 0)
        return now;  // no cadence to keep; the caller validates, this only avoids dividing by 0
    const Wide behind = static_cast<Wide>(now) - slot;
    // k = the number of whole periods from slot to now, plus one; a slot in the
    // future (a clock set back) still moves on by one period.
    const Wide k = behind < 0 ? 1 : behind / every + 1;
    return saturate(static_cast<Wide>(slot) + k * every);
}

std::int64_t retry_delay(int failures, const RetryPolicy& policy, double unit) {
    const int exponent = std::max(failures, 1) - 1;
    const std::int64_t base = std::max<std::int64_t>(policy.base, 0);
    std::int64_t raw = base;
    if (base > 0) {
        // Past 2^62 every positive base saturates: no shift is attempted.
        if (exponent >= 63 || base > (int64_max >> exponent))
            raw = int64_max;
        else
            raw = base << exponent;
    }
    const std::int64_t capped = std::max<std::int64_t>(std::min(raw, policy.cap), 0);

    double factor = 1.0 + policy.jitter * (2.0 * unit - 1.0);
    if (std::isnan(factor))
        factor = 1.0;  // a NaN from the caller must not turn into an undefined cast
    const double scaled = static_cast<double>(capped) * factor;
    if (!(scaled > 0.0))
        return 0;
    // 2^63 is the first double that does not fit in int64.
    if (scaled >= 9223372036854775808.0)
        return int64_max;
    return std::llround(scaled);
}

}  // namespace hastecrm_perf
