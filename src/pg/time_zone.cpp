#include "pg/time_zone.hpp"

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
#include "pgtime.h"
#include "utils/datetime.h"
}

namespace hastecrm_perf::pg {

PgTimeZone::PgTimeZone(const char* name) : zone_(call([name] { return pg_tzset(name); })) {
    if (zone_ == nullptr)
        throw Error(ERRCODE_INVALID_PARAMETER_VALUE,
                    std::string("time zone \"") + name + "\" is not recognized");
}

std::int64_t PgTimeZone::start_of_day(std::int32_t day) const {
    const CivilDate date = civil_from_days(day);
    pg_tm tm{};
    tm.tm_year = date.year;
    tm.tm_mon = date.month;
    tm.tm_mday = date.day;
    // Seconds west of UTC. Inside a spring-forward gap PostgreSQL reads the
    // time with the offset before the change, which lands on the first
    // instant of the day, as the core's contract asks.
    const int offset = call([&] { return DetermineTimeZoneOffset(&tm, zone_); });
    return static_cast<std::int64_t>(day) * micros_per_day +
           static_cast<std::int64_t>(offset) * USECS_PER_SEC;
}

std::int32_t PgTimeZone::local_day(std::int64_t instant) const {
    // pg_time_t counts seconds from 1970; floor so that instants before it
    // land in the right second.
    std::int64_t seconds = instant / USECS_PER_SEC;
    if (instant % USECS_PER_SEC < 0)
        --seconds;
    const pg_time_t unix_seconds =
        seconds + static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    const pg_tm* tm = call([&] { return pg_localtime(&unix_seconds, zone_); });
    if (tm == nullptr)  // beyond what the zone can describe: UTC
        return static_cast<std::int32_t>(seconds / SECS_PER_DAY - (seconds % SECS_PER_DAY < 0));
    return days_from_civil(CivilDate{tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday});
}

}  // namespace hastecrm_perf::pg
