// wraparound: XID and multixact age of every database (template0 too) and of
// every table, matview and TOAST table (relfrozenxid 0, as indexes, views and
// partitioned parents have, is no age at all), graded by core/xid_headroom;
// the finding names what holds the horizon back.
#include "core/autovacuum_rule.hpp"
#include "core/xid_headroom.hpp"
#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

namespace hastecrm_perf::health {
namespace {

constexpr const char* server_sql = R"SQL(
SELECT pg_catalog.current_setting('autovacuum_freeze_max_age')::int8,
       pg_catalog.current_setting('autovacuum_multixact_freeze_max_age')::int8,
       (SELECT h.holder FROM (
            SELECT pg_catalog.format('pid %s (%s, %s)', a.pid, coalesce(a.usename::text, a.backend_type), a.state) AS holder,
                   greatest(pg_catalog.age(a.backend_xmin), pg_catalog.age(a.backend_xid)) AS xids
            FROM pg_catalog.pg_stat_activity a WHERE a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL
            UNION ALL
            SELECT pg_catalog.format('prepared transaction %L', p.gid), pg_catalog.age(p.transaction)
            FROM pg_catalog.pg_prepared_xacts p
            UNION ALL
            SELECT pg_catalog.format('replication slot %L', s.slot_name), greatest(pg_catalog.age(s.xmin), pg_catalog.age(s.catalog_xmin))
            FROM pg_catalog.pg_replication_slots s WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL) h
        ORDER BY h.xids DESC NULLS LAST LIMIT 1),
       (SELECT greatest(pg_catalog.age(a.backend_xmin), pg_catalog.age(a.backend_xid))
        FROM pg_catalog.pg_stat_activity a ORDER BY 1 DESC NULLS LAST LIMIT 1)::int8
)SQL";

constexpr const char* databases_sql = R"SQL(
SELECT pg_catalog.format('database %I', d.datname), pg_catalog.age(d.datfrozenxid)::int8,
       pg_catalog.mxid_age(d.datminmxid)::int8, d.datallowconn, pg_catalog.quote_ident(d.datname)
FROM pg_catalog.pg_database d ORDER BY d.datname
)SQL";

// Only relations whose age could matter: past half the lowest freeze age a
// table may set (autovacuum_freeze_max_age reloptions can only lower it).
constexpr const char* relations_sql = R"SQL(
SELECT CASE WHEN c.relkind = 't' THEN pg_catalog.format('%I.%I', mn.nspname, m.relname)
            ELSE pg_catalog.format('%I.%I', n.nspname, c.relname) END,
       c.relkind = 't', pg_catalog.age(c.relfrozenxid)::int8,
       CASE WHEN c.relminmxid = '0'::xid THEN 0 ELSE pg_catalog.mxid_age(c.relminmxid) END::int8,
       coalesce(pg_catalog.array_to_string(c.reloptions, E'\x1f'), ''),
       coalesce(pg_catalog.array_to_string(m.reloptions, E'\x1f'), '')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class m ON c.relkind = 't' AND m.reltoastrelid = c.oid
LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = m.relnamespace
WHERE c.relkind IN ('r', 'm', 't') AND c.relfrozenxid <> '0'::xid
  AND (pg_catalog.age(c.relfrozenxid) > 50000000
       OR (c.relminmxid <> '0'::xid AND pg_catalog.mxid_age(c.relminmxid) > 50000000))
ORDER BY 3 DESC
)SQL";

}  // namespace

void check_wraparound(CheckContext& c) {
    c.spi.execute(server_sql, {});
    AutovacuumSettings server;
    String holder(&c.resource);
    {
        const SqlRow s(c.spi, 0, c.resource);
        server.freeze_max_age = s.integer(1);
        server.multixact_freeze_max_age = s.integer(2);
        holder = s.text(3);
    }
    WraparoundLimits xid_limits;
    xid_limits.warning_margin = static_cast<std::int64_t>(c.param("warning_margin"));
    xid_limits.critical_headroom = static_cast<std::int64_t>(c.param("critical_headroom"));
    const String threshold = c.text({"stop limit age ", count_text(xid_stop_age, c.resource), "; warning past freeze_max_age + ",
                                     count_text(static_cast<double>(xid_limits.warning_margin), c.resource), ", critical within ",
                                     count_text(static_cast<double>(xid_limits.critical_headroom), c.resource), " of the stop limit"});
    const String horizon = holder.empty() ? String(&c.resource)
                                          : c.text({"; the oldest transaction horizon is held by ", holder});

    auto judge = [&](std::string_view object, std::int64_t xid_age, std::int64_t mxid_age,
                     const AutovacuumSettings& settings, std::string_view advice) {
        WraparoundLimits xid = xid_limits, mxid = xid_limits;
        xid.freeze_max_age = settings.freeze_max_age;
        mxid.freeze_max_age = settings.multixact_freeze_max_age;
        const Severity by_xid = grade_wraparound(xid_age, xid), by_mxid = grade_wraparound(mxid_age, mxid);
        const bool xid_worse = by_xid >= by_mxid;
        const Severity severity = xid_worse ? by_xid : by_mxid;
        if (severity == Severity::none)
            return;
        const std::int64_t age = xid_worse ? xid_age : mxid_age;
        c.add(severity, object,
              c.text({xid_worse ? "XID age " : "multixact age ", count_text(static_cast<double>(age), c.resource)}),
              threshold,
              c.text({count_text(static_cast<double>(headroom_to_stop(age)), c.resource),
                      xid_worse ? " XIDs" : " multixacts", " before the server stops assigning them; freeze_max_age ",
                      count_text(static_cast<double>(xid_worse ? xid.freeze_max_age : mxid.freeze_max_age), c.resource),
                      ": anti-wraparound autovacuum should have frozen it", horizon}),
              advice);
    };

    std::uint64_t count = c.spi.execute(databases_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String advice = row.flag(4)
            ? c.text({"VACUUM (FREEZE, VERBOSE); -- connected to database ", row.text(5),
                      ", or vacuumdb --freeze --jobs=4 ", row.text(5), "; the oldest tables first"})
            : c.text({"ALTER DATABASE ", row.text(5), " ALLOW_CONNECTIONS true; -- then VACUUM (FREEZE) in it and ALLOW_CONNECTIONS false"});
        judge(row.text(1), row.integer(2), row.integer(3), server, advice);
    }
    count = c.spi.execute(relations_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const bool toast = row.flag(2);
        const String name = row.text(1);
        const AutovacuumReloptions own = parse_autovacuum_reloptions(row.text(5), '\x1f');
        const AutovacuumSettings settings =
            toast ? effective_toast_settings(server, own, parse_autovacuum_reloptions(row.text(6), '\x1f'))
                  : effective_settings(server, own);
        judge(toast ? c.text({"TOAST of ", name}) : String(name, &c.resource), row.integer(3), row.integer(4), settings,
              c.text({"VACUUM (FREEZE, VERBOSE) ", name, ";"}));
    }
}

}  // namespace hastecrm_perf::health
