#include "core/display_units.hpp"

#include <cmath>
#include <cstdio>

namespace hastecrm_perf {
namespace {

String printed(Resource& resource, const char* format, double value, const char* unit) {
    char buffer[64];
    snprintf(buffer, sizeof buffer, format, value, unit);
    return String(buffer, &resource);
}

// Three significant digits: "%.2f" below 10, "%.1f" below 100, else "%.0f".
const char* three_digits(double magnitude) {
    magnitude = std::fabs(magnitude);
    if (magnitude < 9.995)
        return "%.2f%s";
    if (magnitude < 99.95)
        return "%.1f%s";
    return "%.0f%s";
}

}  // namespace

String format_decimal(double value, Resource& resource) {
    if (!std::isfinite(value))
        return String("n/a", &resource);
    if (value == 0)
        return String("0", &resource);
    if (std::fabs(value) >= 1e6)
        return format_count(std::round(value), resource);
    if (std::fabs(value) < 0.01)
        return printed(resource, "%.2g%s", value, "");
    String text = printed(resource, three_digits(value), value, "");
    // 1.50 -> 1.5, 2.00 -> 2
    if (text.find('.') != String::npos) {
        while (text.back() == '0')
            text.pop_back();
        if (text.back() == '.')
            text.pop_back();
    }
    return text;
}

String format_milliseconds(double ms, Resource& resource) {
    if (!std::isfinite(ms))
        return String("n/a", &resource);
    const double magnitude = std::fabs(ms);
    if (magnitude == 0)
        return String("0 ms", &resource);
    if (magnitude < 1)
        return printed(resource, "%.0f%s", ms * 1000, " \xC2\xB5s");  // µs
    if (magnitude < 1000)
        return printed(resource, three_digits(ms), ms, " ms");
    if (magnitude < 60'000)
        return printed(resource, three_digits(ms / 1000), ms / 1000, " s");
    if (magnitude < 3'600'000)
        return printed(resource, three_digits(ms / 60'000), ms / 60'000, " min");
    return printed(resource, three_digits(ms / 3'600'000), ms / 3'600'000, " h");
}

String format_bytes(double bytes, Resource& resource) {
    if (!std::isfinite(bytes))
        return String("n/a", &resource);
    static const char* const units[] = {" kB", " MB", " GB", " TB", " PB"};
    const double magnitude = std::fabs(bytes);
    if (magnitude < 1024)
        return printed(resource, "%.0f%s", bytes, " bytes");
    double scaled = bytes / 1024;
    std::size_t unit = 0;
    while (std::fabs(scaled) >= 1023.995 && unit + 1 < std::size(units)) {
        scaled /= 1024;
        ++unit;
    }
    return printed(resource, three_digits(scaled), scaled, units[unit]);
}

String format_count(double count, Resource& resource) {
    if (!std::isfinite(count))
        return String("n/a", &resource);
    if (count != std::floor(count) || std::fabs(count) >= 1e18)
        return printed(resource, std::fabs(count) >= 1e18 ? "%.3g%s" : "%.2f%s", count, "");
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", std::fabs(count));
    String text(&resource);
    if (count < 0)
        text.push_back('-');
    const std::size_t length = std::char_traits<char>::length(digits);
    for (std::size_t i = 0; i < length; ++i) {
        if (i > 0 && (length - i) % 3 == 0)
            text.push_back(',');
        text.push_back(digits[i]);
    }
    return text;
}

String format_percent(double percent, Resource& resource) {
    if (!std::isfinite(percent))
        return String("n/a", &resource);
    return printed(resource, std::fabs(percent) < 9.995 ? "%.2f%s" : "%.1f%s", percent, "%");
}

}  // namespace hastecrm_perf

namespace hastecrm_perf {

String format_span(std::int64_t microseconds, Resource& resource) {
    const std::int64_t minutes = microseconds / 60'000'000;
    const std::int64_t days = minutes / 1440, hours = minutes / 60 % 24, rest = minutes % 60;
    char buffer[64];
    if (days > 0 && hours > 0)
        snprintf(buffer, sizeof buffer, "%lld day%s %lld h", static_cast<long long>(days),
                 days == 1 ? "" : "s", static_cast<long long>(hours));
    else if (days > 0)
        snprintf(buffer, sizeof buffer, "%lld day%s", static_cast<long long>(days), days == 1 ? "" : "s");
    else if (hours > 0 && rest > 0)
        snprintf(buffer, sizeof buffer, "%lld h %lld min", static_cast<long long>(hours),
                 static_cast<long long>(rest));
    else if (hours > 0)
        snprintf(buffer, sizeof buffer, "%lld h", static_cast<long long>(hours));
    else if (minutes > 0)
        snprintf(buffer, sizeof buffer, "%lld min", static_cast<long long>(minutes));
    else
        snprintf(buffer, sizeof buffer, "%lld s", static_cast<long long>(microseconds / 1'000'000));
    return String(buffer, &resource);
}

}  // namespace hastecrm_perf
