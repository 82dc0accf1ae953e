// Every health check and its thresholds with their defaults: the one list
// health() and the health_checks view read. hastecrm_perf.health_settings
// overrides a threshold or mutes a check or one of its objects.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace hastecrm_perf {

struct HealthParameter {
    std::string_view check;
    std::string_view name;
    double default_value;
    std::string_view unit;
    std::string_view meaning;
};

struct HealthCheck {
    std::string_view name;
    std::string_view reports;
    bool needs_primary;   // on a standby it says so instead of judging
    bool needs_history;   // reads History's tables when they exist
};

std::span<const HealthCheck> health_checks() noexcept;
std::span<const HealthParameter> health_parameters() noexcept;

const HealthParameter* find_health_parameter(std::string_view check, std::string_view name) noexcept;
bool is_health_check(std::string_view check) noexcept;

}  // namespace hastecrm_perf
