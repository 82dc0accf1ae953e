// The scheduled REINDEX CONCURRENTLY of bloated B-trees. It cannot run in a
// transaction block nor through SPI: the worker runs each rebuild as a
// top-level statement of its own (pg/top_level_statement), one index at a
// time, as the table's owner, with lock_timeout for each of its lock waits
// and, with a window, a deadline at the window's end. A rebuild that fails
// or is cancelled leaves an invalid "<index>_ccnew" index behind: it is
// dropped at once, or, when the worker was stopped (shutdown, DROP
// DATABASE), at the start of the next run. run_maintenance() runs inside
// its caller's transaction and so never rebuilds: it says the worker does.
#include <string>

#include "core/maintenance_choice.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/identifiers.hpp"
#include "pg/run_as.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"
#include "pg/statement_deadline.hpp"
#include "pg/top_level_statement.hpp"
#include "settings.hpp"
#include "worker/database_jobs.hpp"
#include "worker/job_lock.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lock.h"
#include "utils/backend_status.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

// Valid B-trees of ordinary tables and materialized views that REINDEX
// CONCURRENTLY can rebuild (not catalogs, TOAST, temporary tables or
// exclusion constraints), with their size, and whether an index of their
// table is being built right now (a REINDEX or CREATE INDEX elsewhere).
constexpr const char* candidates_sql = R"SQL(
SELECT i.indexrelid, i.indrelid, pg_catalog.pg_relation_size(i.indexrelid),
       EXISTS (SELECT FROM pg_catalog.pg_stat_progress_create_index p WHERE p.relid = i.indrelid),
       t.relowner
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
JOIN pg_catalog.pg_am a ON a.oid = c.relam
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready AND i.indislive
  AND t.relkind IN ('r', 'm') AND t.relpersistence <> 't'
  AND n.nspname <> ALL ('{pg_catalog,information_schema,pg_toast}')
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint x
                  WHERE x.conindid = i.indexrelid AND x.contype = 'x')
)SQL";

// What an interrupted REINDEX CONCURRENTLY leaves: an invalid index named
// <index>_ccnew[N], on a table where no index build runs now. ($1: one
// table, or 0 for all.)
constexpr const char* leftovers_sql = R"SQL(
SELECT c.oid, t.relowner
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
WHERE NOT i.indisvalid AND c.relname ~ '_ccnew[0-9]*$'
  AND ($1 OPERATOR(pg_catalog.=) 0 OR i.indrelid OPERATOR(pg_catalog.=) $1)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_stat_progress_create_index p WHERE p.relid = i.indrelid)
)SQL";

struct Index {
    Oid index;
    Oid table;
    Oid owner;
    std::int64_t bytes;
    double bloat_pct;
    String name;
};

struct Leftover {
    Oid index;
    Oid owner;
    String name;
};

// A session-level lock on the job: a rebuild spans many transactions.
bool lock_reindex_job(bool take) {
    return pg::call([take] {
        LOCKTAG tag;
        SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, job_lock_space, reindex_job_key, 2);
        if (!take)
            return LockRelease(&tag, ExclusiveLock, true);
        return LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL;
    });
}

std::string bytes_text(std::int64_t bytes) {
    return std::to_string(bytes) + " bytes";
}

Vector<Leftover> find_leftovers(Oid table, Resource& resource) {
    Vector<Leftover> found(&resource);
    const auto failure = pg::run_isolated(pg::Isolation::transaction, resource, [&] {
        pg::Spi spi;
        const std::uint64_t rows = spi.execute(leftovers_sql, {{OIDOID, ObjectIdGetDatum(table)}});
        for (std::uint64_t row = 0; row < rows; ++row) {
            bool is_null = false;
            const Oid index = DatumGetObjectId(spi.value(row, 1, &is_null));
            found.push_back(Leftover{index, DatumGetObjectId(spi.value(row, 2, &is_null)),
                                     pg::qualified_relation_name(index, resource)});
        }
    });
    if (failure)
        throw pg::Error(failure->sqlstate, failure->message.c_str());
    return found;
}

// Drops them CONCURRENTLY (a plain DROP INDEX would lock the table
// exclusively); each is logged. Returns how many went.
int drop_leftovers(Oid table, Resource& resource) {
    int dropped = 0;
    for (const Leftover& leftover : find_leftovers(table, resource)) {
        const std::int64_t started = GetCurrentTimestamp();
        const String sql = concat(resource, {"DROP INDEX CONCURRENTLY IF EXISTS ", leftover.name});
        JobStatus status = JobStatus::ok;
        String detail(concat(resource, {"dropped ", leftover.name,
                                        ", left invalid by an interrupted rebuild"}));
        try {
            // Commits inside, so no settings level; DROP INDEX runs no owner code.
            pg::RunAs as_owner(leftover.owner, true, false);
            pg::run_top_level_statement(sql.c_str(), settings::lock_timeout_ms);
            ++dropped;
        } catch (const pg::PgError& error) {
            status = error.data()->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ? JobStatus::lock_timeout
                                                                           : JobStatus::error;
            detail = concat(resource, {"could not drop ", leftover.name, ": ",
                                       error.data()->message ? error.data()->message : "error"});
        }
        const std::int64_t finished = GetCurrentTimestamp();
        (void) pg::run_isolated(pg::Isolation::transaction, resource, [&] {
            log_database_job_step(JobKind::reindex, leftover.name.c_str(), started, finished, status,
                                  "drop invalid index", detail.c_str());
        });
    }
    return dropped;
}

}  // namespace

JobOutcome rebuild_bloated_indexes(const Job& job, pg::Isolation isolation, Resource& resource) {
    JobOutcome outcome(resource);
    if (isolation != pg::Isolation::transaction) {
        // Inside the caller's transaction: CONCURRENTLY is impossible, and a
        // plain REINDEX would lock out the table's writers. Nothing recorded:
        // the worker's schedule stays as it is.
        outcome.status = JobStatus::skipped;
        outcome.action = "none";
        outcome.detail = "REINDEX CONCURRENTLY cannot run inside a transaction: the background "
                         "worker rebuilds the indexes on its schedule";
        outcome.running_elsewhere = true;
        return outcome;
    }
    if (!lock_reindex_job(true)) {
        outcome.status = JobStatus::skipped;
        outcome.action = "none";
        outcome.detail = "already running in another session";
        outcome.running_elsewhere = true;
        return outcome;
    }
    // The worker leaves it on every way out; at exit PostgreSQL does.
    struct Unlock {
        ~Unlock() {
            try {
                lock_reindex_job(false);
            } catch (...) {
            }
        }
    } unlock;

    int dropped_before = 0;
    try {
        dropped_before = drop_leftovers(InvalidOid, resource);
    } catch (...) {
        // Between transactions: nothing is left open to roll back.
        const pg::Failure failure = pg::describe_current_exception(resource);
        outcome.status = JobStatus::error;
        outcome.action = "reindex";
        outcome.detail = failure.message;
        return outcome;
    }

    // The choice: sizes from the catalog, then a page scan of those big
    // enough to matter.
    Vector<Index> indexes(&resource);
    Vector<std::uint32_t> chosen(&resource);
    const ReindexRule rule = job.database.reindex;
    const auto failure = pg::run_isolated(pg::Isolation::transaction, resource, [&] {
        pg::Spi spi;
        const std::uint64_t rows = spi.execute(candidates_sql, {});
        Vector<IndexCandidate> candidates(&resource);
        for (std::uint64_t row = 0; row < rows; ++row) {
            bool is_null = false;
            IndexCandidate candidate;
            candidate.index = DatumGetObjectId(spi.value(row, 1, &is_null));
            candidate.table = DatumGetObjectId(spi.value(row, 2, &is_null));
            candidate.bytes = DatumGetInt64(spi.value(row, 3, &is_null));
            candidate.table_busy = DatumGetBool(spi.value(row, 4, &is_null));
            if (!worth_measuring(candidate, rule))
                continue;
            indexes.push_back(Index{candidate.index, candidate.table,
                                    DatumGetObjectId(spi.value(row, 5, &is_null)), candidate.bytes,
                                    0, String(&resource)});
            candidates.push_back(candidate);
        }
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            pg::Spi scan;
            scan.execute("SELECT reclaimable_pct FROM hastecrm_perf.index_bloat_scan($1)",
                         {{REGCLASSOID, ObjectIdGetDatum(candidates[i].index)}});
            bool is_null = false;
            const Datum pct = scan.value(0, 1, &is_null);
            candidates[i].bloat_pct = is_null ? 0 : DatumGetFloat8(pct);
            indexes[i].bloat_pct = candidates[i].bloat_pct;
            indexes[i].name = pg::qualified_relation_name(candidates[i].index, resource);
        }
        chosen = choose_indexes_to_rebuild(candidates, rule, resource);
    });
    if (failure) {
        outcome.status = JobStatus::error;
        outcome.action = "reindex";
        outcome.detail = failure->message;
        outcome.error_detail = failure->detail;
        return outcome;
    }

    int rebuilt = 0;
    int failed = 0;
    int lock_timeouts = 0;
    std::int64_t saved = 0;
    String last_error(&resource);
    for (const std::uint32_t choice : chosen) {
        const Index* index = nullptr;
        for (const Index& candidate : indexes)
            if (candidate.index == choice)
                index = &candidate;
        const std::int64_t started = GetCurrentTimestamp();
        const auto close = job_window_close(job, started);
        if (close && *close <= started)
            break;  // the window has closed: the rest waits for the next one
        const String sql = concat(resource, {"REINDEX INDEX CONCURRENTLY ", index->name});
        pg::call([&sql] { pgstat_report_activity(STATE_RUNNING, sql.c_str()); });
        JobStatus status = JobStatus::ok;
        String detail(&resource);
        bool window_exceeded = false;
        bool canceled = false;
        try {
            // Commits inside, so no settings level here: REINDEX CONCURRENTLY
            // runs the index's expressions as the table owner in a settings
            // level of its own (index_concurrently_build, validate_index).
            pg::RunAs as_owner(index->owner, true, false);
            pg::StatementDeadline deadline(
                close ? static_cast<int>(std::min<std::int64_t>((*close - started) / 1000 + 1, INT32_MAX))
                      : 0);
            try {
                pg::run_top_level_statement(sql.c_str(), settings::lock_timeout_ms);
            } catch (const pg::PgError& error) {
                window_exceeded = error.data()->sqlerrcode == ERRCODE_QUERY_CANCELED && deadline.expired();
                throw;
            }
        } catch (const pg::PgError& error) {
            status = error.data()->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ? JobStatus::lock_timeout
                                                                           : JobStatus::error;
            detail = window_exceeded ? String("the maintenance window closed", &resource)
                                     : String(error.data()->message ? error.data()->message : "error",
                                              &resource);
            // Someone cancelled the worker (pg_cancel_backend): it stops here.
            canceled = error.data()->sqlerrcode == ERRCODE_QUERY_CANCELED && !window_exceeded;
        }
        std::int64_t after = 0;
        if (status == JobStatus::ok) {
            (void) pg::run_isolated(pg::Isolation::transaction, resource, [&] {
                pg::Spi spi;
                spi.execute("SELECT pg_catalog.pg_relation_size(pg_catalog.to_regclass($1))",
                            {{TEXTOID, pg::text_datum(index->name)}});
                bool is_null = false;
                const Datum size = spi.value(0, 1, &is_null);
                after = is_null ? 0 : DatumGetInt64(size);
            });
            ++rebuilt;
            saved += index->bytes - after;
            char bloat[32];
            snprintf(bloat, sizeof bloat, "%.1f", index->bloat_pct);
            detail = concat(resource, {bytes_text(index->bytes).c_str(), " -> ",
                                       bytes_text(after).c_str(), " (measured bloat ", bloat, "%)"});
        } else {
            ++failed;
            lock_timeouts += status == JobStatus::lock_timeout;
            last_error = detail;
            try {
                drop_leftovers(index->table, resource);  // its half-built copy
            } catch (...) {
                // The next run drops it.
            }
        }
        const std::int64_t finished = GetCurrentTimestamp();
        (void) pg::run_isolated(pg::Isolation::transaction, resource, [&] {
            log_database_job_step(JobKind::reindex, index->name.c_str(), started, finished, status,
                                  "reindex concurrently", detail.c_str());
        });
        if (window_exceeded || canceled)
            break;
    }

    outcome.did_something = rebuilt > 0 || failed > 0 || dropped_before > 0;
    outcome.action = concat(resource, {"reindex ", std::to_string(rebuilt).c_str()});
    outcome.detail = concat(resource, {"rebuilt ", std::to_string(rebuilt).c_str(), " of ",
                                       std::to_string(chosen.size()).c_str(), " bloated indexes, ",
                                       bytes_text(saved).c_str(), " reclaimed"});
    if (dropped_before > 0)
        outcome.detail.append(concat(resource, {"; dropped ", std::to_string(dropped_before).c_str(),
                                                " invalid index(es) left by an interrupted rebuild"}));
    if (failed > 0) {
        outcome.detail.append(concat(resource, {"; ", std::to_string(failed).c_str(), " failed (",
                                                last_error, ")"}));
        if (rebuilt == 0)
            outcome.status = lock_timeouts == failed ? JobStatus::lock_timeout : JobStatus::error;
    }
    return outcome;
}

}  // namespace hastecrm_perf::worker
