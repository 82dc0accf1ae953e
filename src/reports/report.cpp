// hastecrm_perf.report(during tstzrange): the HTML page a person reads.
//
// Every section reads the extension's own SQL functions and views through
// SPI as the caller (so their privilege rules apply, query texts included),
// inside a subtransaction of its own: a source that does not exist in this
// installation, is empty, or fails (the latency table without
// shared_preload_libraries, a view the caller may not read) costs one line
// of the page, not the page. The core renders it (core/html_report.hpp).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "core/html_report.hpp"
#include "core/html_text.hpp"
#include "core/display_units.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/isolation.hpp"
#include "pg/local_settings.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"
#include "reports/result_table.hpp"
#include "settings.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::reports {
namespace {

constexpr std::int64_t micros_per_minute = 60'000'000;

// The window after clamping, and what the labels need.
struct Window {
    TimestampTz lower;
    TimestampTz upper;
    std::int64_t utc_offset;  // of the session's TimeZone at `lower`, µs east
    String label;
    String database;
    String generated;
    String time_zone;
};

std::string_view view(const String& s) { return {s.data(), s.size()}; }

template <typename T>
std::span<const T> all_of(const Vector<T>& items) { return {items.data(), items.size()}; }

double number(pg::Spi& spi, std::uint64_t row, int column) {
    bool is_null = false;
    const Datum value = spi.value(row, column, &is_null);
    return is_null ? std::nan("") : DatumGetFloat8(value);
}

class ReportBuilder {
public:
    ReportBuilder(Resource& resource, pg::Spi& spi, Window& window)
        : resource_(resource), spi_(spi), window_(window),
          writer_(resource, "hastecrm_perf report", view(window.label)) {
        writer_.fact("Database", view(window.database));
        writer_.fact("Generated", view(window.generated));
        writer_.fact("Time zone", view(window.time_zone));
    }

    String build() {
        health();
        latency();
        regressions();
        n_plus_one();
        locks();
        relations();
        jobs();
        return writer_.finish(
            "hastecrm_perf.report(): one self-contained page, no script. Query texts are "
            "normalized (constants as $n); texts of other roles show as <insufficient privilege> "
            "unless you may read all statistics.");
    }

private:
    // Runs `body` in a subtransaction; a failure becomes one line of the section.
    template <typename Body>
    void isolated(Body&& body) {
        const auto failure = pg::run_isolated(pg::Isolation::subtransaction, resource_, body);
        if (!failure)
            return;
        if (failure->canceled)
            throw pg::Error(failure->sqlstate, std::string(failure->message.data(), failure->message.size()));
        String text = concat(resource_, {"This section could not be read: ", view(failure->message)});
        writer_.note(NoteKind::failed, view(text));
    }

    bool exists(const char* regproc_or_class, bool procedure) {
        const Datum name = pg::text_datum(regproc_or_class);
        spi_.execute(procedure ? "SELECT pg_catalog.to_regprocedure($1) IS NOT NULL"
                               : "SELECT pg_catalog.to_regclass($1) IS NOT NULL",
                     {{TEXTOID, name}});
        bool is_null = false;
        return DatumGetBool(spi_.value(0, 1, &is_null));
    }

    std::uint64_t run(const char* sql, std::initializer_list<pg::SqlParam> extra = {}) {
        // $1, $2: the window; the caller's parameters follow.
        pg::SqlParam params[8] = {{TIMESTAMPTZOID, TimestampTzGetDatum(window_.lower)},
                                  {TIMESTAMPTZOID, TimestampTzGetDatum(window_.upper)}};
        int count = 2;
        for (const pg::SqlParam& param : extra)
            params[count++] = param;
        switch (count) {
            case 2: return spi_.execute(sql, {params[0], params[1]});
            case 3: return spi_.execute(sql, {params[0], params[1], params[2]});
            default: return spi_.execute(sql, {params[0], params[1], params[2], params[3]});
        }
    }

    // The table of the last result, or a note when it is empty.
    bool table_or_note(std::string_view empty_note) {
        Table table = result_table(resource_);
        if (table.rows() == 0) {
            writer_.note(NoteKind::info, empty_note);
            return false;
        }
        writer_.table(table);
        return true;
    }

    void health() {
        if (!exists("hastecrm_perf.health()", true)) {
            writer_.begin_section("health", "Health", "hastecrm_perf.health()");
            writer_.note(NoteKind::missing,
                         "Health checks are not part of this installation: hastecrm_perf.health() does not exist.");
            writer_.end_section();
            return;
        }
        writer_.begin_section("health", "Health", "hastecrm_perf.health(), now");
        isolated([&] {
            spi_.execute(
                "SELECT severity, \"check\", object, value, threshold, detail, advice, since "
                "FROM hastecrm_perf.health() "
                "ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, "
                "\"check\", object LIMIT 200",
                {});
            Table table = result_table(resource_);
            std::size_t critical = 0, warning = 0;
            for (std::size_t r = 0; r < table.rows(); ++r) {
                const std::string_view severity = view(table.cells[r * table.names.size()]);
                critical += severity == "critical";
                warning += severity == "warning";
            }
            writer_.figure("critical findings", view(format_count(critical, resource_)),
                           critical ? "critical" : "");
            writer_.figure("warnings", view(format_count(warning, resource_)), warning ? "warning" : "");
            if (table.rows() == 0)
                writer_.note(NoteKind::info, "No findings: every check passed.");
            else
                writer_.table(table);
            if (table.rows() == 200)
                writer_.note(NoteKind::info, "The first 200 findings, most severe first.");
        });
        writer_.end_section();
    }

    // Statements of this database over the window: from history when it
    // covers the window, else from the live table (cumulative counters).
    void latency() {
        history_ = exists("hastecrm_perf.query_latency_between(tstzrange)", true) &&
                   exists("hastecrm_perf.statement_history", false);
        bool snapshots = false;
        if (history_) {
            isolated([&] {
                // A snapshot (or an hourly rollup) in the window: a look at the
                // tables, not a merge of the whole window.
                snapshots = run("SELECT 1 FROM hastecrm_perf.statement_history h "
                                "WHERE h.snapshot_at >= $1 AND h.snapshot_at <= $2 "
                                "UNION ALL SELECT 1 FROM hastecrm_perf.statement_history_hourly r "
                                "WHERE r.hour >= $1 AND r.hour <= $2 LIMIT 1") > 0;
            });
        }
        const char* source = snapshots ? "hastecrm_perf.query_latency_between(during)"
                                       : "hastecrm_perf.query_latency (live: cumulative since each "
                                         "statement was first seen; statements seen in this window)";
        const char* from = snapshots
            ? "hastecrm_perf.query_latency_between(pg_catalog.tstzrange($1, $2)) l "
              "WHERE l.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())"
            : "hastecrm_perf.query_latency l "
              "WHERE l.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
              "AND l.last_seen >= $1 AND l.first_seen <= $2";

        writer_.begin_section("over-time", "Latency over time", "hastecrm_perf.query_latency_between() per slice of the window");
        if (!history_)
            writer_.note(NoteKind::missing,
                         "History is off: hastecrm_perf.statement_history does not exist in this "
                         "installation, so there is no latency over time. The tables below use the live latency table.");
        else if (!snapshots)
            writer_.note(NoteKind::missing, "History is off: no snapshots in this window.");
        else
            isolated([&] { over_time(from); });
        writer_.end_section();

        writer_.begin_section("slowest", "Slowest statements", source);
        isolated([&] {
            // One pass over the window: the totals ride along with the top 25.
            const String sql = concat(resource_, {
                "SELECT t.total_ms::float8, t.queryid, t.calls, t.total_ms, t.mean_ms, t.p50_ms, t.p95_ms, "
                "t.p99_ms, t.rows, t.query, t.n, t.all_calls, t.all_ms FROM (SELECT l.*, "
                "count(*) OVER ()::float8 AS n, coalesce(sum(l.calls) OVER (), 0)::float8 AS all_calls, "
                "coalesce(sum(l.total_ms) OVER (), 0)::float8 AS all_ms FROM ", from,
                ") t ORDER BY t.total_ms DESC, t.queryid LIMIT 25"});
            const std::uint64_t rows = run(sql.c_str());
            writer_.figure("statements", view(format_count(rows ? number(spi_, 0, 11) : 0.0, resource_)));
            writer_.figure("calls", view(format_count(rows ? number(spi_, 0, 12) : 0.0, resource_)));
            writer_.figure("time in statements",
                           view(format_milliseconds(rows ? number(spi_, 0, 13) : 0.0, resource_)));
            if (rows == 0) {
                writer_.note(NoteKind::info, "No statement of this database ran in this window.");
                return;
            }
            Table table = result_table(resource_, 2, 3);
            Vector<Bar> bars(&resource_);
            Vector<String> labels(&resource_);
            const std::size_t query = table.names.size() - 1;
            for (std::uint64_t r = 0; r < std::min<std::uint64_t>(rows, 10); ++r)
                labels.push_back(clip_text(view(table.cells[r * table.names.size() + query]), 60, resource_));
            for (std::uint64_t r = 0; r < labels.size(); ++r)
                bars.push_back({view(labels[r]), number(spi_, r, 1)});
            writer_.bar_chart("Total time of the 10 busiest statements", ValueUnit::milliseconds, all_of(bars));
            writer_.table(table);
        });
        writer_.end_section();
    }

    // p50/p95/p99 per slice for the 5 statements with the most time.
    void over_time(const char* from) {
        const std::int64_t span = window_.upper - window_.lower;
        const std::int64_t slots = std::clamp<std::int64_t>(span / (5 * micros_per_minute), 1, 48);
        const std::int64_t slot = std::max<std::int64_t>(span / slots, 1);
        String sql = concat(resource_, {
            "WITH top AS (SELECT l.userid, l.dbid, l.queryid, l.query, l.total_ms, "
            "row_number() OVER (ORDER BY l.total_ms DESC, l.queryid) AS rank FROM ", from,
            " ORDER BY l.total_ms DESC, l.queryid LIMIT 5), "
            "slices AS (SELECT i, $1 + i * (($2 - $1) / $3) AS s, $1 + (i + 1) * (($2 - $1) / $3) AS e "
            "FROM pg_catalog.generate_series(0, $3 - 1) i), "
            "per AS (SELECT s.i, x.userid, x.dbid, x.queryid, x.p50_ms, x.p95_ms, x.p99_ms FROM slices s "
            "CROSS JOIN LATERAL hastecrm_perf.query_latency_between(pg_catalog.tstzrange(s.s, s.e)) x) "
            "SELECT t.rank::float8, p.i::float8, p.p50_ms::float8, p.p95_ms::float8, p.p99_ms::float8, t.query "
            "FROM top t LEFT JOIN per p ON p.userid = t.userid AND p.dbid = t.dbid AND p.queryid = t.queryid "
            "ORDER BY t.rank, p.i"});
        const std::uint64_t rows = run(sql.c_str(), {{INT4OID, Int32GetDatum(static_cast<int32>(slots))}});
        const auto n = static_cast<std::size_t>(slots);
        std::uint64_t r = 0;
        while (r < rows) {
            const double rank = number(spi_, r, 1);
            Vector<double> p50(n, std::nan(""), &resource_), p95(n, std::nan(""), &resource_),
                p99(n, std::nan(""), &resource_);
            const String query = spi_.text(r, 6, resource_).value_or(String("", &resource_));
            for (; r < rows && number(spi_, r, 1) == rank; ++r) {
                const double i = number(spi_, r, 2);
                if (!std::isfinite(i) || i < 0 || i >= static_cast<double>(n))
                    continue;
                const auto at = static_cast<std::size_t>(i);
                p50[at] = number(spi_, r, 3);
                p95[at] = number(spi_, r, 4);
                p99[at] = number(spi_, r, 5);
            }
            const TimeSeries series[] = {{"p50", {p50.data(), n}}, {"p95", {p95.data(), n}},
                                         {"p99", {p99.data(), n}}};
            const String caption = concat(resource_, {"#", view(format_count(rank, resource_)), " ",
                                                      view(clip_text(view(query), 110, resource_))});
            writer_.line_chart({view(caption), window_.lower, slot, window_.upper, window_.utc_offset,
                                ValueUnit::milliseconds, series});
        }
        if (rows == 0)
            writer_.note(NoteKind::info, "No statement of this database ran in this window.");
    }

    void regressions() {
        writer_.begin_section("regressions", "Regressions against the previous window",
                              "hastecrm_perf.latency_diff(previous window of the same length, during)");
        if (!history_ || !exists("hastecrm_perf.latency_diff(tstzrange,tstzrange)", true))
            writer_.note(NoteKind::missing,
                         "History is off: hastecrm_perf.latency_diff() needs the statement history, "
                         "which this installation does not have.");
        else
            isolated([&] {
                run("SELECT * FROM hastecrm_perf.latency_diff("
                    "pg_catalog.tstzrange($1 - ($2 - $1), $1), pg_catalog.tstzrange($1, $2)) LIMIT 20");
                table_or_note("No statement got slower than in the previous window.");
            });
        writer_.end_section();
    }

    void n_plus_one() {
        writer_.begin_section("n-plus-one", "N+1 suspects",
                              "hastecrm_perf.n_plus_one (live; suspects last seen in this window)");
        isolated([&] {
            const std::uint64_t rows = run(
                "SELECT n.queryid, n.occurrences, n.max_repeats, n.total_repeats, n.wasted_ms, n.last_seen, "
                "n.query, n.parent_query FROM hastecrm_perf.n_plus_one n "
                "WHERE n.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
                "AND n.last_seen >= $1 AND n.last_seen <= $2 "
                "ORDER BY n.wasted_ms DESC, n.queryid LIMIT 20");
            writer_.figure("N+1 suspects", view(format_count(static_cast<double>(rows), resource_)));
            table_or_note("No statement repeated itself inside a transaction often enough to be a suspect.");
        });
        writer_.end_section();
    }

    void locks() {
        const bool episodes = exists("hastecrm_perf.lock_episodes", false);
        writer_.begin_section("locks", "Lock waits",
                              episodes ? "hastecrm_perf.lock_episodes"
                                       : "hastecrm_perf.lock_chains() (live: the waits of this moment)");
        if (!episodes) {
            writer_.note(NoteKind::missing,
                         "History is off: hastecrm_perf.lock_episodes does not exist in this "
                         "installation, so past lock waits are not known; below, the waits of this moment.");
            isolated([&] { live_locks(); });
        } else {
            isolated([&] { lock_episodes(); });
            // An episode is written once its wait has ended: the waits of
            // this moment come from the lock manager.
            writer_.subheading("Waiting now");
            isolated([&] { live_locks(); });
        }
        writer_.end_section();
    }

    void live_locks() {
        const std::uint64_t rows = spi_.execute(
            "SELECT (pg_catalog.now() - coalesce(c.waiting_for, c.xact_age, '0'::interval)) AS start, "
            "extract(epoch FROM coalesce(c.waiting_for, c.xact_age, '0'::interval))::float8 * 1e6, "
            "c.pid::text || coalesce(' ' || c.lock_mode, ' (blocks)') || coalesce(' on ' || c.relation::text, ''), "
            "c.pid, c.root_pid, c.depth, c.lock_mode, c.relation::text AS relation, c.waiting_for, c.state, "
            "c.usename, c.query FROM hastecrm_perf.lock_chains() c ORDER BY c.root_pid, c.depth, c.pid LIMIT 50",
            {});
        if (rows == 0) {
            writer_.note(NoteKind::info, "No session waits on a lock now.");
            return;
        }
        Vector<Episode> lanes(&resource_);
        Vector<String> labels(&resource_);
        labels.reserve(rows);
        for (std::uint64_t r = 0; r < rows; ++r)
            labels.push_back(spi_.text(r, 3, resource_).value_or(String("", &resource_)));
        const TimestampTz now = window_.upper;
        for (std::uint64_t r = 0; r < rows; ++r) {
            const auto duration = static_cast<std::int64_t>(number(spi_, r, 2));
            lanes.push_back({view(labels[r]), view(labels[r]), now - duration, duration});
        }
        std::int64_t earliest = now;
        for (const Episode& e : lanes)
            earliest = std::min(earliest, e.start);
        const std::int64_t margin = std::max<std::int64_t>((now - earliest) / 10, 1'000'000);
        writer_.timeline("Sessions waiting or blocking now, since their wait (or transaction) began",
                         earliest - margin, now + margin, window_.utc_offset, all_of(lanes));
        writer_.table(result_table(resource_, 4));
    }

    // The episodes of the window (SPEC §8), with their root blocker.
    void lock_episodes() {
        const char* sql =
            "SELECT e.started_at, e.duration_ms * 1000, "
            "coalesce(e.relation_name, e.lock_type) || ' ' || e.lock_mode, "
            "e.started_at, e.duration_ms, e.lock_type, e.lock_mode, e.relation_name AS relation, "
            "e.waiter_pid, e.waiter_query, e.root_pid, e.root_state, e.root_xact_age, e.root_query "
            "FROM hastecrm_perf.lock_episodes e WHERE e.started_at >= $1 AND e.started_at < $2 "
            "ORDER BY e.started_at LIMIT 60";
        const std::uint64_t rows = run(sql);
        writer_.figure("lock waits", view(format_count(static_cast<double>(rows), resource_)));
        if (rows == 0) {
            writer_.note(NoteKind::info, "No lock wait long enough to be recorded in this window.");
            return;
        }
        Vector<Episode> lanes(&resource_);
        Vector<String> labels(&resource_);
        labels.reserve(rows);
        for (std::uint64_t r = 0; r < rows; ++r)
            labels.push_back(spi_.text(r, 3, resource_).value_or(String("lock wait", &resource_)));
        for (std::uint64_t r = 0; r < rows; ++r) {
            bool is_null = false;
            const TimestampTz at = DatumGetTimestampTz(spi_.value(r, 1, &is_null));
            const double micros = number(spi_, r, 2);
            lanes.push_back({view(labels[r]), view(labels[r]), at,
                             std::isfinite(micros) ? static_cast<std::int64_t>(micros) : 0});
        }
        writer_.timeline("Lock waits in this window (bar: from the start of the wait for its duration)",
                         window_.lower, window_.upper, window_.utc_offset, all_of(lanes));
        writer_.table(result_table(resource_, 4));
    }

    void relations() {
        writer_.begin_section("relations", "Largest relations and their bloat",
                              "hastecrm_perf.table_bloat(), hastecrm_perf.index_bloat(), sizes now");
        isolated([&] {
            const std::uint64_t rows = spi_.execute(
                "SELECT (b.table_bytes + coalesce(b.toast_bytes, 0) + coalesce(x.index_bytes, 0))::float8, "
                "b.relid::text AS relation, "
                "b.table_bytes + coalesce(b.toast_bytes, 0) + coalesce(x.index_bytes, 0) AS total_bytes, "
                "b.table_bytes, b.toast_bytes, coalesce(x.index_bytes, 0) AS index_bytes, "
                "b.bloat_bytes, b.bloat_pct, b.estimate, b.n_live_tup, b.n_dead_tup, "
                "greatest(b.last_vacuum, b.last_autovacuum) AS last_vacuum "
                "FROM hastecrm_perf.table_bloat() b "
                // Index sizes from the catalog, as table_bloat's: pg_indexes_size()
                // would wait behind an exclusive lock on the table.
                "LEFT JOIN LATERAL (SELECT sum(ic.relpages)::int8 * pg_catalog.current_setting('block_size')::int8 "
                "  AS index_bytes FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
                "  WHERE i.indrelid = b.relid) x ON true "
                "WHERE b.schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
                "ORDER BY 1 DESC, 2 LIMIT 15",
                {});
            if (rows == 0) {
                writer_.note(NoteKind::info, "No table the caller may read.");
                return;
            }
            Table table = result_table(resource_, 2);
            Vector<Bar> bars(&resource_);
            for (std::uint64_t r = 0; r < std::min<std::uint64_t>(rows, 10); ++r)
                bars.push_back({view(table.cells[r * table.names.size()]), number(spi_, r, 1)});
            writer_.bar_chart("Size of the largest tables (heap, TOAST and indexes)", ValueUnit::bytes, all_of(bars));
            writer_.table(table);
            spi_.execute(
                "SELECT i.indexrelid::text AS index, i.relid::text AS \"table\", i.index_bytes, i.bloat_bytes, "
                "i.bloat_pct FROM hastecrm_perf.index_bloat() i WHERE i.estimate = 'ok' AND i.bloat_bytes > 0 "
                "AND i.schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
                "ORDER BY i.bloat_bytes DESC, 1 LIMIT 10",
                {});
            writer_.subheading("Most bloated indexes");
            table_or_note("No B-tree index shows bloat in its statistics.");
        });
        writer_.subheading("Fastest-growing relations");
        if (!exists("hastecrm_perf.relation_growth(interval)", true)) {
            writer_.note(NoteKind::missing,
                         "History is off: hastecrm_perf.relation_growth() needs the daily relation "
                         "sizes of the history, which this installation does not have.");
        } else {
            isolated([&] { growth(); });
        }
        writer_.end_section();
    }

    void growth() {
        // Its default window (30 days); ordered here by bytes per day.
        spi_.execute("SELECT * FROM hastecrm_perf.relation_growth()", {});
        Table all = result_table(resource_);
        const std::size_t columns = all.names.size();
        std::size_t rate = columns;
        for (std::size_t c = 0; c < columns; ++c)
            if (view(all.names[c]) == "bytes_per_day")
                rate = c;
        if (all.rows() == 0) {
            writer_.note(NoteKind::info, "No relation size history yet.");
            return;
        }
        Vector<double> rates(all.rows(), 0.0, &resource_);
        Vector<std::size_t> order(&resource_);
        for (std::size_t r = 0; r < all.rows(); ++r) {
            order.push_back(r);
            if (rate < columns && !all.nulls[r * columns + rate])
                rates[r] = std::strtod(all.cells[r * columns + rate].c_str(), nullptr);
        }
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rates[a] > rates[b]; });
        Table top(resource_);
        for (std::size_t c = 0; c < columns; ++c) {
            top.names.push_back(all.names[c]);  // copy-assigned: the vector's resource
            top.kinds.push_back(all.kinds[c]);
        }
        Vector<Bar> bars(&resource_);
        for (std::size_t k = 0; k < std::min<std::size_t>(order.size(), 15); ++k) {
            for (std::size_t c = 0; c < columns; ++c) {
                top.cells.push_back(all.cells[order[k] * columns + c]);
                top.nulls.push_back(all.nulls[order[k] * columns + c]);
            }
            if (k < 10 && rate < columns)
                bars.push_back({view(all.cells[order[k] * columns]), rates[order[k]]});
        }
        if (!bars.empty())
            writer_.bar_chart("Growth in bytes per day over the last 30 days", ValueUnit::bytes, all_of(bars));
        writer_.table(top);
    }

    void jobs() {
        writer_.begin_section("jobs", "Partitions and jobs", "hastecrm_perf.jobs, hastecrm_perf.job_log");
        isolated([&] {
            // Error texts can quote row data: only superusers and the
            // target's owner see them (SPEC §5); others see the status.
            spi_.execute(
                "SELECT j.kind, j.target, j.schedule, j.next_run, j.last_run, j.last_status, "
                "j.consecutive_failures, "
                "CASE WHEN (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) "
                "  OR pg_catalog.pg_has_role(c.relowner, 'USAGE') THEN j.last_error END AS last_error, "
                "CASE WHEN j.kind = 'partitions' THEN (SELECT count(*) FROM pg_catalog.pg_inherits i "
                "  WHERE i.inhparent = c.oid) END AS partitions "
                "FROM hastecrm_perf.jobs j "
                "LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(j.target) "
                "ORDER BY j.consecutive_failures DESC, j.kind, j.target LIMIT 100",
                {});
            table_or_note("No maintenance job is configured (manage_partitions, schedule_refresh).");
            run("SELECT l.kind, l.status, count(*) AS runs, max(l.finished_at) AS last_finished "
                "FROM hastecrm_perf.job_log l WHERE l.started_at >= $1 AND l.started_at < $2 "
                "GROUP BY l.kind, l.status ORDER BY l.kind, l.status");
            writer_.subheading("Job runs in this window");
            table_or_note("No job ran in this window.");
        });
        writer_.end_section();
    }

    Resource& resource_;
    pg::Spi& spi_;
    Window& window_;
    ReportWriter writer_;
    bool history_ = false;
};

// NULL and empty ranges are errors; an unbounded or infinite upper end is
// now(), an unbounded lower end goes back hastecrm_perf.history_days (what
// history keeps at most).
Window resolve_window(pg::Spi& spi, Datum during, Resource& resource) {
    spi.execute(
        "WITH r AS (SELECT pg_catalog.isempty($1) AS empty, "
        "  CASE WHEN pg_catalog.upper_inf($1) OR pg_catalog.upper($1) = 'infinity' THEN pg_catalog.now() "
        "       ELSE pg_catalog.upper($1) END AS hi, "
        "  CASE WHEN pg_catalog.lower_inf($1) OR pg_catalog.lower($1) = '-infinity' THEN NULL "
        "       ELSE pg_catalog.lower($1) END AS lo FROM (SELECT) x), "
        "w AS (SELECT empty, coalesce(lo, hi - $2 * interval '1 day') AS lo, hi FROM r) "
        "SELECT empty, lo, hi, (extract(timezone FROM lo) * 1e6)::int8, "
        "  pg_catalog.to_char(lo, 'YYYY-MM-DD HH24:MI') || ' \xE2\x80\x93 ' || pg_catalog.to_char(hi, 'YYYY-MM-DD HH24:MI'), "
        "  pg_catalog.current_database()::text, pg_catalog.to_char(pg_catalog.now(), 'YYYY-MM-DD HH24:MI:SS'), "
        "  pg_catalog.current_setting('TimeZone') FROM w",
        {{TSTZRANGEOID, during}, {INT4OID, Int32GetDatum(settings::history_days)}});
    bool is_null = false;
    if (DatumGetBool(spi.value(0, 1, &is_null)))
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "during must not be an empty range", {},
                        "Pass a window such as tstzrange(now() - interval '1 day', now()).");
    Window window{DatumGetTimestampTz(spi.value(0, 2, &is_null)),
                  DatumGetTimestampTz(spi.value(0, 3, &is_null)),
                  DatumGetInt64(spi.value(0, 4, &is_null)),
                  *spi.text(0, 5, resource),
                  *spi.text(0, 6, resource),
                  *spi.text(0, 7, resource),
                  *spi.text(0, 8, resource)};
    window.label.append(" (");
    window.label.append(format_span(window.upper - window.lower, resource));
    window.label.append(")");
    if (window.upper <= window.lower)
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "during must span some time and start before it ends",
                        "An unbounded upper end means now().",
                        "Pass a window such as tstzrange(now() - interval '1 day', now()).");
    return window;
}

}  // namespace
}  // namespace hastecrm_perf::reports

namespace hp = hastecrm_perf;

HASTECRM_PERF_FUNCTION(report) {
    const bool missing = PG_ARGISNULL(0);
    const Datum during = missing ? Datum(0) : PG_GETARG_DATUM(0);
    return hp::pg::guard([&]() -> Datum {
        if (missing)
            throw hp::pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "during must not be NULL", {},
                                "Pass a window such as tstzrange(now() - interval '1 day', now()), "
                                "or call report() without an argument for the last day.");
        // The page is built in the function's own memory context: SPI's
        // goes away when the connection closes.
        auto resource = hp::pg::ContextResource::current();
        hp::String html(&resource);
        {
            // Should a source still queue behind a lock, that section fails
            // after 2 s, not the page after the caller's patience.
            hp::pg::LocalSettings settings;
            settings.set("lock_timeout", "2s");
            hp::pg::Spi spi;
            hp::reports::Window window = hp::reports::resolve_window(spi, during, resource);
            hp::reports::ReportBuilder builder(resource, spi, window);
            html = builder.build();
        }
        return hp::pg::text_datum(std::string_view(html.data(), html.size()));
    });
}
