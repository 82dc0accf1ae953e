// The thresholds health() judges by: the catalog's defaults, overridden by
// rows of hastecrm_perf.health_settings; and what the DBA muted there.
#pragma once

#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf::pg {
class Spi;
}

namespace hastecrm_perf::health {

class HealthSettings {
public:
    // Reads hastecrm_perf.health_settings.
    HealthSettings(pg::Spi& spi, Resource& resource);

    // The threshold in force; the parameter must be in the catalog.
    double value(std::string_view check, std::string_view parameter) const;
    // A check muted as a whole, or one of its objects.
    bool muted(std::string_view check, std::string_view object) const;

private:
    struct Row {
        String check, parameter, object;
        double value;
    };
    Vector<Row> rows_;
};

}  // namespace hastecrm_perf::health
