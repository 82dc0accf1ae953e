// replication: on a primary every connected standby's replay lag and every
// slot (a physical slot nobody streams from is a standby that is gone: it
// shows no lag at all in pg_stat_replication, it is simply absent); WAL a
// slot retains, wal_status unreserved or lost, safe_wal_size running low, an
// inactive slot holding the xmin horizon. On a standby: the WAL receiver and
// the replay lag.
#include <cmath>

#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

namespace hastecrm_perf::health {
namespace {

constexpr const char* standbys_sql = R"SQL(
SELECT coalesce(nullif(r.application_name, ''), 'pid ' || r.pid), r.state,
       pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn)::float8,
       extract(epoch FROM r.replay_lag)::float8, r.sync_state, coalesce(host(r.client_addr), 'local'),
       r.backend_start
FROM pg_catalog.pg_stat_replication r ORDER BY 1
)SQL";

constexpr const char* slots_sql = R"SQL(
SELECT s.slot_name::text, s.slot_type, s.active, coalesce(s.wal_status, ''), s.safe_wal_size::float8,
       pg_catalog.pg_wal_lsn_diff(CASE WHEN pg_catalog.pg_is_in_recovery()
                                       THEN pg_catalog.pg_last_wal_receive_lsn()
                                       ELSE pg_catalog.pg_current_wal_lsn() END, s.restart_lsn)::float8,
       greatest(pg_catalog.age(s.xmin), pg_catalog.age(s.catalog_xmin))::float8,
       pg_catalog.quote_literal(s.slot_name), coalesce(s.database::text, '')
FROM pg_catalog.pg_replication_slots s ORDER BY 1
)SQL";

constexpr const char* receiver_sql = R"SQL(
SELECT (SELECT w.status FROM pg_catalog.pg_stat_wal_receiver w LIMIT 1),
       pg_catalog.current_setting('primary_conninfo') <> '',
       pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())::float8,
       CASE WHEN pg_catalog.pg_last_wal_receive_lsn() = pg_catalog.pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM pg_catalog.now() - pg_catalog.pg_last_xact_replay_timestamp()) END::float8,
       pg_catalog.pg_get_wal_replay_pause_state(), pg_catalog.pg_last_xact_replay_timestamp(),
       coalesce(pg_catalog.pg_last_xact_replay_timestamp()::text, 'never')
)SQL";

Severity worse(Severity a, Severity b) { return a > b ? a : b; }

}  // namespace

void check_replication(CheckContext& c) {
    const double lag_bytes_w = c.param("warning_lag_bytes"), lag_bytes_c = c.param("critical_lag_bytes");
    const double lag_s_w = c.param("warning_lag_s"), lag_s_c = c.param("critical_lag_s");
    const String lag_threshold = c.text({"warning ", bytes_text(lag_bytes_w, c.resource), " or ",
                                         seconds_text(lag_s_w, c.resource), ", critical ",
                                         bytes_text(lag_bytes_c, c.resource), " or ",
                                         seconds_text(lag_s_c, c.resource)});
    std::uint64_t count = 0;
    if (!c.in_recovery) {
        count = c.spi.execute(standbys_sql, {});
        for (std::uint64_t r = 0; r < count; ++r) {
            const SqlRow row(c.spi, r, c.resource);
            const double bytes = row.number(3), seconds = row.number(4);
            const Severity severity = worse(grade_rising(bytes, lag_bytes_w, lag_bytes_c),
                                            grade_rising(seconds, lag_s_w, lag_s_c));
            if (severity == Severity::none)
                continue;
            c.add(severity, c.text({"standby ", row.text(1)}),
                  c.text({bytes_text(bytes, c.resource),
                          std::isnan(seconds) ? "" : ", ",
                          std::isnan(seconds) ? String(&c.resource) : seconds_text(seconds, c.resource)}),
                  lag_threshold,
                  c.text({"replay lag of a ", row.text(5), " standby at ", row.text(6), ", state ", row.text(2)}),
                  "SELECT * FROM pg_catalog.pg_stat_replication; -- on the standby: SELECT * FROM pg_catalog.pg_stat_wal_receiver;",
                  row.time(7));
        }
    } else {
        c.spi.execute(receiver_sql, {});
        const SqlRow row(c.spi, 0, c.resource);
        const String status = row.text(1);
        if (status != "streaming") {
            const bool configured = row.flag(2);
            c.add(configured ? Severity::critical : Severity::info, "WAL receiver",
                  status.empty() ? std::string_view("not running") : std::string_view(status), "streaming",
                  configured ? std::string_view(c.text({"this standby is not receiving WAL from its primary; "
                                                        "last replayed transaction at ", row.text(7)}))
                             : std::string_view("no primary_conninfo: this server recovers from the archive only"),
                  configured ? "SELECT * FROM pg_catalog.pg_stat_wal_receiver; -- and the primary's pg_hba.conf, network, replication slot"
                             : "",
                  row.time(6));
        }
        const double bytes = row.number(3), seconds = row.number(4);
        const Severity severity = worse(grade_rising(bytes, lag_bytes_w, lag_bytes_c),
                                        grade_rising(seconds, lag_s_w, lag_s_c));
        if (severity != Severity::none)
            c.add(severity, "replay", c.text({bytes_text(bytes, c.resource), ", ", seconds_text(seconds, c.resource)}),
                  lag_threshold, "WAL received but not yet replayed on this standby",
                  "SELECT * FROM pg_catalog.pg_stat_activity WHERE backend_type = 'startup'; -- a conflicting query delays replay (max_standby_streaming_delay)");
        const String paused = row.text(5);
        if (paused != "not paused")
            c.add(Severity::warning, "replay", paused, "not paused", "WAL replay is paused",
                  "SELECT pg_catalog.pg_wal_replay_resume();");
    }

    const double retained_w = c.param("warning_retained_bytes"), retained_c = c.param("critical_retained_bytes");
    const double safe_w = c.param("warning_safe_wal_bytes");
    count = c.spi.execute(slots_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String name = row.text(1), type = row.text(2), wal_status = row.text(4), literal = row.text(8);
        const bool active = row.flag(3);
        const double safe = row.number(5), retained = row.number(6), xmin_age = row.number(7);
        const String object = c.text({type, " slot ", name});
        const String drop = c.text({"SELECT pg_catalog.pg_drop_replication_slot(", literal, ");"});
        if (wal_status == "lost" || wal_status == "unreserved") {
            c.add(Severity::critical, object, wal_status, "reserved",
                  wal_status == "lost" ? std::string_view("the WAL this slot needs is gone: its consumer cannot resume and must be rebuilt")
                                       : std::string_view("the slot retains more than max_slot_wal_keep_size: its WAL is removed at the next checkpoint"),
                  drop);
            continue;
        }
        Severity severity = grade_rising(retained, retained_w, retained_c);
        String detail(&c.resource);
        if (!active && type == "physical") {
            severity = worse(severity, Severity::warning);
            detail = c.text({"no standby streams from this slot: the standby is gone (it shows no lag, it is absent "
                             "from pg_stat_replication) and the slot retains ", bytes_text(retained, c.resource), " of WAL"});
        } else if (!active) {
            severity = worse(severity, Severity::warning);
            detail = c.text({"no consumer is connected to this logical slot of database ", row.text(9),
                             "; it retains ", bytes_text(retained, c.resource), " of WAL"});
        } else if (severity != Severity::none) {
            detail = c.text({"its consumer is connected but behind by ", bytes_text(retained, c.resource)});
        }
        if (!std::isnan(safe) && safe <= safe_w) {
            severity = worse(severity, Severity::warning);
            detail.append(c.text({detail.empty() ? "" : "; ", "safe_wal_size is down to ", bytes_text(safe, c.resource),
                                  ": past that the slot is lost"}));
        }
        if (!active && !std::isnan(xmin_age))
            detail.append(c.text({"; holds the xmin horizon back by ", count_text(xmin_age, c.resource),
                                  " XIDs: VACUUM cannot remove dead rows"}));
        if (severity == Severity::none)
            continue;
        c.add(severity, object, c.text({bytes_text(retained, c.resource), " retained", active ? "" : ", inactive"}),
              c.text({"warning ", bytes_text(retained_w, c.resource), ", critical ", bytes_text(retained_c, c.resource),
                      ", inactive, safe_wal_size <= ", bytes_text(safe_w, c.resource)}),
              detail,
              active ? c.text({"ALTER SYSTEM SET max_slot_wal_keep_size = '", integer_text(retained_c / (1024 * 1024), c.resource),
                               "MB'; SELECT pg_catalog.pg_reload_conf(); -- caps what the slot may retain"})
                     : c.text({drop, " -- once its standby or consumer is not coming back"}));
    }
}

}  // namespace hastecrm_perf::health
