#include "pg/time_zone.hpp"

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
#include "pgtime.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::pg {
namespace {

// Floor division: instants before 2000 land in the right second.
std::int64_t floor_div(std::int64_t value, std::int64_t unit) {
    return value / unit - (value % unit < 0 ? 1 : 0);
}

}  // namespace

PgTimeZone::PgTimeZone(const char* name) : zone_(call([name] { return pg_tzset(name); })) {
    if (zone_ == nullptr)
        throw Error(ERRCODE_INVALID_PARAMETER_VALUE,
                    std::string("time zone \"") + name + "\" is not recognized");
}

std::int64_t PgTimeZone::local_time(std::int64_t instant) const {
    const std::int64_t seconds = floor_div(instant, USECS_PER_SEC);
    const pg_time_t unix_seconds =
        seconds + static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    const pg_tm* tm = call([&] { return pg_localtime(&unix_seconds, zone_); });
    if (tm == nullptr)  // beyond what the zone can describe: UTC
        return instant;
    return instant + static_cast<std::int64_t>(tm->tm_gmtoff) * USECS_PER_SEC;
}

std::int64_t PgTimeZone::instant_at(std::int64_t local) const {
    const std::int64_t day = floor_div(local, micros_per_day);
    const std::int64_t of_day = local - day * micros_per_day;
    const CivilDate date = civil_from_days(static_cast<std::int32_t>(day));
    pg_tm tm{};
    tm.tm_year = date.year;
    tm.tm_mon = date.month;
    tm.tm_mday = date.day;
    tm.tm_hour = static_cast<int>(of_day / USECS_PER_HOUR);
    tm.tm_min = static_cast<int>(of_day % USECS_PER_HOUR / USECS_PER_MINUTE);
    tm.tm_sec = static_cast<int>(of_day % USECS_PER_MINUTE / USECS_PER_SEC);
    // Seconds west of UTC.
    const int offset = call([&] { return DetermineTimeZoneOffset(&tm, zone_); });
    return local + static_cast<std::int64_t>(offset) * USECS_PER_SEC;
}

std::int64_t PgTimeZone::start_of_day(std::int32_t day) const {
    // In a spring-forward gap the reading lands on the first instant of the
    // day already. A midnight that occurs twice reads as the later one: the
    // day begins at the earlier, found by bisection over the few hours a
    // clock change can span (local_day() never decreases with time).
    std::int64_t instant = instant_at(static_cast<std::int64_t>(day) * micros_per_day);
    if (local_day(instant - USECS_PER_SEC) < day)
        return instant;
    // In whole seconds, as clock changes are.
    std::int64_t after = floor_div(instant, USECS_PER_SEC);
    std::int64_t before = after - 4 * SECS_PER_HOUR;  // the day before, but for
    if (local_day(before * USECS_PER_SEC) >= day)     // 19th-century date-line moves
        before = after - 48 * SECS_PER_HOUR;
    while (after - before > 1) {
        const std::int64_t middle = before + (after - before) / 2;
        if (local_day(middle * USECS_PER_SEC) >= day)
            after = middle;
        else
            before = middle;
    }
    return after * USECS_PER_SEC;
}

std::int32_t PgTimeZone::local_day(std::int64_t instant) const {
    return static_cast<std::int32_t>(floor_div(local_time(instant), micros_per_day));
}

}  // namespace hastecrm_perf::pg
