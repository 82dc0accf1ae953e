// Severities of health findings, graded from a measure and two thresholds.
#pragma once

#include <string_view>

namespace hastecrm_perf {

enum class Severity { none, info, warning, critical };

std::string_view to_string(Severity severity) noexcept;

// Higher is worse (bytes of lag, a fraction of a limit used): `critical` at or
// past critical_at, `warning` at or past warning_at, else none. A threshold
// that is NaN is off.
Severity grade_rising(double value, double warning_at, double critical_at) noexcept;

// Lower is worse (a hit ratio, headroom left).
Severity grade_falling(double value, double warning_at, double critical_at) noexcept;

}  // namespace hastecrm_perf
