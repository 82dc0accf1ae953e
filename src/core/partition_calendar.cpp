#include "core/partition_calendar.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/name_list.hpp"

namespace hastecrm_perf {

namespace {

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// Days from 1970-01-01 (the epoch of Hinnant's algorithms) to 2000-01-01.
constexpr std::int64_t unix_to_pg_days = 10957;

// Day numbers outside int32 only arise from absurd inputs; clamping keeps the
// arithmetic defined instead of wrapping.
std::int32_t clamp_day(std::int64_t day) {
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(
        day, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

// Division and remainder rounding toward minus infinity, so that instants and
// days before 2000 land in the right day and week.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if (a % b != 0 && (a % b < 0) != (b < 0))
        --q;
    return q;
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
    std::int64_t r = a % b;
    if (r != 0 && (r < 0) != (b < 0))
        r += b;
    return r;
}

// Howard Hinnant's days_from_civil, in 64 bits so that no int year overflows.
std::int64_t days_from_civil64(std::int64_t y, std::int64_t m, std::int64_t d) {
    y -= m <= 2;
    const std::int64_t era = floor_div(y, 400);
    const std::int64_t yoe = y - era * 400;                                 // [0, 399]
    const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         // [0, 146096]
    return era * 146097 + doe - 719468 - unix_to_pg_days;
}

// Monday of the ISO week holding `day`; 2000-01-01 was a Saturday.
std::int64_t monday_of(std::int64_t day) {
    return day - floor_mod(day + 5, 7);
}

Period clamped_period(std::int64_t first, std::int64_t end) {
    return Period{clamp_day(first), clamp_day(end)};
}

// The parts of `range` no existing partition covers, in order. A period that
// an earlier step or time zone covered in part is completed, not skipped: a
// gap would make inserts into it fail.
Vector<KeyRange> uncovered(const KeyRange& range, const Vector<KeyRange>& existing,
                           Resource& resource) {
    Vector<KeyRange> pieces(&resource);
    std::int64_t from = range.lower;
    while (from < range.upper) {
        // The existing partition covering `from`, else the first one starting after it.
        std::int64_t next_start = range.upper;
        std::int64_t covered_to = from;
        for (const KeyRange& other : existing) {
            if (other.lower <= from && from < other.upper)
                covered_to = std::max(covered_to, other.upper);
            else if (other.lower > from)
                next_start = std::min(next_start, other.lower);
        }
        if (covered_to > from) {
            from = covered_to;
            continue;
        }
        pieces.push_back(KeyRange{from, next_start});
        from = next_start;
    }
    return pieces;
}


// Years 1..9999 as four digits; earlier ones in PostgreSQL's BC notation
// (year 0 is 1 BC), which every DateStyle reads.
struct YearText {
    long long year;
    const char* era;
};

YearText year_text(int year) {
    if (year >= 1)
        return {year, ""};
    return {1 - static_cast<long long>(year), " BC"};
}

}  // namespace

std::optional<PartitionStep> parse_partition_step(std::string_view text) {
    for (PartitionStep step : {PartitionStep::daily, PartitionStep::weekly, PartitionStep::monthly,
                               PartitionStep::quarterly, PartitionStep::yearly}) {
        if (text == step_name(step))
            return step;
    }
    return std::nullopt;
}

const char* step_name(PartitionStep step) {
    switch (step) {
        case PartitionStep::daily:
            return "daily";
        case PartitionStep::weekly:
            return "weekly";
        case PartitionStep::monthly:
            return "monthly";
        case PartitionStep::quarterly:
            return "quarterly";
        case PartitionStep::yearly:
            return "yearly";
    }
    return "?";
}

std::int32_t days_from_civil(CivilDate date) {
    return clamp_day(days_from_civil64(date.year, date.month, date.day));
}

CivilDate civil_from_days(std::int32_t days) {
    // Hinnant's civil_from_days.
    const std::int64_t z = static_cast<std::int64_t>(days) + unix_to_pg_days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;                                  // [0, 146096]
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           // [0, 365]
    const std::int64_t mp = (5 * doy + 2) / 153;                                // [0, 11]
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;                        // [1, 31]
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;                           // [1, 12]
    const std::int64_t y = yoe + era * 400 + (m <= 2);
    return CivilDate{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

Period period_containing(PartitionStep step, std::int32_t day) {
    const CivilDate c = civil_from_days(day);
    switch (step) {
        case PartitionStep::daily:
            return clamped_period(day, static_cast<std::int64_t>(day) + 1);
        case PartitionStep::weekly: {
            const std::int64_t monday = monday_of(day);
            return clamped_period(monday, monday + 7);
        }
        case PartitionStep::monthly:
            return clamped_period(days_from_civil64(c.year, c.month, 1),
                                  c.month == 12 ? days_from_civil64(c.year + 1LL, 1, 1)
                                                : days_from_civil64(c.year, c.month + 1, 1));
        case PartitionStep::quarterly: {
            const int first_month = (c.month - 1) / 3 * 3 + 1;
            return clamped_period(days_from_civil64(c.year, first_month, 1),
                                  first_month == 10 ? days_from_civil64(c.year + 1LL, 1, 1)
                                                    : days_from_civil64(c.year, first_month + 3, 1));
        }
        case PartitionStep::yearly:
            return clamped_period(days_from_civil64(c.year, 1, 1),
                                  days_from_civil64(c.year + 1LL, 1, 1));
    }
    return Period{day, day};
}

std::int64_t key_of_day(KeyKind kind, std::int32_t day, const TimeZone& zone) {
    if (kind == KeyKind::timestamptz)
        return zone.start_of_day(day);
    // Days beyond ±292,000 years do not fit in microseconds: saturate.
    std::int64_t key = 0;
    if (__builtin_mul_overflow(static_cast<std::int64_t>(day), micros_per_day, &key))
        return day < 0 ? int64_min : int64_max;
    return key;
}

String partition_suffix(PartitionStep step, const Period& period, Resource& resource) {
    const CivilDate c = civil_from_days(period.first_day);
    char buffer[64] = "";
    switch (step) {
        case PartitionStep::daily:
            std::snprintf(buffer, sizeof buffer, "_%04d_%02d_%02d", c.year, c.month, c.day);
            break;
        case PartitionStep::weekly: {
            // The ISO week-numbering year is the one holding the week's Thursday.
            const std::int64_t thursday = monday_of(period.first_day) + 3;
            const int iso_year = civil_from_days(clamp_day(thursday)).year;
            const std::int64_t week = (thursday - days_from_civil64(iso_year, 1, 1)) / 7 + 1;
            std::snprintf(buffer, sizeof buffer, "_%04d_w%02lld", iso_year,
                          static_cast<long long>(week));
            break;
        }
        case PartitionStep::monthly:
            std::snprintf(buffer, sizeof buffer, "_%04d_%02d", c.year, c.month);
            break;
        case PartitionStep::quarterly:
            std::snprintf(buffer, sizeof buffer, "_%04d_q%d", c.year, (c.month - 1) / 3 + 1);
            break;
        case PartitionStep::yearly:
            std::snprintf(buffer, sizeof buffer, "_%04d", c.year);
            break;
    }
    return String(buffer, &resource);
}

String partition_name(std::string_view parent, PartitionStep step, const Period& period,
                      NameClipper clip, Resource& resource, std::string_view piece) {
    String suffix = partition_suffix(step, period, resource);
    suffix.append(piece.data(), piece.size());
    std::size_t keep = parent.size();
    if (parent.size() + suffix.size() > max_name_bytes) {
        const std::size_t room = max_name_bytes > suffix.size() ? max_name_bytes - suffix.size() : 0;
        // min(): a clipper that answers more than it was allowed must not
        // push the name past the limit.
        keep = std::min(clip(parent, room), room);
    }
    String name(parent.data(), keep, &resource);
    name.append(suffix.data(), suffix.size());
    return name;
}

Vector<PlannedPartition> missing_partitions(const PartitionPlanRequest& request,
                                            const Vector<KeyRange>& existing,
                                            Resource& resource) {
    Vector<PlannedPartition> planned(&resource);
    const TimeZone& zone = *request.zone;
    const int premake = std::max(request.premake, 0);
    const std::int32_t today = zone.local_day(request.now);
    const std::int64_t today_key = key_of_day(request.kind, today, zone);
    Period period = period_containing(request.step, today);
    for (int i = 0; i <= premake; ++i) {
        if (i > 0) {
            const Period next = period_containing(request.step, period.end_day);
            if (next.first_day <= period.first_day)
                break;  // clamped at the end of the day range: nothing further exists
            period = next;
        }
        const KeyRange range{key_of_day(request.kind, period.first_day, zone),
                             key_of_day(request.kind, period.end_day, zone)};
        const Vector<KeyRange> pieces = uncovered(range, existing, resource);
        if (pieces.size() == 1 && pieces[0].lower == range.lower && pieces[0].upper == range.upper) {
            planned.push_back(PlannedPartition{
                period, range,
                partition_name(request.parent_name, request.step, period, request.clip, resource)});
            continue;
        }
        // Covered in part by partitions of an earlier step or time zone: the
        // rest is made so that no gap is left, as pieces numbered from "_2"
        // (the period's own name may be taken), and only what is still to
        // come: a gap in the past has had its rows go elsewhere already.
        int number = 2;
        for (const KeyRange& piece : pieces) {
            if (piece.upper <= today_key)
                continue;
            const std::string suffix = "_" + std::to_string(number);
            planned.push_back(PlannedPartition{
                period, piece,
                partition_name(request.parent_name, request.step, period, request.clip, resource,
                               suffix),
                number});
            ++number;
        }
    }
    return planned;
}

Vector<std::size_t> expired_partitions(const Vector<KeyRange>& existing, std::int64_t cutoff,
                                       Resource& resource) {
    Vector<std::size_t> expired(&resource);
    for (std::size_t i = 0; i < existing.size(); ++i) {
        // An upper bound of MAXVALUE holds every future row: never retire it.
        if (existing[i].upper <= cutoff && existing[i].upper != int64_max)
            expired.push_back(i);
    }
    return expired;
}

String key_literal(KeyKind kind, std::int64_t value, Resource& resource) {
    // Remainder taken directly rather than as value - day * micros_per_day,
    // which would overflow at INT64_MIN.
    std::int64_t day = value / micros_per_day;
    std::int64_t time = value % micros_per_day;
    if (time < 0) {
        --day;
        time += micros_per_day;
    }
    if (kind == KeyKind::date)
        time = 0;
    const CivilDate c = civil_from_days(clamp_day(day));
    const YearText year = year_text(c.year);

    char buffer[128];
    if (kind == KeyKind::date) {
        std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02d%s", year.year, c.month, c.day,
                      year.era);
        return String(buffer, &resource);
    }
    const auto seconds = static_cast<int>(time / 1'000'000);
    const auto micros = static_cast<int>(time % 1'000'000);
    char fraction[16] = "";
    if (micros != 0)
        std::snprintf(fraction, sizeof fraction, ".%06d", micros);
    // PostgreSQL puts the era after the zone: "0001-12-31 23:00:00+00 BC".
    std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02d %02d:%02d:%02d%s%s%s", year.year,
                  c.month, c.day, seconds / 3600, seconds / 60 % 60, seconds % 60, fraction,
                  kind == KeyKind::timestamptz ? "+00" : "", year.era);
    return String(buffer, &resource);
}

}  // namespace hastecrm_perf
