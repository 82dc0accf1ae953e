#include "core/sequence_limit.hpp"

#include <algorithm>
#include <limits>

namespace hastecrm_perf {

SequenceUsage sequence_usage(const SequenceState& s) noexcept {
    SequenceUsage u;
    const double last = static_cast<double>(s.last_value);
    if (s.increment > 0) {
        u.limit = s.max_value;
        if (s.column_max && *s.column_max < s.max_value) {
            u.limit = *s.column_max;
            u.limited_by_column = true;
        }
        const double low = static_cast<double>(s.min_value);
        const double span = static_cast<double>(u.limit) - low;
        u.used_fraction = span > 0 ? std::clamp((last - low) / span, 0.0, 1.0) : 1.0;
        u.values_left = std::max(0.0, (static_cast<double>(u.limit) - last) / static_cast<double>(s.increment));
    } else {
        u.limit = s.min_value;
        if (s.column_min && *s.column_min > s.min_value) {
            u.limit = *s.column_min;
            u.limited_by_column = true;
        }
        const double high = static_cast<double>(s.max_value);
        const double span = high - static_cast<double>(u.limit);
        u.used_fraction = span > 0 ? std::clamp((high - last) / span, 0.0, 1.0) : 1.0;
        u.values_left = std::max(0.0, (last - static_cast<double>(u.limit)) / static_cast<double>(-s.increment));
    }
    return u;
}

std::optional<std::int64_t> integer_type_max(int width) noexcept {
    switch (width) {
        case 2: return std::numeric_limits<std::int16_t>::max();
        case 4: return std::numeric_limits<std::int32_t>::max();
        case 8: return std::numeric_limits<std::int64_t>::max();
    }
    return std::nullopt;
}

std::optional<std::int64_t> integer_type_min(int width) noexcept {
    switch (width) {
        case 2: return std::numeric_limits<std::int16_t>::min();
        case 4: return std::numeric_limits<std::int32_t>::min();
        case 8: return std::numeric_limits<std::int64_t>::min();
    }
    return std::nullopt;
}

}  // namespace hastecrm_perf
