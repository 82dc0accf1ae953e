#include "health/finding.hpp"

namespace hastecrm_perf::health {

void Findings::add(std::string_view check, Severity severity, std::string_view object,
                   std::string_view value, std::string_view threshold, std::string_view detail,
                   std::string_view advice, std::optional<TimestampTz> since) {
    if (severity == Severity::none)
        return;
    // concat, not String(string_view, allocator): Boost's constructor drops that allocator.
    rows_.push_back(Finding{check, severity, concat(resource_, {object}), concat(resource_, {value}),
                            concat(resource_, {threshold}), concat(resource_, {detail}),
                            concat(resource_, {advice}), since});
}

}  // namespace hastecrm_perf::health
