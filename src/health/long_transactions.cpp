// long_transactions: sessions idle in transaction (idle time from
// state_change), transactions older than the limit (age from xact_start),
// prepared transactions, and whoever holds the xmin horizon back: the oldest
// backend_xmin / backend_xid, prepared transaction or slot is named.
#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {
namespace {

// The horizon: the oldest of every backend's xmin and xid, every prepared
// transaction and every slot's xmin and catalog_xmin. Ages are in XIDs.
constexpr const char* sessions_sql = R"SQL(
WITH holders AS (
    SELECT 'pid ' || a.pid AS holder,
           greatest(pg_catalog.age(a.backend_xmin), pg_catalog.age(a.backend_xid)) AS xids
    FROM pg_catalog.pg_stat_activity a
    WHERE a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL
    UNION ALL
    SELECT pg_catalog.format('prepared transaction %L', p.gid), pg_catalog.age(p.transaction)
    FROM pg_catalog.pg_prepared_xacts p
    UNION ALL
    SELECT pg_catalog.format('replication slot %L', s.slot_name),
           greatest(pg_catalog.age(s.xmin), pg_catalog.age(s.catalog_xmin))
    FROM pg_catalog.pg_replication_slots s WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL),
horizon AS (SELECT holder, xids FROM holders ORDER BY xids DESC NULLS LAST LIMIT 1)
SELECT a.pid::int8, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), a.state,
       extract(epoch FROM pg_catalog.now() - a.state_change)::float8,
       extract(epoch FROM pg_catalog.now() - a.xact_start)::float8,
       a.xact_start, a.state_change,
       (SELECT h.xids FROM horizon h WHERE h.holder = 'pid ' || a.pid)::float8,
       coalesce(a.datname::text, '')
FROM pg_catalog.pg_stat_activity a
WHERE a.xact_start IS NOT NULL AND a.pid <> pg_catalog.pg_backend_pid()
  AND a.backend_type = 'client backend'
ORDER BY a.xact_start, a.pid
)SQL";

constexpr const char* prepared_sql = R"SQL(
SELECT p.gid, extract(epoch FROM pg_catalog.now() - p.prepared)::float8, p.prepared,
       pg_catalog.age(p.transaction)::float8, p.database::text, p.owner::text,
       pg_catalog.quote_literal(p.gid)
FROM pg_catalog.pg_prepared_xacts p ORDER BY p.prepared
)SQL";

// Active slots only: an inactive one is the replication check's (its standby is gone).
constexpr const char* slots_sql = R"SQL(
SELECT pg_catalog.format('%s slot %s', s.slot_type, s.slot_name),
       greatest(pg_catalog.age(s.xmin), pg_catalog.age(s.catalog_xmin))::float8, s.slot_type, s.active_pid::int8
FROM pg_catalog.pg_replication_slots s
WHERE s.active AND greatest(pg_catalog.age(s.xmin), pg_catalog.age(s.catalog_xmin)) >= $1
ORDER BY 2 DESC
)SQL";

}  // namespace

void check_long_transactions(CheckContext& c) {
    const double idle_limit = c.param("idle_in_transaction_s"), xact_limit = c.param("transaction_s"),
                 prepared_limit = c.param("prepared_s"), critical = c.param("critical_s");
    std::uint64_t count = c.spi.execute(sessions_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const String pid = integer_text(static_cast<double>(row.integer(1)), c.resource);
        const String state = row.text(4);
        const double idle_s = row.number(5), xact_s = row.number(6);
        const bool idle = std::string_view(state).starts_with("idle in transaction");
        const bool idle_too_long = idle && idle_s >= idle_limit;
        const bool old = xact_s >= xact_limit;
        if (!idle_too_long && !old)
            continue;
        const double measure = idle_too_long ? idle_s : xact_s;
        const double limit = idle_too_long ? idle_limit : xact_limit;
        const Severity severity = measure >= critical ? Severity::critical : Severity::warning;
        String detail = idle_too_long
            ? c.text({state, " for ", seconds_text(idle_s, c.resource), " (transaction open for ",
                      seconds_text(xact_s, c.resource), ")"})
            : c.text({"transaction open for ", seconds_text(xact_s, c.resource), ", now ", state});
        detail.append(c.text({"; user ", row.text(2), ", application '", row.text(3), "', database ",
                              row.text(10)}));
        if (!row.is_null(9))
            detail.append(c.text({"; holds the xmin horizon (the oldest, ",
                                  count_text(row.number(9), c.resource),
                                  " XIDs): VACUUM cannot remove rows deleted since it began"}));
        String advice = c.text({"SELECT pg_catalog.pg_terminate_backend(", pid, ");"});
        if (idle_too_long)
            advice.append(c.text({" ALTER SYSTEM SET idle_in_transaction_session_timeout = '",
                                  integer_text(idle_limit, c.resource), "s'; SELECT pg_catalog.pg_reload_conf();"}));
        c.add(severity, c.text({"pid ", pid}),
              idle_too_long ? c.text({"idle ", seconds_text(idle_s, c.resource)})
                            : c.text({"open ", seconds_text(xact_s, c.resource)}),
              c.text({idle_too_long ? "idle in transaction " : "transaction age ",
                      seconds_text(limit, c.resource), ", critical ", seconds_text(critical, c.resource)}),
              detail, advice, row.time(idle_too_long ? 8 : 7));
    }

    count = c.spi.execute(prepared_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const double age_s = row.number(2);
        if (age_s < prepared_limit)
            continue;
        const String gid = row.text(7);
        c.add(age_s >= critical ? Severity::critical : Severity::warning,
              c.text({"prepared transaction ", gid}), c.text({"prepared ", seconds_text(age_s, c.resource), " ago"}),
              c.text({"older than ", seconds_text(prepared_limit, c.resource)}),
              c.text({"holds its locks and the xmin horizon (", count_text(row.number(4), c.resource),
                      " XIDs) until committed or rolled back; database ", row.text(5), ", owner ", row.text(6)}),
              c.text({"ROLLBACK PREPARED ", gid, "; -- or COMMIT PREPARED, in database ", row.text(5)}),
              row.time(3));
    }

    const double slot_xids = c.param("slot_xids");
    count = c.spi.execute(slots_sql, {{FLOAT8OID, Float8GetDatum(slot_xids)}});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const bool physical = row.text(3) == "physical";
        c.add(Severity::warning, row.text(1), c.text({count_text(row.number(2), c.resource), " XIDs behind"}),
              c.text({"at most ", count_text(slot_xids, c.resource), " XIDs"}),
              physical ? std::string_view("its standby reports an old snapshot (hot_standby_feedback): a long query there keeps "
                                          "VACUUM here from removing dead rows")
                       : std::string_view("its logical consumer has not confirmed the catalog changes it decoded: VACUUM of the "
                                          "catalogs waits for it"),
              physical ? std::string_view("SELECT pid, now() - xact_start, query FROM pg_catalog.pg_stat_activity "
                                          "WHERE backend_xmin IS NOT NULL ORDER BY xact_start; -- run on the standby, then end the oldest")
                       : std::string_view(c.text({"SELECT pg_catalog.pg_terminate_backend(",
                                                  integer_text(static_cast<double>(row.integer(4)), c.resource),
                                                  "); -- the walsender of that consumer"})));
    }
}

}  // namespace hastecrm_perf::health
