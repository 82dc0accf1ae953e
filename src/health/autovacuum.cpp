// autovacuum: every table, matview and TOAST table judged by PostgreSQL 15's
// own rule (core/autovacuum_rule) with its reloptions; partitioned parents
// that were never analyzed (autovacuum never analyzes them); the server's
// autovacuum or track_counts off; a vacuum running now is said. Large tables
// on the default scale factor get per-table settings sized from their write
// rate.
#include <cmath>

#include "core/autovacuum_rule.hpp"
#include "health/check_context.hpp"
#include "health/sources.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {
namespace {

constexpr const char* server_sql = R"SQL(
SELECT pg_catalog.current_setting('autovacuum')::bool, pg_catalog.current_setting('track_counts')::bool,
       pg_catalog.current_setting('autovacuum_vacuum_threshold')::float8,
       pg_catalog.current_setting('autovacuum_vacuum_scale_factor')::float8,
       pg_catalog.current_setting('autovacuum_vacuum_insert_threshold')::float8,
       pg_catalog.current_setting('autovacuum_vacuum_insert_scale_factor')::float8,
       pg_catalog.current_setting('autovacuum_analyze_threshold')::float8,
       pg_catalog.current_setting('autovacuum_analyze_scale_factor')::float8,
       pg_catalog.current_setting('autovacuum_freeze_max_age')::int8,
       pg_catalog.current_setting('autovacuum_multixact_freeze_max_age')::int8,
       (SELECT extract(epoch FROM pg_catalog.now() - coalesce(d.stats_reset, pg_catalog.pg_postmaster_start_time()))
        FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database())::float8,
       (SELECT coalesce(d.stats_reset, pg_catalog.pg_postmaster_start_time())
        FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database())
)SQL";

// Relations with activity since their last vacuum or analyze (the others
// cannot be due), and every partitioned parent.
constexpr const char* relations_sql = R"SQL(
WITH running AS (SELECT p.relid, p.phase FROM pg_catalog.pg_stat_progress_vacuum p),
rel AS (
    SELECT c.oid, c.relkind, c.relname, c.relnamespace, c.reltuples, c.reloptions, c.relfrozenxid, c.relminmxid,
           pg_catalog.pg_stat_get_dead_tuples(c.oid) AS dead,
           pg_catalog.pg_stat_get_ins_since_vacuum(c.oid) AS ins,
           pg_catalog.pg_stat_get_mod_since_analyze(c.oid) AS mods
    FROM pg_catalog.pg_class c
    WHERE c.relkind IN ('r', 'm', 't', 'p') AND c.relpersistence <> 't')
SELECT r.relkind::text,
       CASE WHEN r.relkind = 't' THEN pg_catalog.format('%I.%I', mn.nspname, m.relname)
            ELSE pg_catalog.format('%I.%I', n.nspname, r.relname) END,
       r.reltuples::float8, coalesce(pg_catalog.array_to_string(r.reloptions, E'\x1f'), ''),
       coalesce(pg_catalog.array_to_string(m.reloptions, E'\x1f'), ''),
       r.dead::float8, r.ins::float8, r.mods::float8,
       CASE WHEN r.relfrozenxid = '0'::xid THEN 0 ELSE pg_catalog.age(r.relfrozenxid) END::int8,
       CASE WHEN r.relminmxid = '0'::xid THEN 0 ELSE pg_catalog.mxid_age(r.relminmxid) END::int8,
       greatest(pg_catalog.pg_stat_get_last_autovacuum_time(r.oid), pg_catalog.pg_stat_get_last_vacuum_time(r.oid)),
       greatest(pg_catalog.pg_stat_get_last_autoanalyze_time(r.oid), pg_catalog.pg_stat_get_last_analyze_time(r.oid)),
       run.phase,
       (pg_catalog.pg_stat_get_tuples_updated(r.oid) + pg_catalog.pg_stat_get_tuples_deleted(r.oid))::float8,
       r.relkind = 'p' AND EXISTS (SELECT FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class k ON k.oid = i.inhrelid
                                   WHERE i.inhparent = r.oid AND k.reltuples > 0),
       greatest(pg_catalog.pg_stat_get_last_autovacuum_time(r.oid), pg_catalog.pg_stat_get_last_vacuum_time(r.oid))::text,
       greatest(pg_catalog.pg_stat_get_last_autoanalyze_time(r.oid), pg_catalog.pg_stat_get_last_analyze_time(r.oid))::text
FROM rel r
JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
LEFT JOIN pg_catalog.pg_class m ON r.relkind = 't' AND m.reltoastrelid = r.oid
LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = m.relnamespace
LEFT JOIN running run ON run.relid = coalesce(m.oid, r.oid)
-- The extension's own history parents are read by partition pruning only:
-- statistics on them would serve no plan.
WHERE (r.relkind = 'p' AND n.nspname <> 'hastecrm_perf') OR r.dead > 0 OR r.ins > 0 OR r.mods > 0
ORDER BY 2, 1
)SQL";

// Vacuumed often, bloated anyway: autovacuum keeps reusing the space but
// comes too late or too slowly to keep the table from growing. Only tables
// autovacuum has visited that often are estimated (table_bloat() reads no page).
constexpr const char* bloated_sql = R"SQL(
SELECT pg_catalog.format('%I.%I', b.schemaname, b.relname), b.bloat_pct, s.autovacuum_count::float8,
       c.reltuples::float8, (s.n_tup_upd + s.n_tup_del)::float8, (b.table_bytes + b.toast_bytes)::float8,
       coalesce(pg_catalog.array_to_string(c.reloptions, E'\x1f'), '')
FROM hastecrm_perf.table_bloat($1) b
JOIN pg_catalog.pg_stat_all_tables s ON s.relid = b.relid
JOIN pg_catalog.pg_class c ON c.oid = b.relid
WHERE b.estimate = 'ok' AND s.autovacuum_count >= $2 AND b.bloat_pct >= $3
ORDER BY b.bloat_bytes DESC LIMIT 20
)SQL";

RelationKind kind_of(std::string_view relkind) {
    if (relkind == "t")
        return RelationKind::toast;
    if (relkind == "m")
        return RelationKind::matview;
    if (relkind == "p")
        return RelationKind::partitioned;
    return RelationKind::table;
}

void report_bloated_despite_vacuum(CheckContext& c, const AutovacuumSettings& server,
                                   double seconds_since_reset, bool history) {
    const double vacuums = c.param("bloated_after_vacuums"), pct = c.param("bloated_pct");
    const double min_bytes = c.param("bloated_min_bytes"), interval_hours = c.param("vacuum_every_hours");
    c.spi.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_all_tables s WHERE s.autovacuum_count >= $1)",
                  {{FLOAT8OID, Float8GetDatum(vacuums)}});
    if (!SqlRow(c.spi, 0, c.resource).flag(1))
        return;  // no table vacuumed that often: nothing to estimate
    const std::uint64_t count = c.spi.execute(bloated_sql, {{INT8OID, Int64GetDatum(static_cast<int64>(min_bytes * pct / 100))},
                                                            {FLOAT8OID, Float8GetDatum(vacuums)},
                                                            {FLOAT8OID, Float8GetDatum(pct)}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        if (row.number(6) < min_bytes)
            continue;
        const String name = row.text(1);
        const AutovacuumSettings settings = effective_settings(server, parse_autovacuum_reloptions(row.text(7), '\x1f'));
        const double reltuples = row.number(4);
        const double per_hour = seconds_since_reset > 0 ? row.number(5) / (seconds_since_reset / 3600) : 0;
        const double scale = scale_factor_for_rate(reltuples, per_hour, interval_hours, 1000);
        String advice = c.text({"ALTER TABLE ", name, " SET (autovacuum_vacuum_cost_limit = 2000"});
        if (reltuples >= c.param("tune_min_rows") && scale < settings.vacuum_scale_factor)
            advice.append(c.text({", autovacuum_vacuum_scale_factor = ", number_text(scale, c.resource),
                                  ", autovacuum_vacuum_threshold = 1000"}));
        advice.append("); -- earlier and faster vacuums keep it from growing; a rewrite returns what is there (see bloat)");
        c.add(Severity::warning, name,
              c.text({percent_text(row.number(2) / 100, c.resource), " bloated after ", count_text(row.number(3), c.resource),
                      " autovacuums"}),
              c.text({"at least ", number_text(pct, c.resource), "% after ", count_text(vacuums, c.resource), " autovacuums"}),
              c.text({"vacuumed often, bloated anyway: ", count_text(per_hour, c.resource),
                      " updates+deletes per hour since the statistics reset",
                      history ? "" : " (no relation history: rates are averages since the reset)"}),
              advice);
    }
}

}  // namespace

void check_autovacuum(CheckContext& c) {
    c.spi.execute(server_sql, {});
    AutovacuumSettings server;
    double seconds_since_reset = 0;
    {
        const SqlRow s(c.spi, 0, c.resource);
        if (!s.flag(2)) {
            c.add(Severity::critical, "track_counts", "off", "on",
                  "without statistics autovacuum cannot see dead tuples and never runs except against wraparound",
                  "ALTER SYSTEM SET track_counts = on; SELECT pg_catalog.pg_reload_conf();");
            return;
        }
        server.enabled = s.flag(1);
        if (!server.enabled)
            c.add(Severity::critical, "autovacuum", "off", "on",
                  "only anti-wraparound vacuums run: dead tuples pile up and statistics go stale",
                  "ALTER SYSTEM SET autovacuum = on; SELECT pg_catalog.pg_reload_conf();");
        server.vacuum_threshold = s.number(3);
        server.vacuum_scale_factor = s.number(4);
        server.insert_threshold = s.number(5);
        server.insert_scale_factor = s.number(6);
        server.analyze_threshold = s.number(7);
        server.analyze_scale_factor = s.number(8);
        server.freeze_max_age = s.integer(9);
        server.multixact_freeze_max_age = s.integer(10);
        seconds_since_reset = s.number(11);
    }
    const double critical_factor = c.param("critical_factor"), tune_min_rows = c.param("tune_min_rows");
    const double interval_hours = c.param("vacuum_every_hours");
    const bool history = relation_exists(c.spi, "hastecrm_perf.relation_history");

    const std::uint64_t count = c.spi.execute(relations_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String relkind = row.text(1), name = row.text(2);
        const RelationKind kind = kind_of(relkind);
        if (kind == RelationKind::partitioned) {
            if (row.is_null(12) && row.flag(15))
                c.add(Severity::warning, name, "never analyzed", "analyzed once its partitions hold rows",
                      "a partitioned table: autovacuum analyzes its partitions but never the parent, so the planner "
                      "has no statistics for the whole (joins and GROUP BY over it are misestimated)",
                      c.text({"ANALYZE ", name, "; -- again after large changes; hastecrm_perf.schedule_analyze() does it"}));
            continue;
        }
        const AutovacuumReloptions own = parse_autovacuum_reloptions(row.text(4), '\x1f');
        const AutovacuumSettings settings =
            kind == RelationKind::toast
                ? effective_toast_settings(server, own, parse_autovacuum_reloptions(row.text(5), '\x1f'))
                : effective_settings(server, own);
        TableActivity activity{kind, row.number(3), row.number(6), row.number(7), row.number(8),
                               row.integer(9), row.integer(10)};
        AutovacuumSettings as_if_enabled = settings;
        as_if_enabled.enabled = true;
        const AutovacuumVerdict verdict = judge_autovacuum(as_if_enabled, activity);
        if (!verdict.vacuum_due && !verdict.insert_due && !verdict.analyze_due)
            continue;

        const bool toast = kind == RelationKind::toast;
        const String object = toast ? c.text({"TOAST of ", name}) : String(name, &c.resource);
        String value(&c.resource), threshold(&c.resource);
        double excess = 0;
        auto note = [&](const char* what, double measure, double limit) {
            value.append(c.text({value.empty() ? "" : ", ", what, " ", count_text(measure, c.resource)}));
            threshold.append(c.text({threshold.empty() ? "" : ", ", what, " > ", count_text(limit, c.resource)}));
            excess = std::max(excess, limit > 0 ? measure / limit : INFINITY);
        };
        if (verdict.vacuum_due)
            note("dead tuples", activity.dead_tuples, verdict.vacuum_limit);
        if (verdict.insert_due)
            note("inserts since vacuum", activity.inserts_since_vacuum, verdict.insert_limit);
        if (verdict.analyze_due)
            note("changes since analyze", activity.changes_since_analyze, verdict.analyze_limit);

        const bool vacuum = verdict.vacuum_due || verdict.insert_due;
        const char* prefix = toast ? "toast." : "";
        String detail = c.text({"past PostgreSQL's own threshold: ", prefix, "autovacuum_*_threshold + ",
                                prefix, "autovacuum_*_scale_factor x reltuples ",
                                count_text(std::max(0.0, activity.reltuples), c.resource), " (scale factors: vacuum ",
                                number_text(settings.vacuum_scale_factor, c.resource), ", insert ",
                                number_text(settings.insert_scale_factor, c.resource), ", analyze ",
                                number_text(settings.analyze_scale_factor, c.resource),
                                own.present ? "; the table's own options)" : ")"});
        Severity severity = excess >= critical_factor ? Severity::critical : Severity::warning;
        if (!settings.enabled) {
            detail.append(server.enabled ? "; autovacuum_enabled = false on this table: autovacuum will not process it"
                                         : "; autovacuum is off");
        } else if (!row.is_null(13)) {
            detail.append(c.text({"; a vacuum is running now (", row.text(13), ")"}));
            severity = Severity::info;
        } else {
            detail.append("; autovacuum picks it at its next visit of this database");
        }
        const String last = vacuum ? row.text(16) : row.text(17);
        detail.append(c.text({"; last ", vacuum ? "vacuum " : "analyze ", last.empty() ? std::string_view("never") : std::string_view(last)}));

        String advice = vacuum ? c.text({"VACUUM (ANALYZE) ", name, ";"}) : c.text({"ANALYZE ", name, ";"});
        if (!settings.enabled && server.enabled)
            advice.append(c.text({" ALTER TABLE ", name, " RESET (", prefix, "autovacuum_enabled);"}));
        const double changes = row.number(14);
        if (verdict.vacuum_due && activity.reltuples >= tune_min_rows && !own.vacuum_scale_factor &&
            seconds_since_reset > 3600) {
            const double per_hour = changes / (seconds_since_reset / 3600);
            const double scale = scale_factor_for_rate(activity.reltuples, per_hour, interval_hours, 1000);
            if (scale < settings.vacuum_scale_factor) {
                advice.append(c.text({" ALTER TABLE ", name, " SET (", prefix, "autovacuum_vacuum_scale_factor = ",
                                      number_text(scale, c.resource), ", ", prefix, "autovacuum_vacuum_threshold = 1000);"}));
                detail.append(c.text({"; ", count_text(per_hour, c.resource),
                                      " updates+deletes per hour since the statistics reset; that scale factor vacuums about every ",
                                      number_text(interval_hours, c.resource), " h",
                                      history ? "" : " (no relation history: rates are averages since the reset)"}));
            }
        }
        c.add(severity, object, value, threshold, detail, advice, vacuum ? row.time(11) : row.time(12));
    }
    report_bloated_despite_vacuum(c, server, seconds_since_reset, history);
}

}  // namespace hastecrm_perf::health
