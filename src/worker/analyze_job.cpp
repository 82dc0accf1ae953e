// The scheduled ANALYZE: the tables whose statistics are stale by the
// autoanalyze rule, and the partitioned parents autovacuum never analyzes,
// largest change first, one table per unit (transaction in the worker,
// subtransaction in run_maintenance()) under lock_timeout, as its owner.
#include <algorithm>
#include <string>

#include "core/maintenance_choice.hpp"
#include "pg/call.hpp"
#include "pg/identifiers.hpp"
#include "pg/local_settings.hpp"
#include "pg/run_as.hpp"
#include "pg/spi.hpp"
#include "settings.hpp"
#include "worker/database_jobs.hpp"
#include "worker/job_lock.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "postmaster/autovacuum.h"
#include "utils/lsyscache.h"
}

namespace hastecrm_perf::worker {
namespace {

// Tables of the database (not catalogs, not TOAST, not temporary), with what
// the autoanalyze rule reads. A leaf partition names its root, whose
// statistics its changes count towards; "ever analyzed" also looks at
// pg_statistic, which outlives a reset of the statistics counters.
constexpr const char* candidates_sql = R"SQL(
SELECT c.oid, c.relowner,
       CASE WHEN c.relispartition AND c.relkind <> 'p'
            THEN pg_catalog.pg_partition_root(c.oid)::pg_catalog.oid ELSE 0::pg_catalog.oid END,
       c.relkind = 'p', c.reltuples::float8, coalesce(s.n_mod_since_analyze, 0),
       s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL
         OR EXISTS (SELECT FROM pg_catalog.pg_statistic st WHERE st.starelid = c.oid),
       (SELECT pg_catalog.substr(o, 30)::bigint FROM pg_catalog.unnest(c.reloptions) o
         WHERE o LIKE 'autovacuum\_analyze\_threshold=%'),
       (SELECT pg_catalog.substr(o, 33)::float8 FROM pg_catalog.unnest(c.reloptions) o
         WHERE o LIKE 'autovacuum\_analyze\_scale\_factor=%')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'm', 'p') AND c.relpersistence <> 't'
  AND n.nspname <> ALL ('{pg_catalog,information_schema,pg_toast}')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  -- The extension's own tables: history is read by partition pruning, no plan needs its statistics.
  AND n.nspname <> 'hastecrm_perf'
)SQL";

struct Table {
    Oid relid;
    Oid owner;
};

String describe(const Vector<String>& names, std::size_t shown, Resource& resource) {
    String text(&resource);
    for (std::size_t i = 0; i < names.size() && i < shown; ++i) {
        if (i > 0)
            text.append(", ");
        text.append(names[i]);
    }
    if (names.size() > shown)
        text.append(concat(resource, {" and ", std::to_string(names.size() - shown).c_str(), " more"}));
    return text;
}

}  // namespace

JobOutcome analyze_stale_tables(const Job&, pg::Isolation isolation, Resource& resource) {
    JobOutcome outcome(resource);
    outcome.action = "analyze";
    Vector<AnalyzeChoice> chosen(&resource);
    Vector<Table> tables(&resource);
    bool elsewhere = false;
    const auto failure = pg::run_isolated(isolation, resource, [&] {
        if (!try_lock_job(analyze_job_key)) {
            elsewhere = true;
            return;
        }
        pg::Spi spi;
        const std::uint64_t rows = spi.execute(candidates_sql, {});
        Vector<AnalyzeCandidate> candidates(&resource);
        candidates.reserve(rows);
        tables.reserve(rows);
        for (std::uint64_t row = 0; row < rows; ++row) {
            bool is_null = false;
            AnalyzeCandidate& candidate = candidates.emplace_back();
            candidate.relid = DatumGetObjectId(spi.value(row, 1, &is_null));
            tables.push_back(Table{candidate.relid, DatumGetObjectId(spi.value(row, 2, &is_null))});
            candidate.parent = DatumGetObjectId(spi.value(row, 3, &is_null));
            candidate.partitioned = DatumGetBool(spi.value(row, 4, &is_null));
            candidate.reltuples = DatumGetFloat8(spi.value(row, 5, &is_null));
            candidate.mod_since_analyze = DatumGetInt64(spi.value(row, 6, &is_null));
            candidate.ever_analyzed = DatumGetBool(spi.value(row, 7, &is_null));
            const Datum threshold = spi.value(row, 8, &is_null);
            if (!is_null)
                candidate.reloption_threshold = DatumGetInt64(threshold);
            const Datum scale = spi.value(row, 9, &is_null);
            if (!is_null)
                candidate.reloption_scale_factor = DatumGetFloat8(scale);
        }
        std::sort(tables.begin(), tables.end(),
                  [](const Table& a, const Table& b) { return a.relid < b.relid; });
        const AnalyzeRule rule{autovacuum_anl_thresh, autovacuum_anl_scale};
        chosen = choose_tables_to_analyze(candidates, rule, resource);
    });
    if (failure) {
        outcome.status = failure->sqlstate == ERRCODE_LOCK_NOT_AVAILABLE ? JobStatus::lock_timeout
                                                                         : JobStatus::error;
        outcome.detail = failure->message;
        outcome.error_detail = failure->detail;
        return outcome;
    }
    if (elsewhere) {
        outcome.status = JobStatus::skipped;
        outcome.action = "none";
        outcome.detail = "already running in another session";
        outcome.running_elsewhere = true;
        return outcome;
    }

    Vector<String> analyzed(&resource);
    Vector<String> missed(&resource);
    int lock_timeouts = 0;
    std::optional<pg::Failure> last_failure;
    for (const AnalyzeChoice& choice : chosen) {
        const auto it = std::lower_bound(
            tables.begin(), tables.end(), choice.relid,
            [](const Table& table, Oid relid) { return table.relid < relid; });
        const Oid owner = it != tables.end() && it->relid == choice.relid ? it->owner : InvalidOid;
        String name(&resource);
        bool gone = false;
        const auto table_failure = pg::run_isolated(isolation, resource, [&] {
            // Another run of this job, or a job of this table, goes first.
            if (!try_lock_job(analyze_job_key) || !try_lock_job(choice.relid)) {
                gone = true;
                return;
            }
            pg::LocalSettings local;
            local.set("lock_timeout", std::to_string(settings::lock_timeout_ms).c_str());
            if (pg::call([&] { return get_rel_name(choice.relid); }) == nullptr) {
                gone = true;  // dropped meanwhile
                return;
            }
            name = pg::qualified_relation_name(choice.relid, resource);
            // ANALYZE itself runs the owner's index expressions restricted,
            // in a settings level it rolls back; we also run it as the owner.
            pg::RunAs as_owner(owner, true);
            pg::LocalSettings sandbox;
            pg::Spi spi;
            spi.execute(concat(resource, {"ANALYZE ", name}).c_str(), {}, false);
        });
        if (gone)
            continue;
        if (table_failure) {
            if (table_failure->canceled && isolation == pg::Isolation::subtransaction)
                throw pg::Error(table_failure->sqlstate, table_failure->message.c_str());
            lock_timeouts += table_failure->sqlstate == ERRCODE_LOCK_NOT_AVAILABLE;
            missed.push_back(name.empty() ? String(std::to_string(choice.relid).c_str(), &resource) : name);
            last_failure = table_failure;
            continue;
        }
        analyzed.push_back(name);
    }
    outcome.did_something = !analyzed.empty() || !missed.empty();
    outcome.action = concat(resource, {"analyze ", std::to_string(analyzed.size()).c_str()});
    outcome.detail = describe(analyzed, 10, resource);
    if (!missed.empty()) {
        outcome.detail.append(outcome.detail.empty() ? "" : "; ");
        outcome.detail.append(concat(resource, {"not analyzed: ", describe(missed, 10, resource),
                                                " (", last_failure->message, ")"}));
        // Only when nothing else worked does the job count as failed.
        if (analyzed.empty())
            outcome.status = lock_timeouts == static_cast<int>(missed.size()) ? JobStatus::lock_timeout
                                                                             : JobStatus::error;
    }
    return outcome;
}

}  // namespace hastecrm_perf::worker
