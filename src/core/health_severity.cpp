#include "core/health_severity.hpp"

#include <cmath>

namespace hastecrm_perf {

std::string_view to_string(Severity severity) noexcept {
    switch (severity) {
        case Severity::info: return "info";
        case Severity::warning: return "warning";
        case Severity::critical: return "critical";
        case Severity::none: break;
    }
    return "none";
}

Severity grade_rising(double value, double warning_at, double critical_at) noexcept {
    if (std::isnan(value))
        return Severity::none;
    if (!std::isnan(critical_at) && value >= critical_at)
        return Severity::critical;
    if (!std::isnan(warning_at) && value >= warning_at)
        return Severity::warning;
    return Severity::none;
}

Severity grade_falling(double value, double warning_at, double critical_at) noexcept {
    if (std::isnan(value))
        return Severity::none;
    if (!std::isnan(critical_at) && value <= critical_at)
        return Severity::critical;
    if (!std::isnan(warning_at) && value <= warning_at)
        return Severity::warning;
    return Severity::none;
}

}  // namespace hastecrm_perf
