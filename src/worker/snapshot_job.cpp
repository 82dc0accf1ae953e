#include "worker/snapshot_job.hpp"

#include "history/snapshot.hpp"
#include "pg/call.hpp"
#include "pg/local_settings.hpp"
#include "pg/run_as.hpp"
#include "pg/spi.hpp"
#include "settings.hpp"

extern "C" {
#include "access/xlog.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {

const char* const update_snapshot_sql =
    "UPDATE hastecrm_perf.history_state SET next_run = $2, last_run = $3, last_status = $4, "
    "last_error = $5, consecutive_failures = $6, last_sqlstate = $8 WHERE singleton";

void add_snapshot_job(Vector<Job>& jobs, Oid extension_owner, Resource& resource) {
    if (pg::call([] { return RecoveryInProgress(); }) || !history::is_history_database())
        return;
    pg::Spi spi;
    if (spi.execute("SELECT 'hastecrm_perf.statement_history'::pg_catalog.regclass::pg_catalog.oid, "
                    "next_run, consecutive_failures FROM hastecrm_perf.history_state",
                    {}) != 1)
        return;
    bool is_null = false;
    Job& job = jobs.emplace_back(resource);
    job.kind = JobKind::snapshot;
    job.target = DatumGetObjectId(spi.value(0, 1, &is_null));
    job.target_name = "history";
    job.target_exists = true;
    job.owner = extension_owner;
    const Datum next_run = spi.value(0, 2, &is_null);
    if (!is_null)
        job.next_run = DatumGetTimestampTz(next_run);
    job.consecutive_failures = DatumGetInt32(spi.value(0, 3, &is_null));
    // The scheduler's cadence: history_interval.
    job.refresh.every = IntervalValue{static_cast<std::int64_t>(settings::history_interval_s) * 1'000'000, 0, 0};
}

JobOutcome take_snapshot_job(const Job& job, Resource& resource) {
    pg::RunAs owner(job.owner, false);
    pg::LocalSettings settings;
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%d", settings::lock_timeout_ms);
    settings.set("lock_timeout", timeout);
    const history::SnapshotSummary summary = history::take_snapshot(resource);
    JobOutcome outcome(resource);
    outcome.action = summary.action;
    outcome.detail = summary.detail;
    outcome.did_something = true;
    return outcome;
}

}  // namespace hastecrm_perf::worker
