#include "core/chart_scale.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/partition_calendar.hpp"

namespace hastecrm_perf {
namespace {

// 1, 2 or 5 times a power of ten, the nearest to `raw` from above.
double nice_step(double raw) {
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double normalized = raw / magnitude;
    const double factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
    return factor * magnitude;
}

constexpr std::int64_t micros_per_minute = 60'000'000;

}  // namespace

double ValueAxis::position(double value, double from, double to) const {
    double fraction;
    if (logarithmic) {
        const double v = std::max(value, lower);
        fraction = (std::log10(v) - std::log10(lower)) / (std::log10(upper) - std::log10(lower));
    } else {
        fraction = (value - lower) / (upper - lower);
    }
    if (!std::isfinite(fraction))
        fraction = 0;
    fraction = std::clamp(fraction, 0.0, 1.0);
    return from + fraction * (to - from);
}

ValueAxis linear_axis(double min, double max, int target_ticks, Resource& resource) {
    ValueAxis axis{0, 1, false, Vector<double>(&resource)};
    if (!std::isfinite(min) || !std::isfinite(max) || min > max)
        min = max = 0;
    // A bar or a line starts at zero: the axis always holds it.
    min = std::min(min, 0.0);
    max = std::max(max, 0.0);
    if (min == max)
        max = 1;
    const double step = nice_step((max - min) / std::max(target_ticks, 1));
    axis.lower = std::floor(min / step) * step;
    axis.upper = std::ceil(max / step) * step;
    for (double tick = axis.lower; tick <= axis.upper + step / 2; tick += step)
        axis.ticks.push_back(std::fabs(tick) < step * 1e-9 ? 0.0 : tick);
    return axis;
}

ValueAxis log_axis(double min, double max, Resource& resource) {
    ValueAxis axis{1, 10, true, Vector<double>(&resource)};
    if (!(min > 0) || !(max > 0) || !std::isfinite(min) || !std::isfinite(max))
        min = 1, max = 10;
    if (min > max)
        std::swap(min, max);
    int low = static_cast<int>(std::floor(std::log10(min)));
    int high = static_cast<int>(std::ceil(std::log10(max)));
    if (high == low)
        ++high;
    axis.lower = std::pow(10.0, low);
    axis.upper = std::pow(10.0, high);
    const int every = (high - low) > 8 ? 2 : 1;
    for (int decade = low; decade <= high; decade += every)
        axis.ticks.push_back(std::pow(10.0, decade));
    return axis;
}

ValueAxis axis_for(std::span<const double> values, Resource& resource, double log_ratio) {
    double min = std::numeric_limits<double>::infinity();
    double max = -min;
    for (double value : values) {
        if (!std::isfinite(value))
            continue;
        min = std::min(min, value);
        max = std::max(max, value);
    }
    if (min > max)  // nothing finite
        return linear_axis(0, 1, 5, resource);
    if (min > 0 && max / min > log_ratio)
        return log_axis(min, max, resource);
    return linear_axis(min, max, 5, resource);
}

double TimeAxis::position(std::int64_t instant, double from, double to) const {
    double fraction = static_cast<double>(instant - lower) / static_cast<double>(upper - lower);
    fraction = std::clamp(fraction, 0.0, 1.0);
    return from + fraction * (to - from);
}

TimeAxis time_axis(std::int64_t lower, std::int64_t upper, std::int64_t utc_offset, int max_ticks,
                   Resource& resource) {
    if (upper <= lower)
        upper = lower + micros_per_minute;
    static constexpr std::int64_t seconds[] = {1,    5,    10,    30,    60,    120,   300,
                                               600,  900,  1800,  3600,  7200,  10800, 21600,
                                               43200, 86400, 172800, 604800, 1209600, 2592000};
    constexpr std::int64_t micros_per_second = 1'000'000;
    const std::int64_t span = upper - lower;
    std::int64_t step = seconds[std::size(seconds) - 1] * micros_per_second;
    for (std::int64_t s : seconds) {
        if (span / (s * micros_per_second) < std::max(max_ticks, 1)) {
            step = s * micros_per_second;
            break;
        }
    }
    TimeAxis axis{lower, upper, step, Vector<std::int64_t>(&resource)};
    // First multiple of the step (in local time) at or after lower.
    const std::int64_t local = lower + utc_offset;
    std::int64_t tick = (local / step) * step;
    if (tick < local)
        tick += step;
    for (tick -= utc_offset; tick <= upper && axis.ticks.size() < 64; tick += step)
        axis.ticks.push_back(tick);
    return axis;
}

String time_label(std::int64_t instant, std::int64_t utc_offset, bool with_date, Resource& resource) {
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::int64_t local = instant + utc_offset;
    std::int64_t day = local / micros_per_day;
    std::int64_t within = local % micros_per_day;
    if (within < 0)
        within += micros_per_day, --day;
    const CivilDate date = civil_from_days(static_cast<std::int32_t>(day));
    const int minute_of_day = static_cast<int>(within / micros_per_minute);
    const int second = static_cast<int>(within / 1'000'000 % 60);
    char buffer[32];
    if (second != 0 && with_date)  // ticks under a minute apart
        snprintf(buffer, sizeof buffer, "%s %d %02d:%02d:%02d", months[date.month - 1], date.day,
                 minute_of_day / 60, minute_of_day % 60, second);
    else if (second != 0)
        snprintf(buffer, sizeof buffer, "%02d:%02d:%02d", minute_of_day / 60, minute_of_day % 60, second);
    else if (minute_of_day == 0 && !with_date && within == 0)
        snprintf(buffer, sizeof buffer, "%s %d", months[date.month - 1], date.day);
    else if (with_date)
        snprintf(buffer, sizeof buffer, "%s %d %02d:%02d", months[date.month - 1], date.day,
                 minute_of_day / 60, minute_of_day % 60);
    else
        snprintf(buffer, sizeof buffer, "%02d:%02d", minute_of_day / 60, minute_of_day % 60);
    return String(buffer, &resource);
}

}  // namespace hastecrm_perf
