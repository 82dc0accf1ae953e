// The partition calendar: which time ranges a RANGE-partitioned table needs,
// what each partition is called, and which ones retention retires.
//
// Bounds fall on local midnights of the configured time zone. Days are counted
// from 2000-01-01 (PostgreSQL's date epoch) and instants in microseconds since
// 2000-01-01 00:00 UTC (PostgreSQL's timestamp representation), so the shell
// converts nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

enum class PartitionStep { daily, weekly, monthly, quarterly, yearly };

// "daily" … "yearly", exactly (case-sensitive, as SPEC spells them).
std::optional<PartitionStep> parse_partition_step(std::string_view text);
const char* step_name(PartitionStep step);

struct CivilDate {
    int year;
    int month;  // 1..12
    int day;    // 1..31
};

// Proleptic Gregorian calendar, days since 2000-01-01.
std::int32_t days_from_civil(CivilDate date);
CivilDate civil_from_days(std::int32_t days);

inline constexpr std::int64_t micros_per_day = 86'400'000'000;

// The zone bounds are computed in. The shell implements it on PostgreSQL's own
// time zone library (libstdc++ 12 has no tz database); tests implement it with
// fixed rules.
class TimeZone {
public:
    virtual ~TimeZone() = default;
    // The instant local `day` begins: its midnight, or, when midnight falls in
    // a daylight-saving gap, the first instant of that day.
    virtual std::int64_t start_of_day(std::int32_t day) const = 0;
    // The local day that contains `instant`.
    virtual std::int32_t local_day(std::int64_t instant) const = 0;
};

// The type of the partition key column; it decides what a bound value means.
enum class KeyKind {
    date,         // a day; values are still carried as day * micros_per_day
    timestamp,    // local wall-clock time of the zone
    timestamptz,  // an instant
};

// [lower, upper) in key units (see KeyKind). MINVALUE and MAXVALUE bounds are
// carried as the int64 limits.
struct KeyRange {
    std::int64_t lower;
    std::int64_t upper;
};

// One step of the calendar: local days [first_day, end_day).
struct Period {
    std::int32_t first_day;
    std::int32_t end_day;
};

Period period_containing(PartitionStep step, std::int32_t day);
// Key value at which local `day` begins, for a key of `kind`.
std::int64_t key_of_day(KeyKind kind, std::int32_t day, const TimeZone& zone);

// How many bytes of `name` to keep so that it fits in `max_bytes` without
// cutting a character; the shell passes the server encoding's clipper.
using NameClipper = std::size_t (*)(std::string_view name, std::size_t max_bytes);

// "_2026_11_27", "_2026_w48" (ISO week-numbering year and week), "_2026_11",
// "_2026_q4", "_2026".
String partition_suffix(PartitionStep step, const Period& period, Resource& resource);
// <parent><suffix><piece>, the parent name clipped so that the whole fits in
// 63 bytes. `piece` ("_2") tells apart two partitions of one period.
String partition_name(std::string_view parent, PartitionStep step, const Period& period,
                      NameClipper clip, Resource& resource, std::string_view piece = {});

struct PlannedPartition {
    Period period;
    KeyRange range;
    String name;
    int piece = 0;  // 0: the whole period; 2, 3...: a piece of it, named "<name>_<piece>"
};

struct PartitionPlanRequest {
    PartitionStep step;
    KeyKind kind;
    const TimeZone* zone;
    std::int64_t now;  // instant
    int premake;       // periods after the one holding now
    std::string_view parent_name;
    NameClipper clip;
};

// The period holding `now` and `premake` after it, oldest first, less what
// existing partitions already cover (a partition made by hand, or by an
// earlier step or time zone, wins). A period covered in part yields the
// uncovered pieces that end after today began, named "<name>_2", "_3"...,
// so that no gap is left ahead.
Vector<PlannedPartition> missing_partitions(const PartitionPlanRequest& request,
                                            const Vector<KeyRange>& existing,
                                            Resource& resource);

// Indexes into `existing` of the partitions whose whole range lies before
// `cutoff` (upper <= cutoff); MINVALUE-to-x partitions included, x-to-MAXVALUE
// never.
Vector<std::size_t> expired_partitions(const Vector<KeyRange>& existing, std::int64_t cutoff,
                                       Resource& resource);

// A key value as a PostgreSQL literal that reads the same under any DateStyle
// and TimeZone: "2026-11-27", "2026-11-27 00:00:00", "2026-11-26 23:00:00+00".
String key_literal(KeyKind kind, std::int64_t value, Resource& resource);

}  // namespace hastecrm_perf
