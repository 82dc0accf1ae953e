// Axes of the report's charts: a value axis (linear from zero, or
// logarithmic when the values span more than two decades, as latencies
// often do) with "nice" ticks (1, 2 or 5 times a power of ten), and a time
// axis with ticks on round local times.
#pragma once

#include <cstdint>
#include <span>

#include "core/containers.hpp"

namespace hastecrm_perf {

struct ValueAxis {
    double lower;
    double upper;
    bool logarithmic;
    Vector<double> ticks;  // ascending, within [lower, upper]

    // Where `value` falls between pixel `from` (at lower) and `to` (at upper);
    // values outside the axis are clamped to its ends.
    double position(double value, double from, double to) const;
};

// Linear, with nice bounds around [min, max] and about `target_ticks` ticks.
// An empty or one-valued range becomes [0, 1] or [0, value] (or [value, 0]).
ValueAxis linear_axis(double min, double max, int target_ticks, Resource& resource);
// Logarithmic over whole decades that contain [min, max]; both must be > 0.
ValueAxis log_axis(double min, double max, Resource& resource);
// The axis for these values (NaN and infinities ignored): linear from zero,
// or logarithmic when all are positive and max / min exceeds `log_ratio`.
ValueAxis axis_for(std::span<const double> values, Resource& resource, double log_ratio = 100);

// Instants are microseconds since 2000-01-01 00:00 UTC (PostgreSQL's).
struct TimeAxis {
    std::int64_t lower;
    std::int64_t upper;
    std::int64_t step;  // between ticks
    Vector<std::int64_t> ticks;
    double position(std::int64_t instant, double from, double to) const;
};

// Ticks on multiples of a round step (1 s ... 30 days) in local time
// (`utc_offset` microseconds east of UTC), at most `max_ticks` of them.
// An empty or inverted range is widened to one minute after `lower`.
TimeAxis time_axis(std::int64_t lower, std::int64_t upper, std::int64_t utc_offset, int max_ticks,
                   Resource& resource);

// A tick's label: "14:30" within a day, "14:30:10" off the minute; "Dec 2"
// at a local midnight; with `with_date`, "Dec 2 14:30".
String time_label(std::int64_t instant, std::int64_t utc_offset, bool with_date, Resource& resource);

}  // namespace hastecrm_perf
