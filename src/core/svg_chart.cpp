#include "core/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/chart_scale.hpp"
#include "core/display_units.hpp"
#include "core/html_text.hpp"

namespace hastecrm_perf {
namespace {

constexpr double width = 760;
constexpr std::int64_t micros_per_day_ = 86'400'000'000;

Resource& resource_of(const String& out) {
    return *out.get_allocator().resource();
}

// Appends pieces: literal markup as is, coordinates with one decimal.
void put(String& out, std::string_view markup) { out.append(markup.data(), markup.size()); }
void put(String& out, double coordinate) {
    char buffer[32];
    snprintf(buffer, sizeof buffer, "%.1f", coordinate);
    out.append(buffer);
}
void put_text(String& out, std::string_view text) { append_escaped(out, text); }

String value_label(double value, ValueUnit unit, Resource& resource) {
    switch (unit) {
        case ValueUnit::milliseconds: return format_milliseconds(value, resource);
        case ValueUnit::bytes: return format_bytes(value, resource);
        case ValueUnit::count: break;
    }
    return std::fabs(value) >= 1000 ? format_count(std::round(value), resource)
                                    : format_decimal(value, resource);
}

// A size tick in the axis' own unit: "0.2 MB", not "205 kB".
String size_tick_label(double bytes, double scale, Resource& resource) {
    static const char* const units[] = {" bytes", " kB", " MB", " GB", " TB", " PB"};
    std::size_t unit = 0;
    for (double s = scale; s >= 1024 && unit + 1 < std::size(units); s /= 1024)
        ++unit;
    String label = format_decimal(bytes / scale, resource);
    label.append(units[unit]);
    return label;
}

void open_figure(String& out, std::string_view caption, double height) {
    put(out, "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
    put(out, width);
    put(out, " ");
    put(out, height);
    put(out, "\" role=\"img\" aria-label=\"");
    put_text(out, caption);
    put(out, "\"><title>");
    put_text(out, caption);
    put(out, "</title>");
}

void close_figure(String& out, std::string_view caption) {
    put(out, "</svg><figcaption>");
    put_text(out, caption);
    put(out, "</figcaption></figure>\n");
}

void text_at(String& out, double x, double y, std::string_view css_class, std::string_view text) {
    put(out, "<text x=\"");
    put(out, x);
    put(out, "\" y=\"");
    put(out, y);
    put(out, "\" class=\"");
    put(out, css_class);
    put(out, "\">");
    put_text(out, text);
    put(out, "</text>");
}

void line(String& out, double x1, double y1, double x2, double y2, std::string_view css_class) {
    put(out, "<line x1=\"");
    put(out, x1);
    put(out, "\" y1=\"");
    put(out, y1);
    put(out, "\" x2=\"");
    put(out, x2);
    put(out, "\" y2=\"");
    put(out, y2);
    put(out, "\" class=\"");
    put(out, css_class);
    put(out, "\"/>");
}

void rect(String& out, double x, double y, double w, double h, std::string_view css_class) {
    put(out, "<rect x=\"");
    put(out, x);
    put(out, "\" y=\"");
    put(out, y);
    put(out, "\" width=\"");
    put(out, std::max(w, 0.0));
    put(out, "\" height=\"");
    put(out, h);
    put(out, "\" class=\"");
    put(out, css_class);
    put(out, "\">");
}

String series_class(std::size_t index, Resource& resource) {
    char buffer[24];
    snprintf(buffer, sizeof buffer, "series-%zu", index % 6);
    return String(buffer, &resource);
}

// Tick labels under a time axis between pixels `left` and `right`.
void time_ticks(String& out, const TimeAxis& axis, std::int64_t utc_offset, double left,
                double right, double top, double bottom) {
    Resource& resource = resource_of(out);
    bool first = true;
    for (std::int64_t tick : axis.ticks) {
        const double x = axis.position(tick, left, right);
        line(out, x, top, x, bottom, "grid");
        const bool with_date = first && axis.step < micros_per_day_;
        text_at(out, x, bottom + 16, "tick middle", time_label(tick, utc_offset, with_date, resource));
        first = false;
    }
    line(out, left, bottom, right, bottom, "axis");
}

}  // namespace

void render_line_chart(String& out, const LineChart& chart) {
    Resource& resource = resource_of(out);
    constexpr double height = 250, left = 72, right = width - 16, top = 30, bottom = height - 34;
    Vector<double> all(&resource);
    std::size_t slots = 0;
    for (const TimeSeries& series : chart.series) {
        all.insert(all.end(), series.values.begin(), series.values.end());
        slots = std::max(slots, series.values.size());
    }
    const ValueAxis y = axis_for(std::span<const double>(all.data(), all.size()), resource);
    const TimeAxis x = time_axis(chart.start, chart.end, chart.utc_offset, 8, resource);

    open_figure(out, chart.caption, height);
    for (double tick : y.ticks) {
        const double py = y.position(tick, bottom, top);
        line(out, left, py, right, py, "grid");
        text_at(out, left - 6, py + 4, "tick end", value_label(tick, chart.unit, resource));
    }
    time_ticks(out, x, chart.utc_offset, left, right, top, bottom);
    if (y.logarithmic)
        text_at(out, left, top - 8, "note", "log scale");

    bool any = false;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
        const TimeSeries& series = chart.series[s];
        const String css = series_class(s, resource);
        // Legend, top right.
        const double lx = right - 90.0 * static_cast<double>(chart.series.size() - s);
        rect(out, lx, 8, 14, 4, css);
        put(out, "</rect>");
        text_at(out, lx + 18, 14, "legend", series.name);

        String path(&resource);
        String dots(&resource);
        const auto px = [&](std::size_t i) {
            const std::int64_t middle =
                chart.start + static_cast<std::int64_t>(i) * chart.slot + chart.slot / 2;
            return x.position(std::min(middle, chart.end), left, right);
        };
        const auto finite = [&](std::size_t i) {
            return i < series.values.size() && std::isfinite(series.values[i]);
        };
        for (std::size_t i = 0; i < series.values.size(); ++i) {
            if (!finite(i))
                continue;
            any = true;
            const double cx = px(i), cy = y.position(series.values[i], bottom, top);
            const bool starts_run = i == 0 || !finite(i - 1);
            const bool alone = starts_run && !finite(i + 1);
            put(path, starts_run ? "M" : "L");
            put(path, cx);
            put(path, " ");
            put(path, cy);
            if (alone || slots <= 48) {
                put(dots, "<circle cx=\"");
                put(dots, cx);
                put(dots, "\" cy=\"");
                put(dots, cy);
                put(dots, "\" r=\"2.5\" class=\"");
                put(dots, css);
                put(dots, "\"><title>");
                put_text(dots, series.name);
                put(dots, " ");
                put_text(dots, time_label(chart.start + static_cast<std::int64_t>(i) * chart.slot,
                                          chart.utc_offset, true, resource));
                put(dots, ": ");
                put_text(dots, value_label(series.values[i], chart.unit, resource));
                put(dots, "</title></circle>");
            }
        }
        if (!path.empty()) {
            put(out, "<path d=\"");
            put(out, path);
            put(out, "\" class=\"line ");
            put(out, css);
            put(out, "\"/>");
        }
        put(out, dots);
    }
    if (!any)
        text_at(out, (left + right) / 2, (top + bottom) / 2, "empty middle", "no data in this window");
    close_figure(out, chart.caption);
}

void render_bar_chart(String& out, std::string_view caption, ValueUnit unit,
                      std::span<const Bar> bars) {
    Resource& resource = resource_of(out);
    constexpr double row = 22, top = 8, label_right = 300, bar_left = 308, bar_right = width - 96;
    const double bottom = top + row * static_cast<double>(std::max<std::size_t>(bars.size(), 1));
    const double height = bottom + 26;
    double max = 0;
    for (const Bar& bar : bars)
        if (std::isfinite(bar.value))
            max = std::max(max, bar.value);
    // Sizes get round ticks in their own unit (256 kB, 512 kB), not in bytes.
    double scale = 1;
    if (unit == ValueUnit::bytes)
        while (max / scale >= 1024 && scale < 1e15)
            scale *= 1024;
    ValueAxis axis = linear_axis(0, max / scale, 5, resource);
    axis.lower *= scale;
    axis.upper *= scale;
    for (double& tick : axis.ticks)
        tick *= scale;

    open_figure(out, caption, height);
    for (double tick : axis.ticks) {
        const double px = axis.position(tick, bar_left, bar_right);
        line(out, px, top, px, bottom, "grid");
        text_at(out, px, bottom + 16, "tick middle",
                unit == ValueUnit::bytes ? size_tick_label(tick, scale, resource)
                                         : value_label(tick, unit, resource));
    }
    line(out, bar_left, top, bar_left, bottom, "axis");
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const Bar& bar = bars[i];
        const double y = top + row * static_cast<double>(i);
        const String shown = clip_text(bar.label, 46, resource);
        text_at(out, label_right, y + 15, "label end", shown);
        const double value = std::isfinite(bar.value) ? std::max(bar.value, 0.0) : 0.0;
        const double end = axis.position(value, bar_left, bar_right);
        rect(out, bar_left, y + 4, std::max(end - bar_left, 1.0), row - 8, "bar");
        put(out, "<title>");
        put_text(out, bar.label);
        put(out, ": ");
        put_text(out, value_label(bar.value, unit, resource));
        put(out, "</title></rect>");
        text_at(out, end + 6, y + 15, "value", value_label(bar.value, unit, resource));
    }
    if (bars.empty())
        text_at(out, (bar_left + bar_right) / 2, top + 15, "empty middle", "nothing to show");
    close_figure(out, caption);
}

void render_timeline(String& out, std::string_view caption, std::int64_t start, std::int64_t end,
                     std::int64_t utc_offset, std::span<const Episode> episodes) {
    Resource& resource = resource_of(out);
    constexpr double row = 18, top = 8, label_right = 236, left = 244, right = width - 16;
    const double bottom = top + row * static_cast<double>(std::max<std::size_t>(episodes.size(), 1));
    const double height = bottom + 26;
    const TimeAxis axis = time_axis(start, end, utc_offset, 8, resource);

    open_figure(out, caption, height);
    time_ticks(out, axis, utc_offset, left, right, top, bottom);
    for (std::size_t i = 0; i < episodes.size(); ++i) {
        const Episode& episode = episodes[i];
        const double y = top + row * static_cast<double>(i);
        text_at(out, label_right, y + 13, "label end", clip_text(episode.label, 36, resource));
        const double x1 = axis.position(episode.start, left, right);
        const double x2 = axis.position(episode.start + std::max<std::int64_t>(episode.duration, 0), left, right);
        rect(out, x1, y + 3, std::max(x2 - x1, 2.0), row - 6, "episode");
        put(out, "<title>");
        put_text(out, episode.detail);
        put(out, "</title></rect>");
    }
    if (episodes.empty())
        text_at(out, (left + right) / 2, top + 13, "empty middle", "no lock waits in this window");
    close_figure(out, caption);
}

}  // namespace hastecrm_perf
