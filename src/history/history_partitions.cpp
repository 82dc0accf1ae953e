#include "history/history_partitions.hpp"

#include "pg/call.hpp"
#include "pg/memory.hpp"
#include "pg/spi.hpp"
#include "settings.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::history {
namespace {

// The CREATE statements of what is missing: the period of now and the next.
constexpr const char* missing_sql = R"SQL(
WITH t(name, period) AS (
  VALUES ('statement_history', 'day'), ('database_history', 'day'), ('lock_episodes', 'day'),
         ('statement_history_hourly', 'day'), ('relation_history', 'month')),
p AS (
  SELECT t.name, t.period,
         pg_catalog.date_trunc(t.period, $1::timestamptz, 'UTC') + s.n * ('1 ' || t.period)::interval AS lower
  FROM t, pg_catalog.generate_series(0, 1) AS s(n))
SELECT pg_catalog.format(
         'CREATE TABLE hastecrm_perf.%I PARTITION OF hastecrm_perf.%I FOR VALUES FROM (%L) TO (%L)',
         part.name, p.name,
         pg_catalog.to_char(p.lower AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS+00'),
         pg_catalog.to_char((p.lower + ('1 ' || p.period)::interval) AT TIME ZONE 'UTC',
                            'YYYY-MM-DD HH24:MI:SS+00'))
FROM p
CROSS JOIN LATERAL (SELECT p.name || '_p' || pg_catalog.to_char(p.lower AT TIME ZONE 'UTC', 'YYYYMMDD')
                    AS name) part
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                  WHERE c.relname = part.name
                    AND c.relnamespace = 'hastecrm_perf'::pg_catalog.regnamespace)
)SQL";

// Every partition of the history with its period's start, end and size,
// oldest first. Only names of our own pattern count.
constexpr const char* partitions_sql = R"SQL(
WITH t(name, period, keep_days) AS (
  VALUES ('statement_history', 'day', $1::int), ('database_history', 'day', $1::int),
         ('lock_episodes', 'day', $1::int), ('statement_history_hourly', 'day', $2::int),
         ('relation_history', 'month', 400)),
parts AS (
  SELECT c.relname, t.period, t.keep_days,
         pg_catalog.to_timestamp(pg_catalog.substr(c.relname, pg_catalog.length(t.name) + 3),
                                 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC' AS lower,
         pg_catalog.pg_total_relation_size(c.oid) AS bytes
  FROM t
  JOIN pg_catalog.pg_class p ON p.relname = t.name
   AND p.relnamespace = 'hastecrm_perf'::pg_catalog.regnamespace
  JOIN pg_catalog.pg_inherits i ON i.inhparent = p.oid
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
  WHERE c.relname ~ ('^' || t.name || '_p[0-9]{8}$'))
SELECT relname::pg_catalog.text, lower + ('1 ' || period)::interval <= $3::timestamptz - keep_days * interval '1 day',
       $3::timestamptz < lower + ('1 ' || period)::interval, bytes
FROM parts
ORDER BY lower, relname
)SQL";

pg::SqlParam time_param(std::int64_t value) { return {TIMESTAMPTZOID, TimestampTzGetDatum(value)}; }
pg::SqlParam int_param(int value) { return {INT4OID, Int32GetDatum(value)}; }

struct Partition {
    char name[NAMEDATALEN];
    bool expired;
    bool current_or_future;
    std::int64_t bytes;
};

void drop(pg::Spi& spi, const char* name) {
    char sql[NAMEDATALEN * 2 + 64];
    const char* quoted = pg::call([name] { return quote_identifier(name); });
    snprintf(sql, sizeof sql, "DROP TABLE hastecrm_perf.%s", quoted);
    spi.execute(sql, {}, false);
}

}  // namespace

void make_partitions(std::int64_t now) {
    pg::Spi spi;
    const std::uint64_t missing = spi.execute(missing_sql, {time_param(now)});
    if (missing == 0)
        return;
    auto resource = pg::ContextResource::current();
    Vector<String> statements(&resource);
    for (std::uint64_t row = 0; row < missing; ++row)
        statements.push_back(*spi.text(row, 1, resource));
    for (const String& statement : statements)
        spi.execute(statement.c_str(), {}, false);
}

Retired retire_partitions(std::int64_t now) {
    pg::Spi spi;
    auto resource = pg::ContextResource::current();
    const std::uint64_t rows = spi.execute(
        partitions_sql,
        {int_param(settings::history_days), int_param(settings::history_hourly_days), time_param(now)});
    Vector<Partition> partitions(&resource);
    std::int64_t total = 0;
    for (std::uint64_t row = 0; row < rows; ++row) {
        Partition& p = partitions.emplace_back();
        snprintf(p.name, sizeof p.name, "%s", spi.text(row, 1, resource)->c_str());
        bool is_null = false;
        p.expired = DatumGetBool(spi.value(row, 2, &is_null));
        p.current_or_future = DatumGetBool(spi.value(row, 3, &is_null));
        p.bytes = DatumGetInt64(spi.value(row, 4, &is_null));
        total += p.bytes;
    }
    Retired retired;
    const std::int64_t cap = static_cast<std::int64_t>(settings::history_max_mb) * 1024 * 1024;
    // Oldest first: expired ones, then for the cap, whatever is oldest but
    // the partitions being written now or made ahead.
    for (Partition& p : partitions) {
        if (p.expired) {
            drop(spi, p.name);
            total -= p.bytes;
            ++retired.expired;
        } else if (total > cap && !p.current_or_future) {
            drop(spi, p.name);
            total -= p.bytes;
            ++retired.capped;
        }
    }
    return retired;
}

}  // namespace hastecrm_perf::history
