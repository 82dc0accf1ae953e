#include "core/xid_headroom.hpp"

namespace hastecrm_perf {

std::int64_t headroom_to_stop(std::int64_t age) noexcept { return xid_stop_age - age; }

Severity grade_wraparound(std::int64_t age, const WraparoundLimits& limits) noexcept {
    if (headroom_to_stop(age) <= limits.critical_headroom)
        return Severity::critical;
    if (age <= limits.freeze_max_age)
        return Severity::none;
    if (age > limits.freeze_max_age + limits.warning_margin)
        return Severity::warning;
    return Severity::none;
}

}  // namespace hastecrm_perf
