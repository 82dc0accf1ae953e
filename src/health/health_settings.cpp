#include "health/health_settings.hpp"

#include <algorithm>
#include <string>

#include "core/health_catalog.hpp"
#include "health/sql_row.hpp"
#include "pg/error.hpp"
#include "pg/spi.hpp"

namespace hastecrm_perf::health {

HealthSettings::HealthSettings(pg::Spi& spi, Resource& resource) : rows_(&resource) {
    const std::uint64_t count = spi.execute(
        "SELECT check_name, parameter, object, value FROM hastecrm_perf.health_settings", {});
    rows_.reserve(count);
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(spi, r, resource);
        rows_.push_back(Row{row.text(1), row.text(2), row.text(3), row.number(4)});
    }
}

double HealthSettings::value(std::string_view check, std::string_view parameter) const {
    const auto it = std::find_if(rows_.begin(), rows_.end(), [&](const Row& r) {
        return r.check == check && r.parameter == parameter;
    });
    if (it != rows_.end())
        return it->value;
    const HealthParameter* known = find_health_parameter(check, parameter);
    if (known == nullptr)
        throw pg::Error(ERRCODE_INTERNAL_ERROR,
                        "health check " + std::string(check) + " has no parameter " + std::string(parameter));
    return known->default_value;
}

bool HealthSettings::muted(std::string_view check, std::string_view object) const {
    return std::any_of(rows_.begin(), rows_.end(), [&](const Row& r) {
        return r.check == check && r.parameter == "mute" && (r.object.empty() || r.object == object);
    });
}

}  // namespace hastecrm_perf::health
