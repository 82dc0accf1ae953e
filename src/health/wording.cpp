#include "health/wording.hpp"

#include <cmath>
#include <cstdio>

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::health {

String bytes_text(double bytes, Resource& resource) {
    static constexpr const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
    int unit = 0;
    double amount = bytes;
    while (std::fabs(amount) >= 1024 && unit < 5) {
        amount /= 1024;
        ++unit;
    }
    char buffer[64];
    if (unit == 0)
        snprintf(buffer, sizeof buffer, "%.0f %s", amount, units[unit]);
    else
        snprintf(buffer, sizeof buffer, "%.*f %s", amount < 10 ? 1 : 0, amount, units[unit]);
    return String(buffer, &resource);
}

String percent_text(double ratio, Resource& resource) {
    char buffer[64];
    snprintf(buffer, sizeof buffer, "%.1f%%", ratio * 100);
    return String(buffer, &resource);
}

String number_text(double value, Resource& resource) {
    char buffer[64];
    snprintf(buffer, sizeof buffer, "%.6g", value);
    return String(buffer, &resource);
}

String count_text(double value, Resource& resource) {
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", value);
    String out(&resource);
    const char* p = digits;
    if (*p == '-')
        out.push_back(*p++);
    const std::size_t length = std::char_traits<char>::length(p);
    for (std::size_t i = 0; i < length; ++i) {
        if (i > 0 && (length - i) % 3 == 0)
            out.push_back(',');
        out.push_back(p[i]);
    }
    return out;
}

String integer_text(double value, Resource& resource) {
    char buffer[64];
    snprintf(buffer, sizeof buffer, "%.0f", value);
    return String(buffer, &resource);
}

String seconds_text(double seconds, Resource& resource) {
    char buffer[64];
    const long s = std::lround(seconds);
    if (s < 60)
        snprintf(buffer, sizeof buffer, "%ld s", s);
    else if (s < 3600)
        snprintf(buffer, sizeof buffer, "%ld min %ld s", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buffer, sizeof buffer, "%ld h %ld min", s / 3600, (s % 3600) / 60);
    else
        snprintf(buffer, sizeof buffer, "%ld d %ld h", s / 86400, (s % 86400) / 3600);
    return String(buffer, &resource);
}

String setting_bytes(double bytes, Resource& resource) {
    char buffer[64];
    const double mb = bytes / (1024.0 * 1024);
    if (mb >= 10240)
        snprintf(buffer, sizeof buffer, "'%.0fGB'", std::floor(mb / 1024));
    else if (mb >= 1)
        snprintf(buffer, sizeof buffer, "'%.0fMB'", std::floor(mb));
    else
        snprintf(buffer, sizeof buffer, "'%.0fkB'", std::max(64.0, std::floor(bytes / 1024)));
    return String(buffer, &resource);
}

}  // namespace hastecrm_perf::health
