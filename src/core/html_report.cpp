#include "core/html_report.hpp"

#include <cstdlib>

#include "core/display_units.hpp"
#include "core/html_text.hpp"

namespace hastecrm_perf {
namespace {

// The whole look of the page. System fonts only: nothing is fetched.
constexpr std::string_view stylesheet = R"css(
:root { --ink: #1f2933; --muted: #616e7c; --rule: #d9e2ec; --band: #f5f7fa; --accent: #2f5f8f; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: #243b53; color: #fff; padding: 22px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .subtitle { color: #d9e2ec; font-size: 15px; }
header dl { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 12px 0 0; font-size: 13px; }
header dt { color: #9fb3c8; } header dd { margin: 0; }
header dl div { display: flex; gap: 6px; }
nav { border-bottom: 1px solid var(--rule); padding: 8px 32px; background: var(--band); font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; white-space: nowrap; }
main { max-width: 1180px; padding: 8px 32px 32px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 6px; }
.figures div { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.figures b { display: block; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figures span { color: var(--muted); font-size: 12px; }
.figures .critical b { color: #b42318; } .figures .warning b { color: #b54708; }
section { margin-top: 26px; }
h2 { font-size: 18px; font-weight: 600; margin: 0 0 2px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
h3 { font-size: 14px; font-weight: 600; margin: 16px 0 6px; }
.source { color: var(--muted); font-size: 12px; margin: 2px 0 10px; }
.source code { font-size: 12px; }
.note { border-left: 3px solid var(--rule); padding: 4px 10px; margin: 8px 0; color: var(--muted); }
.note.missing { border-color: #9fb3c8; } .note.failed { border-color: #d64545; color: #8a1c1c; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--rule);
  padding: 5px 8px; white-space: nowrap; }
td { padding: 5px 8px; border-bottom: 1px solid #eef2f6; vertical-align: top; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.null { color: #9aa5b1; }
code.query { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: isolate; display: block;
  min-width: 15em; max-height: 9.5em; overflow: auto; }
td.text { overflow-wrap: break-word; unicode-bidi: isolate; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.sev-critical { background: #fde8e8; color: #b42318; } .sev-warning { background: #fef0c7; color: #93370d; }
.sev-info { background: #e0ecf8; color: #1d4f7f; }
figure.chart { margin: 8px 0 18px; }
figure.chart svg { width: 100%; height: auto; max-width: 900px; display: block; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 2px; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #52606d; }
svg text.middle { text-anchor: middle; } svg text.end { text-anchor: end; }
svg text.legend { fill: var(--ink); } svg text.note { font-style: italic; }
svg text.empty { font-size: 13px; fill: #9aa5b1; } svg text.value { fill: var(--ink); }
svg .grid { stroke: #e4e7eb; stroke-width: 1; } svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg .bar { fill: #4a7ab5; } svg .episode { fill: #c8553d; }
svg path.series-0 { stroke: #2f6fb3; } svg circle.series-0, svg rect.series-0 { fill: #2f6fb3; }
svg path.series-1 { stroke: #e08a1e; } svg circle.series-1, svg rect.series-1 { fill: #e08a1e; }
svg path.series-2 { stroke: #c23b3b; } svg circle.series-2, svg rect.series-2 { fill: #c23b3b; }
svg path.series-3 { stroke: #3f9b5a; } svg circle.series-3, svg rect.series-3 { fill: #3f9b5a; }
svg path.series-4 { stroke: #7a5bb8; } svg circle.series-4, svg rect.series-4 { fill: #7a5bb8; }
svg path.series-5 { stroke: #5f6b7a; } svg circle.series-5, svg rect.series-5 { fill: #5f6b7a; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); margin-top: 30px; padding-top: 8px; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 11px; }
  header { background: none; color: var(--ink); padding: 0 0 8px; border-bottom: 2px solid var(--ink); }
  header .subtitle, header dt { color: var(--muted); }
  nav { display: none; }
  main { max-width: none; padding: 0; }
  section { break-inside: auto; }
  h2, h3 { break-after: avoid; }
  figure.chart, tr, .figures div { break-inside: avoid; }
  code.query { max-height: none; overflow: visible; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

void put(String& out, std::string_view markup) { out.append(markup.data(), markup.size()); }

bool ends_with(std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

bool numeric_kind(ColumnKind kind) {
    switch (kind) {
        case ColumnKind::number:
        case ColumnKind::count:
        case ColumnKind::milliseconds:
        case ColumnKind::bytes:
        case ColumnKind::percent: return true;
        default: return false;
    }
}

// "2026-12-01 22:14:06.123456+00" -> "2026-12-01 22:14:06+00".
void put_timestamp(String& out, std::string_view text) {
    const std::size_t dot = text.find('.');
    if (dot == std::string_view::npos) {
        append_escaped(out, text);
        return;
    }
    std::size_t after = dot + 1;
    while (after < text.size() && text[after] >= '0' && text[after] <= '9')
        ++after;
    append_escaped(out, text.substr(0, dot));
    append_escaped(out, text.substr(after));
}

void put_cell(String& out, ColumnKind kind, std::string_view text, Resource& resource) {
    if (numeric_kind(kind)) {
        String copy(text.data(), text.size(), &resource);  // strtod needs a terminator
        char* end = nullptr;
        const double value = std::strtod(copy.c_str(), &end);
        if (end == copy.c_str() || *end != '\0') {
            append_escaped(out, text);
            return;
        }
        switch (kind) {
            case ColumnKind::count: put(out, format_count(value, resource)); break;
            case ColumnKind::milliseconds: append_escaped(out, format_milliseconds(value, resource)); break;
            case ColumnKind::bytes: put(out, format_bytes(value, resource)); break;
            case ColumnKind::percent: put(out, format_percent(value, resource)); break;
            default: put(out, format_decimal(value, resource)); break;
        }
        return;
    }
    switch (kind) {
        case ColumnKind::query:
            put(out, "<code class=\"query\">");
            append_escaped(out, text);
            put(out, "</code>");
            return;
        case ColumnKind::timestamp: put_timestamp(out, text); return;
        case ColumnKind::severity:
            if (text == "critical" || text == "warning" || text == "info") {
                put(out, "<span class=\"badge sev-");
                put(out, text);
                put(out, "\">");
                put(out, text);
                put(out, "</span>");
                return;
            }
            break;
        default: break;
    }
    append_escaped(out, text);
}

}  // namespace

ColumnKind column_kind(std::string_view name, bool numeric, bool timestamp) {
    if (timestamp)
        return ColumnKind::timestamp;
    // Identifiers (queryid, pid, relid) are labels, not quantities.
    if (ends_with(name, "id"))
        return ColumnKind::text;
    if (numeric) {
        if (ends_with(name, "_ms") || name.find("_ms_") != std::string_view::npos)
            return ColumnKind::milliseconds;
        if (name.find("bytes") != std::string_view::npos)
            return ColumnKind::bytes;
        if (ends_with(name, "_pct") || name == "pct" || name.find("_pct_") != std::string_view::npos)
            return ColumnKind::percent;
        for (std::string_view counted : {"calls", "rows", "repeats", "occurrences", "tup", "count",
                                         "failures", "errors", "episodes", "statements"})
            if (name.find(counted) != std::string_view::npos)
                return ColumnKind::count;
        return ColumnKind::number;
    }
    if (name == "query" || ends_with(name, "_query"))
        return ColumnKind::query;
    if (name == "severity")
        return ColumnKind::severity;
    return ColumnKind::text;
}

ReportWriter::ReportWriter(Resource& resource, std::string_view title, std::string_view subtitle)
    : resource_(resource), title_(title.data(), title.size(), &resource),
      subtitle_(subtitle.data(), subtitle.size(), &resource), facts_(&resource),
      figures_(&resource), contents_(&resource), body_(&resource) {}

void ReportWriter::fact(std::string_view label, std::string_view value) {
    put(facts_, "<div><dt>");
    append_escaped(facts_, label);
    put(facts_, "</dt><dd>");
    append_escaped(facts_, value);
    put(facts_, "</dd></div>");
}

void ReportWriter::figure(std::string_view label, std::string_view value, std::string_view css_class) {
    put(figures_, "<div class=\"");
    append_escaped(figures_, css_class);
    put(figures_, "\"><b>");
    append_escaped(figures_, value);
    put(figures_, "</b><span>");
    append_escaped(figures_, label);
    put(figures_, "</span></div>");
}

void ReportWriter::begin_section(std::string_view id, std::string_view title, std::string_view source) {
    put(contents_, "<a href=\"#");
    append_escaped(contents_, id);
    put(contents_, "\">");
    append_escaped(contents_, title);
    put(contents_, "</a>");
    put(body_, "<section id=\"");
    append_escaped(body_, id);
    put(body_, "\"><h2>");
    append_escaped(body_, title);
    put(body_, "</h2><p class=\"source\">Source: ");
    append_escaped(body_, source);
    put(body_, "</p>\n");
}

void ReportWriter::end_section() { put(body_, "</section>\n"); }

void ReportWriter::note(NoteKind kind, std::string_view text) {
    static const std::string_view classes[] = {"note", "note missing", "note failed"};
    put(body_, "<p class=\"");
    put(body_, classes[static_cast<int>(kind)]);
    put(body_, "\">");
    append_escaped(body_, text);
    put(body_, "</p>\n");
}

void ReportWriter::subheading(std::string_view text) {
    put(body_, "<h3>");
    append_escaped(body_, text);
    put(body_, "</h3>\n");
}

void ReportWriter::table(const Table& table) {
    const std::size_t columns = table.names.size();
    if (columns == 0)
        return;
    put(body_, "<table><thead><tr>");
    for (std::size_t c = 0; c < columns; ++c) {
        put(body_, numeric_kind(table.kinds[c]) ? "<th class=\"num\">" : "<th>");
        String heading(table.names[c].data(), table.names[c].size(), &resource_);
        for (char& ch : heading)
            if (ch == '_')
                ch = ' ';
        append_escaped(body_, heading);
        put(body_, "</th>");
    }
    put(body_, "</tr></thead><tbody>\n");
    for (std::size_t r = 0; r < table.rows(); ++r) {
        put(body_, "<tr>");
        for (std::size_t c = 0; c < columns; ++c) {
            const std::size_t i = r * columns + c;
            const ColumnKind kind = table.kinds[c];
            put(body_, numeric_kind(kind) ? "<td class=\"num\">"
                       : kind == ColumnKind::text ? "<td class=\"text\">" : "<td>");
            if (table.nulls[i])
                put(body_, "<span class=\"null\">\xE2\x80\x93</span>");
            else
                put_cell(body_, kind, table.cells[i], resource_);
            put(body_, "</td>");
        }
        put(body_, "</tr>\n");
    }
    put(body_, "</tbody></table>\n");
}

void ReportWriter::line_chart(const LineChart& chart) { render_line_chart(body_, chart); }

void ReportWriter::bar_chart(std::string_view caption, ValueUnit unit, std::span<const Bar> bars) {
    render_bar_chart(body_, caption, unit, bars);
}

void ReportWriter::timeline(std::string_view caption, std::int64_t start, std::int64_t end,
                            std::int64_t utc_offset, std::span<const Episode> episodes) {
    render_timeline(body_, caption, start, end, utc_offset, episodes);
}

String ReportWriter::finish(std::string_view footer) {
    String out(&resource_);
    out.reserve(stylesheet.size() + facts_.size() + figures_.size() + contents_.size() +
                body_.size() + 1024);
    put(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
             "<title>");
    append_escaped(out, title_);
    put(out, " \xE2\x80\x94 ");
    append_escaped(out, subtitle_);
    put(out, "</title>\n<style>");
    put(out, stylesheet);
    put(out, "</style></head>\n<body>\n<header><h1>");
    append_escaped(out, title_);
    put(out, "</h1><div class=\"subtitle\">");
    append_escaped(out, subtitle_);
    put(out, "</div><dl>");
    put(out, facts_);
    put(out, "</dl></header>\n<nav>");
    put(out, contents_);
    put(out, "</nav>\n<main>\n");
    if (!figures_.empty()) {
        put(out, "<div class=\"figures\">");
        put(out, figures_);
        put(out, "</div>\n");
    }
    put(out, body_);
    put(out, "<footer>");
    append_escaped(out, footer);
    put(out, "</footer>\n</main>\n</body></html>\n");
    return out;
}

}  // namespace hastecrm_perf
