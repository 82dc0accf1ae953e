// The report's charts as inline SVG: nothing to download, nothing to run,
// readable on screen and on paper. Each chart is a <figure> with a caption;
// every label passes through append_escaped(). Colors come from the classes
// the report's stylesheet defines (series-0, series-1, ...).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

// How a chart labels its values.
enum class ValueUnit { milliseconds, bytes, count };

// One line: a value per time slot of the chart, NaN where there was no data
// (drawn as a gap, not as zero).
struct TimeSeries {
    std::string_view name;
    std::span<const double> values;
};

struct LineChart {
    std::string_view caption;
    std::int64_t start;       // microseconds since 2000-01-01 UTC
    std::int64_t slot;        // width of one slot; values[i] covers [start + i*slot, +slot)
    std::int64_t end;
    std::int64_t utc_offset;  // of the labels, microseconds east of UTC
    ValueUnit unit;
    std::span<const TimeSeries> series;
};

void render_line_chart(String& out, const LineChart& chart);

struct Bar {
    std::string_view label;
    double value;
};

// Horizontal bars from zero, longest first as given; labels clipped to one line.
void render_bar_chart(String& out, std::string_view caption, ValueUnit unit,
                      std::span<const Bar> bars);

// A lock wait: who waited on what, from `start` for `duration` microseconds.
struct Episode {
    std::string_view label;   // left of its bar
    std::string_view detail;  // its tooltip
    std::int64_t start;
    std::int64_t duration;
};

// One row per episode over [start, end] of the window.
void render_timeline(String& out, std::string_view caption, std::int64_t start, std::int64_t end,
                     std::int64_t utc_offset, std::span<const Episode> episodes);

}  // namespace hastecrm_perf
