#include "worker/database_jobs.hpp"

#include "pg/call.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"
#include "pg/time_zone.hpp"
#include "settings.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

pg::SqlParam text_param(const char* value) {
    return {TEXTOID, value ? pg::text_datum(value) : Datum(0), value == nullptr};
}
pg::SqlParam time_param(std::int64_t value) { return {TIMESTAMPTZOID, TimestampTzGetDatum(value)}; }

}  // namespace

void append_database_jobs(Vector<Job>& jobs, Resource& resource) {
    pg::Spi spi;
    const std::uint64_t rows = spi.execute(
        "SELECT m.kind, d.datdba, pg_catalog.current_database()::pg_catalog.text, m.next_run, "
        "m.consecutive_failures, m.every, m.\"window\", m.min_bloat_pct, m.min_bytes "
        "FROM hastecrm_perf.maintenance_config m, pg_catalog.pg_database d "
        "WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database() ORDER BY m.kind",
        {});
    for (std::uint64_t row = 0; row < rows; ++row) {
        bool is_null = false;
        Job& job = jobs.emplace_back(resource);
        job.kind = *spi.text(row, 1, resource) == "analyze" ? JobKind::analyze : JobKind::reindex;
        job.target = job.kind == JobKind::analyze ? analyze_job_key : reindex_job_key;
        job.owner = DatumGetObjectId(spi.value(row, 2, &is_null));
        job.target_exists = true;
        job.target_name = *spi.text(row, 3, resource);
        const Datum next_run = spi.value(row, 4, &is_null);
        if (!is_null)
            job.next_run = DatumGetTimestampTz(next_run);
        job.consecutive_failures = DatumGetInt32(spi.value(row, 5, &is_null));
        const Interval* every = DatumGetIntervalP(spi.value(row, 6, &is_null));
        job.database.every = IntervalValue{every->time, every->day, every->month};
        if (const auto window = spi.text(row, 7, resource))
            job.database.window = parse_window(*window);
        const Datum bloat = spi.value(row, 8, &is_null);
        if (!is_null)
            job.database.reindex.min_bloat_pct = DatumGetFloat8(bloat);
        const Datum bytes = spi.value(row, 9, &is_null);
        if (!is_null)
            job.database.reindex.min_bytes = DatumGetInt64(bytes);
    }
}

void record_database_job_run(const RunRecord& record) {
    const Job& job = *record.job;
    const JobOutcome& outcome = *record.outcome;
    const bool failed = outcome.status == JobStatus::error || outcome.status == JobStatus::lock_timeout;
    pg::Spi spi;
    // SKIP LOCKED: a schedule_*() call not yet committed must not hold up the cycle.
    spi.execute("UPDATE hastecrm_perf.maintenance_config SET next_run = $2, last_run = $3, "
                "last_status = $4, last_error = $5, consecutive_failures = $6, last_sqlstate = $7 WHERE kind = "
                "(SELECT kind FROM hastecrm_perf.maintenance_config WHERE kind = $1 "
                "FOR UPDATE SKIP LOCKED)",
                {text_param(kind_name(job.kind)), time_param(record.next_run),
                 time_param(record.started), text_param(status_name(outcome.status)),
                 text_param(failed ? outcome.detail.c_str() : nullptr),
                 {INT4OID, Int32GetDatum(record.consecutive_failures)},
                 text_param(failed && outcome.sqlstate != 0 ? unpack_sql_state(outcome.sqlstate) : nullptr)},
                false);
    if (outcome.did_something || outcome.status != JobStatus::ok)
        log_database_job_step(job.kind, job.target_name.c_str(), record.started, record.finished,
                              outcome.status, outcome.action.c_str(), outcome.detail.c_str());
}

void log_database_job_step(JobKind kind, const char* target, std::int64_t started,
                           std::int64_t finished, JobStatus status, const char* action,
                           const char* detail) {
    pg::Spi spi;
    // The database's owner scheduled the job: its error texts are theirs to read.
    spi.execute("INSERT INTO hastecrm_perf.job_log_entries (kind, target, started_at, finished_at, "
                "status, detail, action, target_owner) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                "(SELECT d.datdba FROM pg_catalog.pg_database d "
                "WHERE d.datname = pg_catalog.current_database()))",
                {text_param(kind_name(kind)), text_param(target), time_param(started),
                 time_param(finished), text_param(status_name(status)),
                 text_param(detail != nullptr && *detail != '\0' ? detail : nullptr),
                 text_param(action)},
                false);
}

bool inside_job_window(const Job& job, std::int64_t now) {
    if (!job.database.window)
        return true;
    const pg::PgTimeZone zone(settings::partition_timezone);
    return inside_window(*job.database.window, zone.local_time(now));
}

std::optional<std::int64_t> job_window_close(const Job& job, std::int64_t now) {
    if (!job.database.window)
        return std::nullopt;
    const pg::PgTimeZone zone(settings::partition_timezone);
    return zone.instant_at(window_close(*job.database.window, zone.local_time(now)));
}

}  // namespace hastecrm_perf::worker
