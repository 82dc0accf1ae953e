// The core's TimeZone on PostgreSQL's own time zone library (pg_tz), so that
// partition bounds agree with what `AT TIME ZONE` and timestamptz input say.
#pragma once

#include "core/partition_calendar.hpp"

struct pg_tz;

namespace hastecrm_perf::pg {

class PgTimeZone final : public TimeZone {
public:
    // Throws Error when PostgreSQL does not know the zone.
    explicit PgTimeZone(const char* name);

    std::int64_t start_of_day(std::int32_t day) const override;
    std::int32_t local_day(std::int64_t instant) const override;

    // Local wall-clock time (timestamp scale) of an instant, and back. A wall
    // time that occurs twice reads as the later; one in a gap, with the
    // offset from before it — as timestamptz input reads them.
    std::int64_t local_time(std::int64_t instant) const;
    std::int64_t instant_at(std::int64_t local) const;

private:
    pg_tz* zone_;
};

}  // namespace hastecrm_perf::pg
