// connections: client backends (not background workers, not autovacuum)
// against what they may use: max_connections − superuser_reserved_connections
// for the server, and each database's and role's own CONNECTION LIMIT.
#include <cmath>

#include "health/check_context.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

namespace hastecrm_perf::health {
namespace {

constexpr const char* connections_sql = R"SQL(
WITH clients AS (
    SELECT a.datid, a.usesysid, a.state
    FROM pg_catalog.pg_stat_activity a WHERE a.backend_type = 'client backend'),
usable AS (
    SELECT pg_catalog.current_setting('max_connections')::int
           - pg_catalog.current_setting('superuser_reserved_connections')::int AS n)
SELECT 'server', NULL::text, (SELECT count(*) FROM clients)::float8, (SELECT n FROM usable)::float8,
       (SELECT pg_catalog.format('%s active, %s idle, %s idle in transaction; %s reserved for superusers',
               count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE state = 'idle'),
               count(*) FILTER (WHERE state LIKE 'idle in transaction%'),
               pg_catalog.current_setting('superuser_reserved_connections')) FROM clients)
UNION ALL
SELECT pg_catalog.format('database %I', d.datname), pg_catalog.format('ALTER DATABASE %I', d.datname),
       (SELECT count(*) FROM clients c WHERE c.datid = d.oid)::float8, d.datconnlimit::float8,
       'its own CONNECTION LIMIT'
FROM pg_catalog.pg_database d WHERE d.datconnlimit >= 0
UNION ALL
SELECT pg_catalog.format('role %I', r.rolname), pg_catalog.format('ALTER ROLE %I', r.rolname),
       (SELECT count(*) FROM clients c WHERE c.usesysid = r.oid)::float8, r.rolconnlimit::float8,
       'its own CONNECTION LIMIT'
FROM pg_catalog.pg_roles r WHERE r.rolconnlimit >= 0 AND r.rolcanlogin
)SQL";

}  // namespace

void check_connections(CheckContext& c) {
    const double warning = c.param("warning_ratio"), critical = c.param("critical_ratio");
    const std::uint64_t count = c.spi.execute(connections_sql, {});
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const double used = row.number(3), limit = row.number(4);
        const double ratio = limit > 0 ? used / limit : (used > 0 ? INFINITY : 0);
        const Severity severity = grade_rising(ratio, warning, critical);
        if (severity == Severity::none)
            continue;
        const String target = row.text(2);
        const double wanted = std::ceil(used / warning) + 1;
        const String advice = target.empty()
            ? c.text({"ALTER SYSTEM SET max_connections = ", integer_text(wanted, c.resource),
                      "; -- takes a restart; a pooler in transaction mode (PgBouncer) serves the same clients with fewer"})
            : c.text({target, " CONNECTION LIMIT ", integer_text(wanted, c.resource), ";"});
        c.add(severity, row.text(1),
              c.text({count_text(used, c.resource), " of ", count_text(limit, c.resource)}),
              c.text({"warning ", percent_text(warning, c.resource), ", critical ",
                      percent_text(critical, c.resource)}),
              c.text({"client backends; ", row.text(5)}), advice);
    }
}

}  // namespace hastecrm_perf::health
