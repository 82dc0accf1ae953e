#include "core/partition_calendar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;

constexpr std::int64_t min_key = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t max_key = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t hour = 3'600'000'000;

std::string str(const String& s) {
    return std::string(s.data(), s.size());
}

std::int32_t day(int y, int m, int d) {
    return days_from_civil(CivilDate{y, m, d});
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - (a % b != 0 && (a % b < 0) != (b < 0));
}

// Independent of the code under test: the Gregorian leap rule spelled out.
bool is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int month_length(int y, int m) {
    static const int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : lengths[m - 1];
}

// 2000-01-03 (day 2) was a Monday.
bool is_monday(std::int32_t d) {
    return (static_cast<std::int64_t>(d) - 2) % 7 == 0;
}

// ---- time zones for tests -------------------------------------------------

class FixedZone final : public TimeZone {
public:
    explicit FixedZone(std::int64_t offset) : offset_(offset) {}
    std::int64_t start_of_day(std::int32_t d) const override {
        return static_cast<std::int64_t>(d) * micros_per_day - offset_;
    }
    std::int32_t local_day(std::int64_t instant) const override {
        return static_cast<std::int32_t>(floor_div(instant + offset_, micros_per_day));
    }

private:
    std::int64_t offset_;
};

const FixedZone utc(0);

// One daylight-saving period a year, between two UTC instants a rule gives
// per year; when start > end the period wraps the year end (southern
// hemisphere).
class RuleZone final : public TimeZone {
public:
    using Transition = std::int64_t (*)(int year);

    RuleZone(std::int64_t standard, std::int64_t daylight, Transition dst_start, Transition dst_end)
        : standard_(standard), daylight_(daylight), dst_start_(dst_start), dst_end_(dst_end) {}

    std::int64_t offset_at(std::int64_t instant) const {
        const int year = civil_from_days(static_cast<std::int32_t>(floor_div(instant, micros_per_day))).year;
        const std::int64_t start = dst_start_(year);
        const std::int64_t end = dst_end_(year);
        const bool dst = start < end ? instant >= start && instant < end
                                     : instant >= start || instant < end;
        return dst ? daylight_ : standard_;
    }

    std::int32_t local_day(std::int64_t instant) const override {
        return static_cast<std::int32_t>(floor_div(instant + offset_at(instant), micros_per_day));
    }

    // The first instant whose local day is `d`: a binary search, which finds
    // midnight, or the end of the gap when midnight is skipped.
    std::int64_t start_of_day(std::int32_t d) const override {
        std::int64_t lo = static_cast<std::int64_t>(d) * micros_per_day - 26 * hour;  // before d
        std::int64_t hi = static_cast<std::int64_t>(d) * micros_per_day + 26 * hour;  // in or after d
        while (hi - lo > 1) {
            const std::int64_t mid = lo + (hi - lo) / 2;
            (local_day(mid) >= d ? hi : lo) = mid;
        }
        return hi;
    }

private:
    std::int64_t standard_;
    std::int64_t daylight_;
    Transition dst_start_;
    Transition dst_end_;
};

std::int32_t last_sunday(int year, int month) {
    const std::int32_t last = day(year, month, month_length(year, month));
    return last - static_cast<std::int32_t>(((static_cast<std::int64_t>(last) - 1) % 7 + 7) % 7);
}

std::int32_t first_sunday(int year, int month) {
    const std::int32_t first = day(year, month, 1);
    return first + static_cast<std::int32_t>(((1 - static_cast<std::int64_t>(first)) % 7 + 7) % 7);
}

// EU rules: UTC+1, UTC+2 from the last Sunday of March to the last Sunday of
// October, both at 01:00 UTC.
const RuleZone berlin(
    1 * hour, 2 * hour,
    [](int y) { return static_cast<std::int64_t>(last_sunday(y, 3)) * micros_per_day + hour; },
    [](int y) { return static_cast<std::int64_t>(last_sunday(y, 10)) * micros_per_day + hour; });

// Chile-like rules, DST gap at midnight: UTC-4, UTC-3 from the first Sunday of
// September 04:00 UTC (local 00:00 becomes 01:00) to the first Sunday of April
// 03:00 UTC (local Saturday 24:00 becomes 23:00).
const RuleZone santiago(
    -4 * hour, -3 * hour,
    [](int y) { return static_cast<std::int64_t>(first_sunday(y, 9)) * micros_per_day + 4 * hour; },
    [](int y) { return static_cast<std::int64_t>(first_sunday(y, 4)) * micros_per_day + 3 * hour; });

std::size_t byte_clip(std::string_view name, std::size_t max_bytes) {
    return std::min(name.size(), max_bytes);
}

std::size_t utf8_clip(std::string_view name, std::size_t max_bytes) {
    if (name.size() <= max_bytes)
        return name.size();
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80)
        --end;
    return end;
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                              : (c & 0xF8) == 0xF0                ? 4
                                                                  : 0;
        if (n == 0 || i + n > s.size())
            return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
                return false;
        }
        i += n;
    }
    return true;
}

std::string suffix(PartitionStep step, std::int32_t d) {
    return str(partition_suffix(step, period_containing(step, d), heap));
}

std::string weekly(int y, int m, int d) {
    return suffix(PartitionStep::weekly, day(y, m, d));
}

// ---- steps ----------------------------------------------------------------

TEST(PartitionCalendar, ParsesExactlyTheFiveStepNames) {
    for (PartitionStep step : {PartitionStep::daily, PartitionStep::weekly, PartitionStep::monthly,
                               PartitionStep::quarterly, PartitionStep::yearly}) {
        EXPECT_EQ(parse_partition_step(step_name(step)), step);
    }
    EXPECT_EQ(parse_partition_step("daily"), PartitionStep::daily);
    EXPECT_EQ(parse_partition_step("quarterly"), PartitionStep::quarterly);
    EXPECT_FALSE(parse_partition_step("Daily"));
    EXPECT_FALSE(parse_partition_step(" daily"));
    EXPECT_FALSE(parse_partition_step("day"));
    EXPECT_FALSE(parse_partition_step("hourly"));
    EXPECT_FALSE(parse_partition_step(""));
}

// ---- civil calendar -------------------------------------------------------

TEST(PartitionCalendar, KnownDayNumbers) {
    EXPECT_EQ(day(2000, 1, 1), 0);
    EXPECT_EQ(day(1999, 12, 31), -1);
    EXPECT_EQ(day(2000, 3, 1), 60);  // 2000 is a leap year
    EXPECT_EQ(day(1970, 1, 1), -10957);
    EXPECT_EQ(day(1900, 1, 1), -36524);
    EXPECT_EQ(day(1600, 3, 1), -146037);
    EXPECT_EQ(day(1, 1, 1), -730119);
    EXPECT_EQ(day(9999, 12, 31), 2921939);
    EXPECT_EQ(day(2026, 11, 27), 9827);
    // Weekday facts: 2026-11-27 was a Friday, as was 2000-01-07 (day 6).
    EXPECT_EQ((day(2026, 11, 27) - 6) % 7, 0);
    EXPECT_TRUE(is_monday(day(1900, 1, 1)));
    EXPECT_TRUE(is_monday(day(2024, 12, 30)));
}

TEST(PartitionCalendar, CivilRoundTripEveryDayFrom1900To2200) {
    CivilDate c{1900, 1, 1};
    std::int32_t d = day(1900, 1, 1);
    int mismatches = 0;
    while (c.year <= 2200) {
        const CivilDate back = civil_from_days(d);
        if (back.year != c.year || back.month != c.month || back.day != c.day ||
            days_from_civil(c) != d) {
            if (++mismatches <= 5)
                ADD_FAILURE() << "day " << d << " vs " << c.year << '-' << c.month << '-' << c.day;
        }
        ++d;
        if (++c.day > month_length(c.year, c.month)) {
            c.day = 1;
            if (++c.month > 12) {
                c.month = 1;
                ++c.year;
            }
        }
    }
    EXPECT_EQ(mismatches, 0);
    EXPECT_EQ(d, day(2201, 1, 1));
    EXPECT_EQ(d - day(1900, 1, 1), 109'938);  // 301 years, 73 leap (1900, 2100, 2200 are not)
}

TEST(PartitionCalendar, CivilRoundTripFarFromTheEpoch) {
    int mismatches = 0;
    for (std::int64_t d = -5'000'000; d <= 5'000'000; d += 997) {
        const auto d32 = static_cast<std::int32_t>(d);
        if (days_from_civil(civil_from_days(d32)) != d32)
            ++mismatches;
    }
    EXPECT_EQ(mismatches, 0);
    for (std::int32_t d : {std::numeric_limits<std::int32_t>::min(),
                           std::numeric_limits<std::int32_t>::max()}) {
        EXPECT_EQ(days_from_civil(civil_from_days(d)), d);
    }
    const CivilDate bc = civil_from_days(day(1, 1, 1) - 1);
    EXPECT_EQ(bc.year, 0);  // proleptic: year 0 is 1 BC
    EXPECT_EQ(bc.month, 12);
    EXPECT_EQ(bc.day, 31);
}

// ---- periods --------------------------------------------------------------

TEST(PartitionCalendar, PeriodsTileTheCalendarForEveryStep) {
    for (PartitionStep step : {PartitionStep::daily, PartitionStep::weekly, PartitionStep::monthly,
                               PartitionStep::quarterly, PartitionStep::yearly}) {
        const std::int32_t last = day(2031, 1, 1);
        Period p = period_containing(step, day(1998, 6, 15));
        while (p.first_day < last) {
            ASSERT_LT(p.first_day, p.end_day) << step_name(step);
            for (std::int32_t d = p.first_day; d < p.end_day; ++d) {
                const Period q = period_containing(step, d);
                ASSERT_EQ(q.first_day, p.first_day) << step_name(step) << " day " << d;
                ASSERT_EQ(q.end_day, p.end_day) << step_name(step) << " day " << d;
            }
            const Period next = period_containing(step, p.end_day);
            ASSERT_EQ(next.first_day, p.end_day) << step_name(step);
            p = next;
        }
    }
}

TEST(PartitionCalendar, DailyPeriodIsTheDay) {
    const Period p = period_containing(PartitionStep::daily, day(2026, 11, 27));
    EXPECT_EQ(p.first_day, day(2026, 11, 27));
    EXPECT_EQ(p.end_day, day(2026, 11, 28));
    EXPECT_EQ(suffix(PartitionStep::daily, day(2026, 11, 27)), "_2026_11_27");
    EXPECT_EQ(suffix(PartitionStep::daily, day(1999, 1, 5)), "_1999_01_05");
    EXPECT_EQ(suffix(PartitionStep::daily, day(999, 1, 5)), "_0999_01_05");
}

TEST(PartitionCalendar, WeeksRunMondayToSunday) {
    for (std::int32_t d = day(2019, 1, 1); d < day(2034, 1, 1); ++d) {
        const Period p = period_containing(PartitionStep::weekly, d);
        ASSERT_TRUE(is_monday(p.first_day)) << d;
        ASSERT_EQ(p.end_day - p.first_day, 7) << d;
        ASSERT_LE(p.first_day, d);
        ASSERT_LT(d, p.end_day);
    }
    // 2026-11-27 is a Friday: its week starts Monday 23rd.
    const Period p = period_containing(PartitionStep::weekly, day(2026, 11, 27));
    EXPECT_EQ(p.first_day, day(2026, 11, 23));
    EXPECT_EQ(p.end_day, day(2026, 11, 30));
    // Before 2000, where the weekday needs floor arithmetic.
    const Period old = period_containing(PartitionStep::weekly, day(1999, 12, 31));
    EXPECT_EQ(old.first_day, day(1999, 12, 27));
    EXPECT_EQ(weekly(1999, 12, 31), "_1999_w52");
}

TEST(PartitionCalendar, IsoWeekNamesAcrossYearEnds) {
    EXPECT_EQ(weekly(2026, 11, 27), "_2026_w48");
    EXPECT_EQ(weekly(2026, 1, 1), "_2026_w01");
    EXPECT_EQ(weekly(2026, 12, 31), "_2026_w53");
    EXPECT_EQ(weekly(2027, 1, 1), "_2026_w53");
    EXPECT_EQ(weekly(2027, 1, 3), "_2026_w53");
    EXPECT_EQ(weekly(2027, 1, 4), "_2027_w01");
    EXPECT_EQ(weekly(2024, 12, 29), "_2024_w52");
    EXPECT_EQ(weekly(2024, 12, 30), "_2025_w01");
    EXPECT_EQ(weekly(2021, 1, 3), "_2020_w53");
    EXPECT_EQ(weekly(2021, 1, 4), "_2021_w01");
}

TEST(PartitionCalendar, OnlyLongIsoYearsHaveAWeek53) {
    const std::vector<int> long_years{2015, 2020, 2026, 2032, 2037, 2043};
    for (int y = 2010; y < 2045; ++y) {
        // 28 December always lies in the last ISO week of its year.
        const bool is_long =
            std::find(long_years.begin(), long_years.end(), y) != long_years.end();
        const std::string expected = "_" + std::to_string(y) + (is_long ? "_w53" : "_w52");
        EXPECT_EQ(weekly(y, 12, 28), expected);
    }
}

TEST(PartitionCalendar, MonthsFollowTheLeapRule) {
    auto month = [](int y, int m) { return period_containing(PartitionStep::monthly, day(y, m, 15)); };
    EXPECT_EQ(month(2024, 2).first_day, day(2024, 2, 1));
    EXPECT_EQ(month(2024, 2).end_day, day(2024, 3, 1));
    EXPECT_EQ(month(2024, 2).end_day - month(2024, 2).first_day, 29);
    EXPECT_EQ(month(2023, 2).end_day - month(2023, 2).first_day, 28);
    EXPECT_EQ(month(2100, 2).end_day - month(2100, 2).first_day, 28);
    EXPECT_EQ(month(2000, 2).end_day - month(2000, 2).first_day, 29);
    EXPECT_EQ(period_containing(PartitionStep::monthly, day(2024, 2, 29)).first_day, day(2024, 2, 1));
    EXPECT_EQ(month(2026, 12).end_day, day(2027, 1, 1));
    EXPECT_EQ(period_containing(PartitionStep::monthly, day(1999, 12, 31)).first_day,
              day(1999, 12, 1));
    EXPECT_EQ(suffix(PartitionStep::monthly, day(2026, 11, 27)), "_2026_11");
    EXPECT_EQ(suffix(PartitionStep::monthly, day(2026, 1, 31)), "_2026_01");
}

TEST(PartitionCalendar, QuartersStartInJanuaryAprilJulyOctober) {
    auto quarter = [](int y, int m, int d) { return period_containing(PartitionStep::quarterly, day(y, m, d)); };
    EXPECT_EQ(quarter(2026, 11, 27).first_day, day(2026, 10, 1));
    EXPECT_EQ(quarter(2026, 11, 27).end_day, day(2027, 1, 1));
    EXPECT_EQ(quarter(2026, 3, 31).first_day, day(2026, 1, 1));
    EXPECT_EQ(quarter(2026, 3, 31).end_day, day(2026, 4, 1));
    EXPECT_EQ(quarter(2026, 4, 1).first_day, day(2026, 4, 1));
    EXPECT_EQ(quarter(2026, 9, 30).first_day, day(2026, 7, 1));
    EXPECT_EQ(quarter(2024, 2, 29).end_day - quarter(2024, 2, 29).first_day, 91);  // leap Q1
    EXPECT_EQ(quarter(2026, 2, 1).end_day - quarter(2026, 2, 1).first_day, 90);
    EXPECT_EQ(suffix(PartitionStep::quarterly, day(2026, 1, 1)), "_2026_q1");
    EXPECT_EQ(suffix(PartitionStep::quarterly, day(2026, 6, 30)), "_2026_q2");
    EXPECT_EQ(suffix(PartitionStep::quarterly, day(2026, 7, 1)), "_2026_q3");
    EXPECT_EQ(suffix(PartitionStep::quarterly, day(2026, 12, 31)), "_2026_q4");
}

TEST(PartitionCalendar, YearsAreCalendarYears) {
    auto year = [](int y) { return period_containing(PartitionStep::yearly, day(y, 7, 4)); };
    EXPECT_EQ(year(2026).first_day, day(2026, 1, 1));
    EXPECT_EQ(year(2026).end_day, day(2027, 1, 1));
    EXPECT_EQ(year(2024).end_day - year(2024).first_day, 366);
    EXPECT_EQ(year(2000).end_day - year(2000).first_day, 366);
    EXPECT_EQ(year(2100).end_day - year(2100).first_day, 365);
    EXPECT_EQ(suffix(PartitionStep::yearly, day(2026, 12, 31)), "_2026");
    EXPECT_EQ(suffix(PartitionStep::yearly, day(812, 3, 3)), "_0812");
}

// ---- keys and time zones --------------------------------------------------

TEST(PartitionCalendar, DateAndTimestampKeysAreWholeDays) {
    const std::int32_t d = day(2026, 3, 29);  // a DST day in Berlin: irrelevant here
    EXPECT_EQ(key_of_day(KeyKind::date, d, berlin), std::int64_t{d} * micros_per_day);
    EXPECT_EQ(key_of_day(KeyKind::timestamp, d, berlin), std::int64_t{d} * micros_per_day);
    EXPECT_EQ(key_of_day(KeyKind::date, -1, utc), -micros_per_day);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, d, utc), std::int64_t{d} * micros_per_day);
}

TEST(PartitionCalendar, BerlinDaysStartAtLocalMidnight) {
    // Values from the IANA database (Python zoneinfo), not from this code.
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 3, 28), berlin), 827967600000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 3, 29), berlin), 828054000000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 3, 30), berlin), 828136800000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 10, 25), berlin), 846194400000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 10, 26), berlin), 846284400000000);
    EXPECT_EQ(str(key_literal(KeyKind::timestamptz,
                              key_of_day(KeyKind::timestamptz, day(2026, 3, 29), berlin), heap)),
              "2026-03-28 23:00:00+00");
    EXPECT_EQ(str(key_literal(KeyKind::timestamptz,
                              key_of_day(KeyKind::timestamptz, day(2026, 10, 26), berlin), heap)),
              "2026-10-25 23:00:00+00");
}

// Daily timestamptz partitions from `first` for `count` days in `zone`, with
// nothing existing.
Vector<PlannedPartition> daily_plan(const TimeZone& zone, std::int32_t first, int count,
                                    PartitionStep step = PartitionStep::daily) {
    const PartitionPlanRequest request{step, KeyKind::timestamptz, &zone,
                                       zone.start_of_day(first) + 12 * hour, count - 1, "events",
                                       byte_clip};
    return missing_partitions(request, Vector<KeyRange>(&heap), heap);
}

void expect_contiguous_local_days(const Vector<PlannedPartition>& plan, const TimeZone& zone) {
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const PlannedPartition& p = plan[i];
        EXPECT_LT(p.range.lower, p.range.upper);
        EXPECT_EQ(p.range.lower, zone.start_of_day(p.period.first_day));
        EXPECT_EQ(zone.local_day(p.range.lower), p.period.first_day);
        EXPECT_EQ(zone.local_day(p.range.lower - 1), p.period.first_day - 1);
        EXPECT_EQ(zone.local_day(p.range.upper - 1), p.period.end_day - 1);
        if (i > 0) {
            EXPECT_EQ(plan[i - 1].range.upper, p.range.lower) << "gap or overlap before " << i;
            EXPECT_EQ(plan[i - 1].period.end_day, p.period.first_day);
        }
    }
}

TEST(PartitionCalendar, BerlinSpringForwardDayIs23Hours) {
    const auto plan = daily_plan(berlin, day(2026, 3, 27), 5);
    ASSERT_EQ(plan.size(), 5u);
    expect_contiguous_local_days(plan, berlin);
    EXPECT_EQ(plan[0].range.upper - plan[0].range.lower, 24 * hour);
    EXPECT_EQ(plan[1].range.upper - plan[1].range.lower, 24 * hour);  // 28th
    EXPECT_EQ(plan[2].range.upper - plan[2].range.lower, 23 * hour);  // 29th
    EXPECT_EQ(plan[3].range.upper - plan[3].range.lower, 24 * hour);
    EXPECT_EQ(plan[2].range.lower, 828054000000000);  // 2026-03-28 23:00 UTC
    EXPECT_EQ(plan[3].range.lower, 828136800000000);  // 2026-03-29 22:00 UTC
    EXPECT_EQ(str(plan[2].name), "events_2026_03_29");
}

TEST(PartitionCalendar, BerlinFallBackDayIs25Hours) {
    const auto plan = daily_plan(berlin, day(2026, 10, 24), 3);
    ASSERT_EQ(plan.size(), 3u);
    expect_contiguous_local_days(plan, berlin);
    EXPECT_EQ(plan[0].range.upper - plan[0].range.lower, 24 * hour);
    EXPECT_EQ(plan[1].range.upper - plan[1].range.lower, 25 * hour);  // 25th
    EXPECT_EQ(plan[2].range.upper - plan[2].range.lower, 24 * hour);
    EXPECT_EQ(plan[1].range.lower, 846194400000000);  // 2026-10-24 22:00 UTC
    EXPECT_EQ(plan[1].range.upper, 846284400000000);  // 2026-10-25 23:00 UTC
}

TEST(PartitionCalendar, BerlinWeekAndMonthSpanTheTransition) {
    const auto weeks = daily_plan(berlin, day(2026, 3, 23), 2, PartitionStep::weekly);
    ASSERT_EQ(weeks.size(), 2u);
    expect_contiguous_local_days(weeks, berlin);
    EXPECT_EQ(weeks[0].range.upper - weeks[0].range.lower, 7 * 24 * hour - hour);
    EXPECT_EQ(weeks[1].range.upper - weeks[1].range.lower, 7 * 24 * hour);
    const auto months = daily_plan(berlin, day(2026, 10, 1), 2, PartitionStep::monthly);
    ASSERT_EQ(months.size(), 2u);
    expect_contiguous_local_days(months, berlin);
    EXPECT_EQ(months[0].range.upper - months[0].range.lower, 31 * 24 * hour + hour);
    EXPECT_EQ(str(months[0].name), "events_2026_10");
}

TEST(PartitionCalendar, MidnightGapDayStartsWhenTheClockResumes) {
    // 2026-09-06 00:00 local does not exist in Santiago: the day begins at
    // 01:00 local, 04:00 UTC (IANA database values).
    EXPECT_EQ(santiago.start_of_day(day(2026, 9, 6)), 841982400000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 9, 5), santiago), 841896000000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 9, 6), santiago), 841982400000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 9, 7), santiago), 842065200000000);

    const auto plan = daily_plan(santiago, day(2026, 9, 3), 7);
    ASSERT_EQ(plan.size(), 7u);
    expect_contiguous_local_days(plan, santiago);
    for (const auto& p : plan) {
        const std::int64_t expected = p.period.first_day == day(2026, 9, 6) ? 23 * hour : 24 * hour;
        EXPECT_EQ(p.range.upper - p.range.lower, expected) << p.period.first_day;
    }
    EXPECT_EQ(str(key_literal(KeyKind::timestamptz, plan[3].range.lower, heap)),
              "2026-09-06 04:00:00+00");
}

TEST(PartitionCalendar, MidnightFallBackLengthensTheDayBefore) {
    // Santiago 2026-04-05: Saturday 24:00 becomes 23:00, so Saturday has 25 hours.
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 4, 4), santiago), 828586800000000);
    EXPECT_EQ(key_of_day(KeyKind::timestamptz, day(2026, 4, 5), santiago), 828676800000000);
    const auto plan = daily_plan(santiago, day(2026, 4, 3), 4);
    ASSERT_EQ(plan.size(), 4u);
    expect_contiguous_local_days(plan, santiago);
    EXPECT_EQ(plan[1].range.upper - plan[1].range.lower, 25 * hour);
    EXPECT_EQ(plan[2].range.upper - plan[2].range.lower, 24 * hour);
    // The week holding both transitions' neighbourhood stays contiguous too.
    const auto weeks = daily_plan(santiago, day(2026, 8, 24), 3, PartitionStep::weekly);
    ASSERT_EQ(weeks.size(), 3u);
    expect_contiguous_local_days(weeks, santiago);
    EXPECT_EQ(weeks[1].range.lower, 841464000000000);  // Monday 2026-08-31 04:00 UTC
    EXPECT_EQ(weeks[1].range.upper - weeks[1].range.lower, 7 * 24 * hour - hour);
}

// ---- missing partitions ---------------------------------------------------

PartitionPlanRequest utc_daily(int premake, KeyKind kind = KeyKind::date) {
    // 2026-11-27 12:00 UTC.
    return PartitionPlanRequest{PartitionStep::daily, kind, &utc,
                                std::int64_t{day(2026, 11, 27)} * micros_per_day + 12 * hour,
                                premake, "events", byte_clip};
}

std::int64_t key(int y, int m, int d) {
    return std::int64_t{day(y, m, d)} * micros_per_day;
}

std::vector<std::string> names_of(const Vector<PlannedPartition>& plan) {
    std::vector<std::string> out;
    for (const auto& p : plan)
        out.push_back(str(p.name));
    return out;
}

Vector<KeyRange> ranges(std::initializer_list<KeyRange> list) {
    Vector<KeyRange> v(&heap);
    v.insert(v.end(), list.begin(), list.end());
    return v;
}

TEST(PartitionCalendar, PlansTheCurrentPeriodAndPremakeMoreOldestFirst) {
    const auto plan = missing_partitions(utc_daily(3), ranges({}), heap);
    EXPECT_EQ(names_of(plan), (std::vector<std::string>{"events_2026_11_27", "events_2026_11_28",
                                                        "events_2026_11_29", "events_2026_11_30"}));
    ASSERT_EQ(plan.size(), 4u);
    EXPECT_EQ(plan[0].period.first_day, day(2026, 11, 27));
    EXPECT_EQ(plan[0].range.lower, key(2026, 11, 27));
    EXPECT_EQ(plan[0].range.upper, key(2026, 11, 28));
    EXPECT_EQ(plan[3].range.upper, key(2026, 12, 1));
}

TEST(PartitionCalendar, PremakeZeroOrNegativeMeansOnlyTheCurrentPeriod) {
    EXPECT_EQ(names_of(missing_partitions(utc_daily(0), ranges({}), heap)),
              (std::vector<std::string>{"events_2026_11_27"}));
    EXPECT_EQ(names_of(missing_partitions(utc_daily(-7), ranges({}), heap)),
              (std::vector<std::string>{"events_2026_11_27"}));
}

TEST(PartitionCalendar, PremakeCountsPeriodsOfTheStep) {
    PartitionPlanRequest request = utc_daily(2);
    request.step = PartitionStep::quarterly;
    EXPECT_EQ(names_of(missing_partitions(request, ranges({}), heap)),
              (std::vector<std::string>{"events_2026_q4", "events_2027_q1", "events_2027_q2"}));
    request.step = PartitionStep::weekly;
    EXPECT_EQ(names_of(missing_partitions(request, ranges({}), heap)),
              (std::vector<std::string>{"events_2026_w48", "events_2026_w49", "events_2026_w50"}));
}

TEST(PartitionCalendar, TodayIsTheZonesLocalDay) {
    // 2026-11-26 23:30 UTC is already the 27th in Berlin.
    const PartitionPlanRequest request{PartitionStep::daily, KeyKind::timestamptz, &berlin,
                                       key(2026, 11, 26) + 23 * hour + hour / 2, 0, "events",
                                       byte_clip};
    const auto plan = missing_partitions(request, ranges({}), heap);
    ASSERT_EQ(plan.size(), 1u);
    EXPECT_EQ(str(plan[0].name), "events_2026_11_27");
    EXPECT_EQ(plan[0].range.lower, key(2026, 11, 26) + 23 * hour);
    // The same instant in UTC is still the 26th.
    PartitionPlanRequest in_utc = request;
    in_utc.zone = &utc;
    EXPECT_EQ(names_of(missing_partitions(in_utc, ranges({}), heap)),
              (std::vector<std::string>{"events_2026_11_26"}));
}

TEST(PartitionCalendar, SkipsPeriodsThatOverlapExistingPartitions) {
    // Already made: the 28th exactly.
    EXPECT_EQ(names_of(missing_partitions(utc_daily(3), ranges({{key(2026, 11, 28), key(2026, 11, 29)}}),
                                          heap)),
              (std::vector<std::string>{"events_2026_11_27", "events_2026_11_29",
                                        "events_2026_11_30"}));
    // A partition ending exactly where the 27th starts touches it, no overlap.
    EXPECT_EQ(missing_partitions(utc_daily(0), ranges({{key(2026, 11, 26), key(2026, 11, 27)}}), heap)
                  .size(),
              1u);
    // One microsecond into the 27th: the rest of the 27th is still made.
    const auto rest =
        missing_partitions(utc_daily(0), ranges({{key(2026, 11, 26), key(2026, 11, 27) + 1}}), heap);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(str(rest[0].name), "events_2026_11_27_2");
    EXPECT_EQ(rest[0].range.lower, key(2026, 11, 27) + 1);
    EXPECT_EQ(rest[0].range.upper, key(2026, 11, 28));
}

TEST(PartitionCalendar, APeriodCoveredInPartLeavesNoGap) {
    // Monthly partitions made in UTC, then the zone moves nine hours east: the
    // local February starts on January 31st, 15:00 UTC, inside the UTC January.
    PartitionPlanRequest request = utc_daily(2, KeyKind::timestamptz);
    request.step = PartitionStep::monthly;
    const auto utc_made = missing_partitions(request, ranges({}), heap);
    ASSERT_EQ(names_of(utc_made),
              (std::vector<std::string>{"events_2026_11", "events_2026_12", "events_2027_01"}));
    Vector<KeyRange> existing(&heap);
    for (const auto& p : utc_made)
        existing.push_back(p.range);
    const std::int64_t nine_hours = 9 * hour;
    const std::int64_t mar_start_local = key(2027, 3, 1) - nine_hours;
    request.premake = 4;
    // The real planner with a fixed UTC+9 zone.
    struct FixedEast final : TimeZone {
        std::int64_t start_of_day(std::int32_t day) const override {
            return day * micros_per_day - 9 * 3600 * std::int64_t{1'000'000};
        }
        std::int32_t local_day(std::int64_t instant) const override {
            const std::int64_t local = instant + 9 * 3600 * std::int64_t{1'000'000};
            return static_cast<std::int32_t>(local / micros_per_day - (local % micros_per_day < 0));
        }
    } east;
    request.zone = &east;
    const auto filled = missing_partitions(request, existing, heap);
    // The local November began nine hours before the UTC one: that sliver is
    // past and stays a gap; December and January are covered; February
    // starts where the UTC January ends (no gap, no overlap), March is whole.
    ASSERT_EQ(names_of(filled), (std::vector<std::string>{"events_2027_02_2", "events_2027_03"}));
    EXPECT_EQ(filled[0].range.lower, key(2027, 2, 1));
    EXPECT_EQ(filled[0].range.upper, mar_start_local);
    EXPECT_EQ(filled[1].range.lower, mar_start_local);
}

TEST(PartitionCalendar, AHandMadePartitionInsideAPeriodSplitsIt) {
    PartitionPlanRequest request = utc_daily(0);
    request.step = PartitionStep::monthly;
    const auto plan = missing_partitions(
        request, ranges({{key(2026, 11, 10), key(2026, 11, 20)}}), heap);
    // Before the hand-made one lies the past; after it, the rest of the month.
    ASSERT_EQ(names_of(plan), (std::vector<std::string>{"events_2026_11_2"}));
    EXPECT_EQ(plan[0].range.lower, key(2026, 11, 20));
    EXPECT_EQ(plan[0].range.upper, key(2026, 12, 1));
}

TEST(PartitionCalendar, MinvalueAndMaxvalueBoundedPartitionsWin) {
    EXPECT_EQ(names_of(missing_partitions(utc_daily(3), ranges({{min_key, key(2026, 11, 28)}}), heap)),
              (std::vector<std::string>{"events_2026_11_28", "events_2026_11_29",
                                        "events_2026_11_30"}));
    EXPECT_EQ(names_of(missing_partitions(utc_daily(3), ranges({{key(2026, 11, 29), max_key}}), heap)),
              (std::vector<std::string>{"events_2026_11_27", "events_2026_11_28"}));
    EXPECT_TRUE(missing_partitions(utc_daily(3), ranges({{min_key, max_key}}), heap).empty());
}

TEST(PartitionCalendar, AHandMadeMonthlyPartitionCoversDailyPeriods) {
    PartitionPlanRequest request = utc_daily(4);
    request.now = key(2026, 11, 29) + hour;
    const auto plan =
        missing_partitions(request, ranges({{key(2026, 12, 1), key(2027, 1, 1)}}), heap);
    EXPECT_EQ(names_of(plan), (std::vector<std::string>{"events_2026_11_29", "events_2026_11_30"}));
}

TEST(PartitionCalendar, NothingMissingIsEmpty) {
    const auto first = missing_partitions(utc_daily(5, KeyKind::timestamp), ranges({}), heap);
    ASSERT_EQ(first.size(), 6u);
    Vector<KeyRange> existing(&heap);
    for (const auto& p : first)
        existing.push_back(p.range);
    EXPECT_TRUE(missing_partitions(utc_daily(5, KeyKind::timestamp), existing, heap).empty());
    // A day later, only the newest period is new.
    PartitionPlanRequest tomorrow = utc_daily(5, KeyKind::timestamp);
    tomorrow.now += micros_per_day;
    EXPECT_EQ(names_of(missing_partitions(tomorrow, existing, heap)),
              (std::vector<std::string>{"events_2026_12_03"}));
}

// ---- names ----------------------------------------------------------------

std::string name(std::string_view parent, PartitionStep step, NameClipper clip) {
    return str(partition_name(parent, step, period_containing(step, day(2026, 11, 27)), clip, heap));
}

TEST(PartitionCalendar, ShortNamesAreParentPlusSuffix) {
    EXPECT_EQ(name("events", PartitionStep::daily, byte_clip), "events_2026_11_27");
    EXPECT_EQ(name("events", PartitionStep::yearly, byte_clip), "events_2026");
    const std::string exact(52, 'p');  // 52 + 11 == 63: fits untouched
    EXPECT_EQ(name(exact, PartitionStep::daily, byte_clip), exact + "_2026_11_27");
}

TEST(PartitionCalendar, LongAsciiParentIsClippedSuffixKept) {
    const std::string parent(70, 'a');
    const std::string daily = name(parent, PartitionStep::daily, byte_clip);
    EXPECT_EQ(daily.size(), 63u);
    EXPECT_EQ(daily, std::string(52, 'a') + "_2026_11_27");
    const std::string weekly_name = name(std::string(53, 'b'), PartitionStep::weekly, byte_clip);
    EXPECT_EQ(weekly_name, std::string(53, 'b') + "_2026_w48");  // 62 bytes, fits
    EXPECT_EQ(name(std::string(60, 'c'), PartitionStep::weekly, byte_clip),
              std::string(54, 'c') + "_2026_w48");
}

TEST(PartitionCalendar, MultibyteParentIsClippedOnACharacterBoundary) {
    std::string parent;
    for (int i = 0; i < 40; ++i)
        parent += "\xC3\xA9";  // é, 2 bytes
    const std::string monthly = name(parent, PartitionStep::monthly, utf8_clip);
    // Room for 55 bytes of parent; 27 characters (54 bytes) fit.
    EXPECT_EQ(monthly, parent.substr(0, 54) + "_2026_11");
    EXPECT_LE(monthly.size(), 63u);
    EXPECT_TRUE(valid_utf8(monthly));

    std::string euros;
    for (int i = 0; i < 30; ++i)
        euros += "\xE2\x82\xAC";  // €, 3 bytes
    const std::string daily = name(euros, PartitionStep::daily, utf8_clip);
    EXPECT_EQ(daily, euros.substr(0, 51) + "_2026_11_27");  // room 52: 17 characters
    EXPECT_TRUE(valid_utf8(daily));
    EXPECT_LE(daily.size(), 63u);
}

TEST(PartitionCalendar, AGreedyClipperCannotOverflowTheLimit) {
    const NameClipper greedy = [](std::string_view name, std::size_t) { return name.size(); };
    const std::string n = name(std::string(100, 'x'), PartitionStep::daily, greedy);
    EXPECT_EQ(n.size(), 63u);
    EXPECT_EQ(n.substr(52), "_2026_11_27");
}

// ---- retention ------------------------------------------------------------

std::vector<std::size_t> expired(const Vector<KeyRange>& existing, std::int64_t cutoff) {
    const auto v = expired_partitions(existing, cutoff, heap);
    return {v.begin(), v.end()};
}

TEST(PartitionCalendar, ExpiresPartitionsWhollyBeforeTheCutoff) {
    const Vector<KeyRange> existing =
        ranges({{min_key, 100}, {100, 200}, {200, 201}, {201, max_key}, {min_key, max_key}});
    EXPECT_EQ(expired(existing, 99), (std::vector<std::size_t>{}));
    EXPECT_EQ(expired(existing, 100), (std::vector<std::size_t>{0}));
    EXPECT_EQ(expired(existing, 199), (std::vector<std::size_t>{0}));  // upper == cutoff + 1
    EXPECT_EQ(expired(existing, 200), (std::vector<std::size_t>{0, 1}));  // upper == cutoff
    EXPECT_EQ(expired(existing, 201), (std::vector<std::size_t>{0, 1, 2}));
    // MAXVALUE-bounded partitions never expire, whatever the cutoff.
    EXPECT_EQ(expired(existing, max_key), (std::vector<std::size_t>{0, 1, 2}));
    EXPECT_TRUE(expired(ranges({}), max_key).empty());
}

// ---- literals -------------------------------------------------------------

std::string literal(KeyKind kind, std::int64_t value) {
    return str(key_literal(kind, value, heap));
}

TEST(PartitionCalendar, DateLiterals) {
    EXPECT_EQ(literal(KeyKind::date, 0), "2000-01-01");
    EXPECT_EQ(literal(KeyKind::date, key(2026, 11, 27)), "2026-11-27");
    EXPECT_EQ(literal(KeyKind::date, -micros_per_day), "1999-12-31");
    EXPECT_EQ(literal(KeyKind::date, -1), "1999-12-31");  // floor, not truncation
    EXPECT_EQ(literal(KeyKind::date, key(812, 3, 4)), "0812-03-04");
    EXPECT_EQ(literal(KeyKind::date, key(1, 1, 1)), "0001-01-01");
    EXPECT_EQ(literal(KeyKind::date, key(1, 1, 1) - micros_per_day), "0001-12-31 BC");
    EXPECT_EQ(literal(KeyKind::date, key(9999, 12, 31) + micros_per_day), "10000-01-01");
}

TEST(PartitionCalendar, TimestampLiterals) {
    EXPECT_EQ(literal(KeyKind::timestamp, 0), "2000-01-01 00:00:00");
    EXPECT_EQ(literal(KeyKind::timestamp, key(2026, 11, 27)), "2026-11-27 00:00:00");
    EXPECT_EQ(literal(KeyKind::timestamp, key(2026, 11, 27) + 13 * hour + 5 * 60'000'000 + 9'000'000),
              "2026-11-27 13:05:09");
    EXPECT_EQ(literal(KeyKind::timestamp, 1'500'000), "2000-01-01 00:00:01.500000");
    EXPECT_EQ(literal(KeyKind::timestamp, 7), "2000-01-01 00:00:00.000007");
    EXPECT_EQ(literal(KeyKind::timestamp, -1), "1999-12-31 23:59:59.999999");
    EXPECT_EQ(literal(KeyKind::timestamp, -micros_per_day), "1999-12-31 00:00:00");
}

TEST(PartitionCalendar, TimestamptzLiteralsAreUtc) {
    EXPECT_EQ(literal(KeyKind::timestamptz, 0), "2000-01-01 00:00:00+00");
    EXPECT_EQ(literal(KeyKind::timestamptz, 828054000000000), "2026-03-28 23:00:00+00");
    EXPECT_EQ(literal(KeyKind::timestamptz, -hour), "1999-12-31 23:00:00+00");
    EXPECT_EQ(literal(KeyKind::timestamptz, 1), "2000-01-01 00:00:00.000001+00");
    EXPECT_EQ(literal(KeyKind::timestamptz, key(1, 1, 1) - hour), "0001-12-31 23:00:00+00 BC");
}

TEST(PartitionCalendar, ExtremeLiteralsDoNotCrash) {
    const std::string high = literal(KeyKind::timestamp, max_key);
    EXPECT_EQ(high.substr(high.size() - 16), " 04:00:54.775807");
    const std::string low = literal(KeyKind::timestamptz, min_key);
    EXPECT_EQ(low.substr(low.size() - 22), " 19:59:05.224192+00 BC");
    EXPECT_FALSE(literal(KeyKind::date, max_key).empty());
    EXPECT_FALSE(literal(KeyKind::date, min_key).empty());
}

}  // namespace
}  // namespace hastecrm_perf
