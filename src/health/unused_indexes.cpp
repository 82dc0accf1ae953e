// unused_indexes: indexes with no scan over at least window_days of
// History's relation_history (PostgreSQL 15 keeps no last_idx_scan, and a
// crash resets every counter: only snapshots can say "no scan for 7 days").
// Never a primary key, unique, exclusion or replica-identity index; a
// partition's index is judged at its partitioned parent (scans summed over
// the partitions); a counter that went down (a reset) means the window
// restarts. Scans are this server's: a standby's reads are not counted here.
#include <cmath>

#include "health/check_context.hpp"
#include "health/sources.hpp"
#include "health/sql_row.hpp"
#include "health/wording.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace hastecrm_perf::health {

void check_unused_indexes(CheckContext& c) {
    const double window_days = c.param("window_days"), min_bytes = c.param("min_bytes");
    const char* table = "hastecrm_perf.relation_history";
    if (!relation_exists(c.spi, table)) {
        c.add(Severity::info, "", "", c.text({number_text(window_days, c.resource), " days of history"}),
              "not enough history: hastecrm_perf.relation_history does not exist, and the statistics alone cannot "
              "tell an index unused for a week from one whose counters were reset",
              "");
        return;
    }
    const auto rel = first_column(c.spi, table, {"relid", "indexrelid", "relation"}, c.resource);
    const auto at = first_column(c.spi, table, {"captured_at", "snapshot_at", "taken_at", "sampled_at", "day"}, c.resource);
    const auto scans = first_column(c.spi, table, {"idx_scan", "index_scans", "scans"}, c.resource);
    if (!rel || !at || !scans) {
        c.add(Severity::info, "", "", "", "relation_history has no relation, time and index scan columns this check reads", "");
        return;
    }
    const String coverage_sql = c.text({"SELECT extract(epoch FROM pg_catalog.now() - min(h.", *at,
                                        "))::float8 / 86400 FROM hastecrm_perf.relation_history h"});
    c.spi.execute(coverage_sql.c_str(), {});
    const double covered_days = SqlRow(c.spi, 0, c.resource).number(1);
    if (!(covered_days >= window_days)) {
        c.add(Severity::info, "", c.text({number_text(std::isnan(covered_days) ? 0 : covered_days, c.resource), " days"}),
              c.text({number_text(window_days, c.resource), " days of history"}),
              c.text({"not enough history: it covers ", number_text(std::isnan(covered_days) ? 0 : covered_days, c.resource),
                      " days of the ", number_text(window_days, c.resource), " needed"}),
              "");
        return;
    }
    const String sql = c.text({R"SQL(
WITH h AS (
    SELECT e.)SQL", *rel, R"SQL(::oid AS relid, e.)SQL", *at, R"SQL( AS at, e.)SQL", *scans, R"SQL(::float8 AS scans
    FROM hastecrm_perf.relation_history e
    WHERE e.)SQL", *at, R"SQL( >= pg_catalog.now() - $1 * interval '1 day'),
steps AS (
    SELECT h.relid, h.at, h.scans, h.scans - lag(h.scans) OVER (PARTITION BY h.relid ORDER BY h.at) AS step
    FROM h),
per_member AS (
    SELECT s.relid, (array_agg(s.scans ORDER BY s.at))[1] AS first_scans,
           (array_agg(s.scans ORDER BY s.at DESC))[1] AS last_scans, bool_or(s.step < 0) AS went_down,
           min(s.at) AS since
    FROM steps s GROUP BY s.relid),
idx AS (
    SELECT i.indexrelid, ic.relkind, pg_catalog.format('%I.%I', n.nspname, ic.relname) AS name,
           pg_catalog.format('%I.%I', tn.nspname, t.relname) AS table_name
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
    WHERE NOT i.indisprimary AND NOT i.indisunique AND NOT i.indisreplident AND NOT i.indisexclusion
      AND i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema')
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits x WHERE x.inhrelid = i.indexrelid)),
members AS (
    SELECT idx.*, coalesce(tree.relid, idx.indexrelid) AS member
    FROM idx LEFT JOIN LATERAL pg_catalog.pg_partition_tree(idx.indexrelid) tree
         ON idx.relkind = 'I' AND tree.isleaf)
SELECT m.name, m.table_name, m.relkind = 'I',
       sum(pg_catalog.pg_relation_size(m.member))::float8,
       sum(pg_catalog.pg_stat_get_numscans(m.member))::float8,
       sum(p.first_scans)::float8, bool_or(p.went_down OR pg_catalog.pg_stat_get_numscans(m.member) < p.last_scans),
       bool_and(p.relid IS NOT NULL), min(p.since)
FROM members m LEFT JOIN per_member p ON p.relid = m.member
GROUP BY m.name, m.table_name, m.relkind
ORDER BY 4 DESC
)SQL"});
    const std::uint64_t count = c.spi.execute(sql.c_str(), {{FLOAT8OID, Float8GetDatum(window_days)}});
    double restarted = 0;
    for (std::uint64_t r = 0; r < count; ++r) {
        const SqlRow row(c.spi, r, c.resource);
        const double bytes = row.number(4), now_scans = row.number(5), then_scans = row.number(6);
        if (bytes < min_bytes || !row.flag(8))
            continue;  // small, or not in every snapshot: not judged
        if (row.flag(7)) {
            ++restarted;
            continue;
        }
        if (now_scans - then_scans > 0)
            continue;
        const String index = row.text(1);
        c.add(Severity::warning, index, c.text({"0 scans in ", number_text(window_days, c.resource), " days, ",
                                                bytes_text(bytes, c.resource)}),
              c.text({"no scan over ", number_text(window_days, c.resource), " days of history"}),
              c.text({"on ", row.text(2), row.flag(3) ? " (summed over its partitions)" : "",
                      "; scans counted on this server only: if standbys serve reads, check there too; every write still maintains it"}),
              row.flag(3) ? c.text({"DROP INDEX ", index, "; -- partitioned: not CONCURRENTLY"})
                          : c.text({"DROP INDEX CONCURRENTLY ", index, ";"}),
              row.time(9));
    }
    if (restarted > 0)
        c.add(Severity::info, "", c.text({count_text(restarted, c.resource), " indexes"}), "",
              "statistics counters were reset within the window: these indexes are judged again once the window has passed", "");
}

}  // namespace hastecrm_perf::health
