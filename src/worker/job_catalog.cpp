#include "worker/job_catalog.hpp"

#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"
#include "worker/snapshot_job.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

constexpr const char* jobs_sql = R"SQL(
SELECT 'p', p.parent::pg_catalog.oid, c.relowner, c.oid IS NOT NULL, p.parent::pg_catalog.text,
       p.next_run, p.consecutive_failures,
       p.step, p.premake, p.retention, p.retention_action = 'drop',
       NULL::pg_catalog.interval, NULL::bool, NULL::bool, NULL::pg_catalog.text
FROM hastecrm_perf.partition_config p
LEFT JOIN pg_catalog.pg_class c ON c.oid = p.parent
UNION ALL
SELECT 'r', r.view::pg_catalog.oid, c.relowner, c.oid IS NOT NULL, r.view::pg_catalog.text,
       r.next_run, r.consecutive_failures,
       NULL, NULL, NULL, NULL,
       r.every, r."concurrently", r.skip_unchanged, r.base_signature
FROM hastecrm_perf.refresh_config r
LEFT JOIN pg_catalog.pg_class c ON c.oid = r.view
ORDER BY 1, 2
)SQL";

pg::SqlParam oid_param(Oid value) { return {OIDOID, ObjectIdGetDatum(value)}; }
pg::SqlParam time_param(std::int64_t value) { return {TIMESTAMPTZOID, TimestampTzGetDatum(value)}; }
pg::SqlParam text_param(const String& value) { return {TEXTOID, pg::text_datum(value)}; }
pg::SqlParam text_param(const char* value) {
    return {TEXTOID, value ? pg::text_datum(value) : Datum(0), value == nullptr};
}

IntervalValue interval_of(Datum datum) {
    const Interval* interval = DatumGetIntervalP(datum);
    return IntervalValue{interval->time, interval->day, interval->month};
}

const char* table_of(JobKind kind) {
    return kind == JobKind::partitions ? "hastecrm_perf.partition_config"
                                       : "hastecrm_perf.refresh_config";
}

const char* key_of(JobKind kind) { return kind == JobKind::partitions ? "parent" : "view"; }

// A job's state after a run. SKIP LOCKED: a row an open transaction holds
// (schedule_refresh() in a session that has not committed yet) must not hold
// up the cycle; the state is then written on the job's next run.
constexpr const char* update_partitions_sql =
    "UPDATE hastecrm_perf.partition_config SET next_run = $2, last_run = $3, last_status = $4, "
    "last_error = $5, consecutive_failures = $6, last_sqlstate = $8 WHERE parent = (SELECT parent FROM "
    "hastecrm_perf.partition_config WHERE parent = $1 FOR UPDATE SKIP LOCKED)";
constexpr const char* update_refresh_sql =
    "UPDATE hastecrm_perf.refresh_config SET next_run = $2, last_run = $3, last_status = $4, "
    "last_error = $5, consecutive_failures = $6, base_signature = coalesce($7, base_signature), "
    "last_sqlstate = $8 "
    "WHERE view = (SELECT view FROM hastecrm_perf.refresh_config WHERE view = $1 "
    "FOR UPDATE SKIP LOCKED)";

// NULL for no error: the SQLSTATE readers without rights on the message see.
const char* sqlstate_text(int sqlstate) { return sqlstate == 0 ? nullptr : unpack_sql_state(sqlstate); }

void insert_log(pg::Spi& spi, const Job& job, std::int64_t started, std::int64_t finished,
                JobStatus status, const char* action, const char* detail, int sqlstate) {
    static SPIPlanPtr plan = nullptr;
    spi.execute_kept(
        &plan,
        "INSERT INTO hastecrm_perf.job_log_entries (kind, target, started_at, finished_at, status, "
        "detail, action, sqlstate, target_owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {text_param(kind_name(job.kind)), text_param(job.target_name), time_param(started),
         time_param(finished), text_param(status_name(status)),
         text_param(detail != nullptr && *detail != '\0' ? detail : nullptr),
         text_param(action), text_param(sqlstate_text(sqlstate)),
         {OIDOID, ObjectIdGetDatum(job.owner), job.owner == InvalidOid}},
        false);
}

}  // namespace

Oid extension_owner() {
    pg::Spi spi;
    if (spi.execute("SELECT extowner, extversion FROM pg_catalog.pg_extension WHERE extname = 'hastecrm_perf'",
                    {}) != 1)
        throw pg::Error(ERRCODE_UNDEFINED_OBJECT, "extension \"hastecrm_perf\" is not installed");
    auto resource = pg::ContextResource::current();
    const auto version = spi.text(0, 2, resource);
    if (!version || *version != schema_version)
        throw pg::Error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                        std::string("extension \"hastecrm_perf\" is at version ") +
                            (version ? version->c_str() : "?") + " in this database, its library at " +
                            schema_version + ": run ALTER EXTENSION hastecrm_perf UPDATE",
                        "Maintenance jobs need the objects of the library's version.",
                        "Run ALTER EXTENSION hastecrm_perf UPDATE in this database.");
    bool is_null = false;
    return DatumGetObjectId(spi.value(0, 1, &is_null));
}

Vector<Job> load_jobs(Resource& resource) {
    pg::Spi spi;
    const std::uint64_t rows = spi.execute(jobs_sql, {});
    Vector<Job> jobs(&resource);
    jobs.reserve(rows);
    for (std::uint64_t row = 0; row < rows; ++row) {
        bool is_null = false;
        Job& job = jobs.emplace_back(resource);
        job.kind = *spi.text(row, 1, resource) == "p" ? JobKind::partitions : JobKind::refresh;
        job.target = DatumGetObjectId(spi.value(row, 2, &is_null));
        job.owner = DatumGetObjectId(spi.value(row, 3, &is_null));
        if (is_null)
            job.owner = InvalidOid;
        job.target_exists = DatumGetBool(spi.value(row, 4, &is_null));
        job.target_name = *spi.text(row, 5, resource);
        const Datum next_run = spi.value(row, 6, &is_null);
        if (!is_null)
            job.next_run = DatumGetTimestampTz(next_run);
        job.consecutive_failures = DatumGetInt32(spi.value(row, 7, &is_null));
        if (job.kind == JobKind::partitions) {
            job.partitions.step = *parse_partition_step(*spi.text(row, 8, resource));
            job.partitions.premake = DatumGetInt32(spi.value(row, 9, &is_null));
            const Datum retention = spi.value(row, 10, &is_null);
            if (!is_null)
                job.partitions.retention = interval_of(retention);
            job.partitions.drop = DatumGetBool(spi.value(row, 11, &is_null));
        } else {
            job.refresh.every = interval_of(spi.value(row, 12, &is_null));
            const Datum concurrently = spi.value(row, 13, &is_null);
            if (!is_null)
                job.refresh.concurrently = DatumGetBool(concurrently);
            job.refresh.skip_unchanged = DatumGetBool(spi.value(row, 14, &is_null));
            job.refresh.signature = spi.text(row, 15, resource);
        }
    }
    return jobs;
}

void record_run(const RunRecord& record) {
    const Job& job = *record.job;
    const JobOutcome& outcome = *record.outcome;
    const bool failed = outcome.status == JobStatus::error || outcome.status == JobStatus::lock_timeout;
    pg::Spi spi;
    static SPIPlanPtr update_plans[3];
    const bool has_signature = outcome.signature.has_value();
    const int kind = static_cast<int>(job.kind);
    const char* const update_sql[3] = {update_partitions_sql, update_refresh_sql, update_snapshot_sql};
    spi.execute_kept(&update_plans[kind], update_sql[kind],
                     {oid_param(job.target), time_param(record.next_run),
                      time_param(record.started), text_param(status_name(outcome.status)),
                      failed ? text_param(outcome.detail) : text_param(nullptr),
                      {INT4OID, Int32GetDatum(record.consecutive_failures)},
                      has_signature ? text_param(*outcome.signature) : text_param(nullptr),
                      text_param(failed ? sqlstate_text(outcome.sqlstate) : nullptr)},
                     false);
    if (outcome.did_something || outcome.status != JobStatus::ok)
        insert_log(spi, job, record.started, record.finished, outcome.status,
                   outcome.action.c_str(), outcome.detail.c_str(), outcome.sqlstate);
}

void record_checks(const Vector<Oid>& parents, std::int64_t checked, std::int64_t next_run) {
    if (parents.empty())
        return;
    const Datum array = pg::call([&parents] {
        Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * parents.size()));
        for (std::size_t i = 0; i < parents.size(); ++i)
            elements[i] = ObjectIdGetDatum(parents[i]);
        return PointerGetDatum(construct_array(elements, static_cast<int>(parents.size()), OIDOID,
                                               sizeof(Oid), true, TYPALIGN_INT));
    });
    pg::Spi spi;
    spi.execute(
        "UPDATE hastecrm_perf.partition_config SET last_run = $2, next_run = $3, "
        "last_status = 'ok', last_error = NULL "
        "WHERE parent IN (SELECT parent FROM hastecrm_perf.partition_config "
        "WHERE parent::pg_catalog.oid OPERATOR(pg_catalog.=) ANY ($1) FOR UPDATE SKIP LOCKED)",
        {{OIDARRAYOID, array}, time_param(checked), time_param(next_run)}, false);
}

void forget_job(const Job& job, std::int64_t now) {
    pg::Spi spi;
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = $1", table_of(job.kind), key_of(job.kind));
    spi.execute(sql, {oid_param(job.target)}, false);
    insert_log(spi, job, now, now, JobStatus::skipped, "remove",
               "the target no longer exists: job removed", 0);
}

void prune_job_log(std::int64_t before) {
    pg::Spi spi;
    // Two cycles pruning at once must not wait for each other.
    spi.execute("DELETE FROM hastecrm_perf.job_log_entries WHERE id IN (SELECT id FROM "
                "hastecrm_perf.job_log_entries WHERE started_at < $1 FOR UPDATE SKIP LOCKED)",
                {time_param(before)}, false);
}

void save_partition_job(Oid parent, const char* step, int premake, const Datum* retention,
                        const char* retention_action) {
    pg::Spi spi;
    spi.execute(
        "INSERT INTO hastecrm_perf.partition_config AS c "
        "(parent, step, premake, retention, retention_action) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (parent) DO UPDATE SET step = excluded.step, premake = excluded.premake, "
        "retention = excluded.retention, retention_action = excluded.retention_action, "
        "next_run = NULL, consecutive_failures = 0",
        {{REGCLASSOID, ObjectIdGetDatum(parent)}, text_param(step),
         {INT4OID, Int32GetDatum(premake)},
         {INTERVALOID, retention ? *retention : Datum(0), retention == nullptr},
         text_param(retention_action)},
        false);
}

void save_refresh_job(Oid view, Datum every, std::optional<bool> concurrently,
                      bool skip_unchanged) {
    pg::Spi spi;
    spi.execute(
        "INSERT INTO hastecrm_perf.refresh_config AS c "
        "(view, every, \"concurrently\", skip_unchanged) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (view) DO UPDATE SET every = excluded.every, "
        "\"concurrently\" = excluded.\"concurrently\", skip_unchanged = excluded.skip_unchanged, "
        "next_run = NULL, consecutive_failures = 0",
        {{REGCLASSOID, ObjectIdGetDatum(view)}, {INTERVALOID, every},
         {BOOLOID, BoolGetDatum(concurrently.value_or(false)), !concurrently.has_value()},
         {BOOLOID, BoolGetDatum(skip_unchanged)}},
        false);
}

bool delete_job(JobKind kind, Oid target) {
    pg::Spi spi;
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = $1", table_of(kind), key_of(kind));
    return spi.execute(sql, {{REGCLASSOID, ObjectIdGetDatum(target)}}, false) == 1;
}

}  // namespace hastecrm_perf::worker
