#include "core/html_report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/chart_scale.hpp"
#include "core/display_units.hpp"
#include "core/html_text.hpp"
#include "core/partition_calendar.hpp"
#include "core/svg_chart.hpp"
#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;

std::string escaped(std::string_view text) {
    String out(&heap);
    append_escaped(out, text);
    return std::string(out.data(), out.size());
}

std::string str(const String& s) { return std::string(s.data(), s.size()); }

// What no escaped text may contain: anything that ends an element, an
// attribute or a CDATA section, or opens a tag.
void expect_inert(const std::string& html) {
    EXPECT_EQ(html.find('<'), std::string::npos) << html;
    EXPECT_EQ(html.find('>'), std::string::npos) << html;
    EXPECT_EQ(html.find('"'), std::string::npos) << html;
    EXPECT_EQ(html.find('\''), std::string::npos) << html;
}

TEST(HtmlText, EscapesEverythingThatCouldEndAnElementOrAttribute) {
    EXPECT_EQ(escaped("SELECT '</script><script>alert(1)</script>'"),
              "SELECT &#39;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;");
    EXPECT_EQ(escaped("a\" onmouseover=\"x"), "a&quot; onmouseover=&quot;x");
    EXPECT_EQ(escaped("<svg onload=alert(1)>"), "&lt;svg onload=alert(1)&gt;");
    EXPECT_EQ(escaped("x ]]> y"), "x ]]&gt; y");
    EXPECT_EQ(escaped("&amp; stays text"), "&amp;amp; stays text");
    for (const char* hostile : {"</textarea></title></style><img src=x onerror=alert(1)>",
                                "\"'><!--", "<![CDATA[ ]]>", "'\"`=<>"})
        expect_inert(escaped(hostile));
}

TEST(HtmlText, KeepsUnicodeAndReplacesWhatHtmlForbids) {
    // Right-to-left override, combining marks, a zero-width joiner, emoji, CJK.
    const std::string odd = "SELECT \u202Eevil\u202C, e\u0301, a\u200Db, \U0001F600, \u6F22";
    EXPECT_EQ(escaped(odd), odd);
    // Controls HTML forbids, a broken sequence, an overlong '<', a surrogate.
    EXPECT_EQ(escaped("a\x01" "b\x7f" "c"), "a\uFFFDb\uFFFDc");
    EXPECT_EQ(escaped("\xC0\xBC"), "\uFFFD\uFFFD");
    EXPECT_EQ(escaped("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");
    EXPECT_EQ(escaped("cut \xE6\xBC"), "cut \uFFFD\uFFFD");
    EXPECT_EQ(escaped("tab\tnewline\n"), "tab\tnewline\n");
}

TEST(HtmlText, ClipsBetweenCharacters) {
    EXPECT_EQ(str(clip_text("abcdef", 3, heap)), "abc\u2026");
    EXPECT_EQ(str(clip_text("abc", 3, heap)), "abc");
    EXPECT_EQ(str(clip_text("\u00E9\u00E9\u00E9\u00E9", 2, heap)), "\u00E9\u00E9\u2026");
    EXPECT_EQ(str(clip_text("", 5, heap)), "");
}

TEST(DisplayUnits, DurationsSizesCounts) {
    EXPECT_EQ(str(format_milliseconds(0.85, heap)), "850 \u00B5s");
    EXPECT_EQ(str(format_milliseconds(12.345, heap)), "12.3 ms");
    EXPECT_EQ(str(format_milliseconds(1250, heap)), "1.25 s");
    EXPECT_EQ(str(format_milliseconds(150'000, heap)), "2.50 min");
    EXPECT_EQ(str(format_milliseconds(0, heap)), "0 ms");
    EXPECT_EQ(str(format_milliseconds(std::nan(""), heap)), "n/a");
    EXPECT_EQ(str(format_bytes(512, heap)), "512 bytes");
    EXPECT_EQ(str(format_bytes(8192, heap)), "8.00 kB");
    EXPECT_EQ(str(format_bytes(3.5 * 1024 * 1024, heap)), "3.50 MB");
    EXPECT_EQ(str(format_bytes(-2048, heap)), "-2.00 kB");
    EXPECT_EQ(str(format_bytes(1023.999 * 1024, heap)), "1.00 MB");
    EXPECT_EQ(str(format_count(1234567, heap)), "1,234,567");
    EXPECT_EQ(str(format_count(-1000, heap)), "-1,000");
    EXPECT_EQ(str(format_count(999, heap)), "999");
    EXPECT_EQ(str(format_count(12.345, heap)), "12.35");
    EXPECT_EQ(str(format_percent(42.123, heap)), "42.1%");
    EXPECT_EQ(str(format_span(7 * 86'400'000'000LL, heap)), "7 days");
    EXPECT_EQ(str(format_span(86'400'000'000LL + 7'200'000'000LL, heap)), "1 day 2 h");
    EXPECT_EQ(str(format_span(5'400'000'000LL, heap)), "1 h 30 min");
    EXPECT_EQ(str(format_span(45 * 60'000'000LL, heap)), "45 min");
    EXPECT_EQ(str(format_span(5'000'000, heap)), "5 s");
    EXPECT_EQ(str(format_decimal(1.5, heap)), "1.5");
    EXPECT_EQ(str(format_decimal(2, heap)), "2");
    EXPECT_EQ(str(format_decimal(0.004, heap)), "0.004");
    EXPECT_EQ(str(format_decimal(std::numeric_limits<double>::infinity(), heap)), "n/a");
}

TEST(ChartScale, LinearAxisHasNiceTicksAndHoldsZero) {
    const ValueAxis axis = linear_axis(3, 97, 5, heap);
    EXPECT_FALSE(axis.logarithmic);
    EXPECT_EQ(axis.lower, 0);
    EXPECT_EQ(axis.upper, 100);
    ASSERT_EQ(axis.ticks.size(), 6u);
    EXPECT_EQ(axis.ticks[1], 20);
    EXPECT_DOUBLE_EQ(axis.position(50, 0, 200), 100);
    EXPECT_DOUBLE_EQ(axis.position(500, 0, 200), 200);  // clamped
    const ValueAxis small = linear_axis(0, 0.0037, 5, heap);
    EXPECT_DOUBLE_EQ(small.upper, 0.004);
    EXPECT_NEAR(small.ticks[1], 0.001, 1e-12);
}

TEST(ChartScale, ZeroOneAndEmptyData) {
    const double none[] = {std::nan(""), std::numeric_limits<double>::infinity()};
    const ValueAxis empty = axis_for({}, heap);
    EXPECT_EQ(empty.lower, 0);
    EXPECT_EQ(empty.upper, 1);
    EXPECT_EQ(axis_for(none, heap).upper, 1);
    const double zeros[] = {0, 0, 0};
    EXPECT_EQ(axis_for(zeros, heap).upper, 1);
    const double one[] = {7};
    const ValueAxis single = axis_for(one, heap);
    EXPECT_EQ(single.lower, 0);
    EXPECT_GE(single.upper, 7);
    EXPECT_LE(single.upper, 10);
    const double negative[] = {-5, 3};
    const ValueAxis both = axis_for(negative, heap);
    EXPECT_LE(both.lower, -5);
    EXPECT_GE(both.upper, 3);
}

TEST(ChartScale, LogarithmicWhenValuesSpanDecades) {
    const double latencies[] = {0.05, 2, 340, std::nan("")};
    const ValueAxis axis = axis_for(latencies, heap);
    EXPECT_TRUE(axis.logarithmic);
    EXPECT_DOUBLE_EQ(axis.lower, 0.01);
    EXPECT_DOUBLE_EQ(axis.upper, 1000);
    ASSERT_EQ(axis.ticks.size(), 6u);
    EXPECT_DOUBLE_EQ(axis.position(1, 0, 500), 200);
    EXPECT_DOUBLE_EQ(axis.position(0, 0, 500), 0);  // below the axis: at its end
    const ValueAxis decade = log_axis(5, 5, heap);
    EXPECT_LT(decade.lower, decade.upper);
}

constexpr std::int64_t minute = 60'000'000, hour = 60 * minute, day = 24 * hour;

std::int64_t at(int y, int m, int d, int hh = 0, int mm = 0) {
    return days_from_civil({y, m, d}) * day + hh * hour + mm * minute;
}

TEST(ChartScale, TimeTicksFallOnRoundLocalTimes) {
    const std::int64_t start = at(2026, 12, 1, 0, 7), end = start + day;
    const TimeAxis axis = time_axis(start, end, hour, 8, heap);
    EXPECT_EQ(axis.step, 360 * minute);
    ASSERT_FALSE(axis.ticks.empty());
    EXPECT_LE(axis.ticks.size(), 8u);
    for (std::int64_t tick : axis.ticks) {
        EXPECT_GE(tick, start);
        EXPECT_LE(tick, end);
        EXPECT_EQ((tick + hour) % axis.step, 0);  // round in local time
    }
    EXPECT_EQ(str(time_label(axis.ticks[0], hour, false, heap)), "06:00");
    EXPECT_EQ(str(time_label(at(2026, 12, 1, 23), hour, false, heap)), "Dec 2");
    EXPECT_EQ(str(time_label(at(2026, 12, 1, 23), hour, true, heap)), "Dec 2 00:00");
    // A week: day ticks at local midnights.
    const TimeAxis week = time_axis(start, start + 7 * day, 0, 8, heap);
    EXPECT_EQ(week.step, day);
    EXPECT_EQ(week.ticks[0] % day, 0);
    // Seconds: a live wait of a few seconds.
    const TimeAxis live = time_axis(start, start + 20'000'000, 0, 8, heap);
    EXPECT_EQ(live.step, 5'000'000);
    EXPECT_EQ(str(time_label(start + 60'000'000, 0, false, heap)), "00:08");
    EXPECT_EQ(str(time_label(start + 10'000'000, 0, false, heap)), "00:07:10");
    EXPECT_EQ(str(time_label(start + 10'000'000, 0, true, heap)), "Dec 1 00:07:10");
    // Empty and inverted windows still give an axis.
    const TimeAxis empty = time_axis(start, start, 0, 8, heap);
    EXPECT_GT(empty.upper, empty.lower);
    EXPECT_FALSE(time_axis(end, start, 0, 8, heap).ticks.empty());
}

TEST(ColumnKinds, FromNameAndType) {
    EXPECT_EQ(column_kind("p95_ms", true, false), ColumnKind::milliseconds);
    EXPECT_EQ(column_kind("table_bytes", true, false), ColumnKind::bytes);
    EXPECT_EQ(column_kind("mean_ms_before", true, false), ColumnKind::milliseconds);
    EXPECT_EQ(column_kind("bloat_pct", true, false), ColumnKind::percent);
    EXPECT_EQ(column_kind("calls", true, false), ColumnKind::count);
    EXPECT_EQ(column_kind("days_to_double", true, false), ColumnKind::number);
    EXPECT_EQ(column_kind("query", false, false), ColumnKind::query);
    EXPECT_EQ(column_kind("parent_query", false, false), ColumnKind::query);
    EXPECT_EQ(column_kind("severity", false, false), ColumnKind::severity);
    EXPECT_EQ(column_kind("last_seen", false, true), ColumnKind::timestamp);
    EXPECT_EQ(column_kind("total_ms", false, false), ColumnKind::text);
    EXPECT_EQ(column_kind("queryid", true, false), ColumnKind::text);  // an identifier, not 2.9e+18
    EXPECT_EQ(column_kind("root_pid", true, false), ColumnKind::text);  // not a number: as is
}

std::string render_chart(std::span<const TimeSeries> series, std::int64_t start, std::int64_t end,
                         std::int64_t slot) {
    String out(&heap);
    render_line_chart(out, {"p95 of <b>", start, slot, end, 0, ValueUnit::milliseconds, series});
    return str(out);
}

std::size_t count(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

TEST(SvgChart, GapsBreakTheLineInsteadOfDroppingToZero) {
    const double nan = std::nan("");
    const double values[] = {1, 2, nan, nan, 4, 5, nan, 6};
    const TimeSeries series[] = {{"p50", values}};
    const std::int64_t start = at(2026, 12, 1);
    const std::string svg = render_chart(series, start, start + 8 * hour, hour);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    EXPECT_EQ(count(svg, "<path"), 1u);
    // Three runs: M starts each one, L continues it; the lone last point is a dot.
    const std::size_t d = svg.find("d=\"");
    const std::string path = svg.substr(d, svg.find('"', d + 3) - d);
    EXPECT_EQ(count(path, "M"), 3u);
    EXPECT_EQ(count(path, "L"), 2u);
    EXPECT_EQ(count(svg, "<circle"), 5u);  // few slots: every point gets a dot with its value
    EXPECT_NE(svg.find("p95 of &lt;b&gt;"), std::string::npos);
    EXPECT_EQ(svg.find("<b>"), std::string::npos);
    EXPECT_NE(svg.find("ms</text>"), std::string::npos);  // tick labels carry the unit
}

TEST(SvgChart, EmptyDataSaysSo) {
    const std::int64_t start = at(2026, 12, 1);
    EXPECT_NE(render_chart({}, start, start + day, hour).find("no data in this window"), std::string::npos);
    const double nothing[] = {std::nan(""), std::nan("")};
    const TimeSeries series[] = {{"p99", nothing}};
    const std::string svg = render_chart(series, start, start + 2 * hour, hour);
    EXPECT_NE(svg.find("no data in this window"), std::string::npos);
    EXPECT_EQ(svg.find("<path"), std::string::npos);
    String bars(&heap);
    render_bar_chart(bars, "none", ValueUnit::bytes, {});
    EXPECT_NE(str(bars).find("nothing to show"), std::string::npos);
    String lanes(&heap);
    render_timeline(lanes, "locks", start, start, 0, {});
    EXPECT_NE(str(lanes).find("no lock waits"), std::string::npos);
}

TEST(SvgChart, SizeTicksAreRoundInTheirOwnUnit) {
    const Bar bars[] = {{"public.big", 1.1 * 1024 * 1024}, {"public.small", 200 * 1024}};
    String out(&heap);
    render_bar_chart(out, "sizes", ValueUnit::bytes, bars);
    const std::string svg = str(out);
    EXPECT_NE(svg.find(">0.5 MB</text>"), std::string::npos) << svg;
    EXPECT_NE(svg.find(">1 MB</text>"), std::string::npos);
    EXPECT_NE(svg.find(">1.10 MB</text>"), std::string::npos);  // the bar's own value
    EXPECT_NE(svg.find(">200 kB</text>"), std::string::npos);
}

TEST(SvgChart, HostileLabelsStayText) {
    const Bar bars[] = {{"SELECT '<svg onload=alert(1)>' FROM t", 12.5},
                        {"\"]]></text><script>alert(2)</script>", 3}};
    String out(&heap);
    render_bar_chart(out, "</figcaption><script>", ValueUnit::milliseconds, bars);
    const std::string svg = str(out);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("<svg onload"), std::string::npos);
    EXPECT_EQ(count(svg, "<svg"), 1u);
    EXPECT_EQ(count(svg, "</text>"), count(svg, "<text"));
    EXPECT_NE(svg.find("&lt;svg onload=alert(1)&gt;"), std::string::npos);
    const Episode episodes[] = {{"<b>ALTER</b>", "detail \"x\"", at(2026, 12, 1, 1), 5 * minute}};
    String lanes(&heap);
    render_timeline(lanes, "locks", at(2026, 12, 1), at(2026, 12, 2), 0, episodes);
    EXPECT_EQ(str(lanes).find("<b>"), std::string::npos);
    EXPECT_NE(str(lanes).find("class=\"episode\""), std::string::npos);
}

TEST(HtmlReport, DocumentIsSelfContainedAndEscapesCells) {
    ReportWriter report(heap, "Report <x>", "window");
    report.fact("Database", "crm\"db");
    report.begin_section("latency", "Latency", "hastecrm_perf.query_latency");
    Table table(heap);
    table.names.emplace_back("query");
    table.kinds.push_back(ColumnKind::query);
    table.names.emplace_back("total_ms");
    table.kinds.push_back(ColumnKind::milliseconds);
    table.names.emplace_back("severity");
    table.kinds.push_back(ColumnKind::severity);
    for (const char* cell : {"SELECT '</script><svg onload=alert(1)>'", "1234.5", "critical",
                             "x", "oops", "<b>bold</b>"}) {
        table.cells.emplace_back(cell);
        table.nulls.push_back(false);
    }
    table.nulls[4] = false;
    report.table(table);
    report.note(NoteKind::missing, "History is off: no snapshots in this window");
    report.end_section();
    const std::string html = str(report.finish("footer"));
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<svg onload"), std::string::npos);
    EXPECT_EQ(html.find("<b>"), std::string::npos);
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no asset URL
    EXPECT_EQ(html.find("src="), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    EXPECT_NE(html.find("&lt;/script&gt;&lt;svg onload=alert(1)&gt;"), std::string::npos);
    EXPECT_NE(html.find("1.23 s"), std::string::npos);
    EXPECT_NE(html.find("badge sev-critical"), std::string::npos);
    EXPECT_NE(html.find("oops"), std::string::npos);  // an unknown severity is plain text
    EXPECT_NE(html.find("crm&quot;db"), std::string::npos);
    EXPECT_NE(html.find("href=\"#latency\""), std::string::npos);
    EXPECT_NE(html.find("@media print"), std::string::npos);
}

}  // namespace
}  // namespace hastecrm_perf
