// The report document: one self-contained HTML page (its stylesheet inline,
// no script, no external font or image) built section by section, so that a
// source that is missing or fails costs one line, not the page.
//
// Table cells arrive as the text PostgreSQL's output functions give; the
// column's kind says how to show it (a duration, a size, a query text ...).
#pragma once

#include <span>
#include <string_view>

#include "core/containers.hpp"
#include "core/svg_chart.hpp"

namespace hastecrm_perf {

enum class ColumnKind {
    text,
    query,         // a statement's text: monospace, wrapped, kept whole
    number,
    count,         // calls, rows, repeats: thousands separators
    milliseconds,
    bytes,
    percent,
    timestamp,     // shown to the second
    severity,      // critical | warning | info, as a badge
};

// The kind of a column from its name and its SQL type: numbers named *_ms are
// durations, *bytes* sizes, *_pct percents, calls/rows/... counts; text
// named query or *_query is a statement; severity is a badge.
ColumnKind column_kind(std::string_view name, bool numeric, bool timestamp);

struct Table {
    explicit Table(Resource& resource)
        : names(&resource), kinds(&resource), cells(&resource), nulls(&resource) {}
    Vector<String> names;
    Vector<ColumnKind> kinds;
    Vector<String> cells;  // row-major, names.size() per row
    Vector<bool> nulls;
    std::size_t rows() const { return names.empty() ? 0 : cells.size() / names.size(); }
};

enum class NoteKind { info, missing, failed };

class ReportWriter {
public:
    ReportWriter(Resource& resource, std::string_view title, std::string_view subtitle);

    // A fact in the header ("Database", "hastecrm").
    void fact(std::string_view label, std::string_view value);
    // A headline figure of the summary strip ("Statements", "1,234").
    void figure(std::string_view label, std::string_view value, std::string_view css_class = {});

    // Sections appear in the table of contents in the order they begin.
    // `source` names what the section was read from.
    void begin_section(std::string_view id, std::string_view title, std::string_view source);
    void end_section();

    void note(NoteKind kind, std::string_view text);
    void subheading(std::string_view text);
    void table(const Table& table);
    void line_chart(const LineChart& chart);
    void bar_chart(std::string_view caption, ValueUnit unit, std::span<const Bar> bars);
    void timeline(std::string_view caption, std::int64_t start, std::int64_t end,
                  std::int64_t utc_offset, std::span<const Episode> episodes);

    // The whole document; the writer is spent afterwards.
    String finish(std::string_view footer);

private:
    Resource& resource_;
    String title_;
    String subtitle_;
    String facts_;
    String figures_;
    String contents_;
    String body_;
};

}  // namespace hastecrm_perf
