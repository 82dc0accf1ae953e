#include "worker/maintenance_cycle.hpp"

#include <algorithm>

#include "core/job_schedule.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/memory.hpp"
#include "pg/run_as.hpp"
#include "settings.hpp"
#include "worker/database_jobs.hpp"
#include "worker/job_catalog.hpp"
#include "worker/job_lock.hpp"
#include "worker/partition_job.hpp"
#include "worker/refresh_job.hpp"
#include "worker/snapshot_job.hpp"

extern "C" {
#include "common/pg_prng.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

constexpr std::int64_t micros_per_second = 1'000'000;
constexpr std::int64_t one_hour = 3600 * micros_per_second;

std::int64_t naptime() { return static_cast<std::int64_t>(settings::naptime_s) * micros_per_second; }

bool is_due(const Job& job, std::int64_t now) {
    // A partition check runs every cycle unless it is backing off.
    if (job.kind == JobKind::partitions && job.consecutive_failures == 0)
        return true;
    if (database_wide(job.kind) && !inside_job_window(job, now))
        return false;
    return !job.next_run || *job.next_run <= now;
}

// Retries start one cycle later and double up to an hour; a refresh waits at
// most its own interval, so a quick schedule recovers quickly.
RetryPolicy retry_policy(const Job& job) {
    std::int64_t cap = one_hour;
    if (job.kind == JobKind::refresh)
        cap = std::min(cap, interval_micros(job.refresh.every));
    if (database_wide(job.kind))
        cap = std::min(cap, interval_micros(job.database.every));
    return RetryPolicy{naptime(), std::max(cap, naptime()), 0.1};
}

std::int64_t next_run(const Job& job, JobStatus status, int failures, std::int64_t started,
                      std::int64_t finished) {
    if (status == JobStatus::lock_timeout)
        return finished;  // retried on the next cycle
    if (status == JobStatus::error)
        return finished + retry_delay(failures, retry_policy(job),
                                      pg_prng_double(&pg_global_prng_state));
    if (job.kind == JobKind::partitions)
        return finished + naptime();
    if (database_wide(job.kind))
        return next_slot(job.next_run.value_or(started), interval_micros(job.database.every), finished);
    return next_slot(job.next_run.value_or(started), interval_micros(job.refresh.every), finished);
}

JobOutcome run_job(const Job& job, Resource& resource) {
    if (!try_lock_job(job.target)) {
        JobOutcome outcome(resource);
        outcome.status = JobStatus::skipped;
        outcome.action = "none";
        outcome.detail = "already running in another session";
        outcome.running_elsewhere = true;
        return outcome;
    }
    if (job.kind == JobKind::refresh)
        return refresh_view(job, resource);
    if (job.kind == JobKind::snapshot)
        return take_snapshot_job(job, resource);
    const PartitionRequest request{job.target, job.owner, &job.partitions, true, true};
    return maintain_partitions(request, resource);
}

// In a session, a cancel (Ctrl-C, the caller's statement_timeout) stops the
// whole call, as it would any statement.
void stop_if_canceled(const CycleOptions& options, const std::optional<pg::Failure>& failure) {
    if (failure && failure->canceled && options.isolation == pg::Isolation::subtransaction)
        throw pg::Error(failure->sqlstate, failure->message.c_str(), failure->detail.c_str());
}

void show_activity(const CycleOptions& options, const Job& job) {
    if (!options.in_worker)
        return;
    char activity[160];
    snprintf(activity, sizeof activity, "hastecrm_perf: %s of %s", kind_name(job.kind),
             job.target_name.c_str());
    pg::call([&activity] { pgstat_report_activity(STATE_RUNNING, activity); });
}

void log_failure(const CycleOptions& options, const Job& job, const JobOutcome& outcome) {
    if (!options.in_worker ||
        (outcome.status != JobStatus::error && outcome.status != JobStatus::lock_timeout))
        return;
    pg::call([&] {
        ereport(LOG, (errmsg("hastecrm_perf: %s job of %s ended with %s: %s", kind_name(job.kind),
                             job.target_name.c_str(), status_name(outcome.status),
                             outcome.detail.c_str()),
                      outcome.error_detail.empty()
                          ? 0
                          : errdetail_internal("%s", outcome.error_detail.c_str())));
    });
}

// Bookkeeping runs as the extension's owner: target owners have no rights on
// the job tables. Its failure must not stop the cycle either.
template <typename Body>
void bookkeeping(const CycleOptions& options, Oid extension_owner, Resource& resource, Body&& body) {
    const auto failure = pg::run_isolated(options.isolation, resource, [&] {
        pg::RunAs owner(extension_owner, false);
        body();
    });
    stop_if_canceled(options, failure);
    if (failure)
        pg::call([&] {
            ereport(WARNING, (errmsg("hastecrm_perf: could not record a maintenance job: %s",
                                     failure->message.c_str())));
        });
}

// One job's memory: what it read and its outcome (job_resource()), and what
// its (sub)transaction pallocs, which a subtransaction would otherwise keep
// until the caller's commit. Reset once the job is recorded, so that a cycle
// of thousands of jobs stays as small as one.
class JobMemory {
public:
    JobMemory()
        : context_(pg::call([] {
              return AllocSetContextCreate(CurrentMemoryContext, "hastecrm_perf job",
                                           ALLOCSET_DEFAULT_SIZES);
          })),
          resource_(context_) {}
    ~JobMemory() { MemoryContextDelete(context_); }
    JobMemory(const JobMemory&) = delete;
    JobMemory& operator=(const JobMemory&) = delete;

    Resource& resource() { return resource_; }
    void reset() { MemoryContextReset(context_); }

    // Inside the job's unit: its pallocs go here too.
    class Current {
    public:
        explicit Current(JobMemory& memory) : saved_(MemoryContextSwitchTo(memory.context_)) {}
        ~Current() { MemoryContextSwitchTo(saved_); }
        Current(const Current&) = delete;
        Current& operator=(const Current&) = delete;

    private:
        MemoryContext saved_;
    };

private:
    MemoryContext context_;
    pg::ContextResource resource_;
};

}  // namespace

Vector<JobReport> run_cycle(const CycleOptions& options, Resource& resource) {
    Vector<JobReport> reports(&resource);
    Oid owner = InvalidOid;
    Vector<Job> jobs(&resource);
    const auto failure = pg::run_isolated(options.isolation, resource, [&] {
        owner = extension_owner();
        pg::RunAs as_owner(owner, false);
        jobs = load_jobs(resource);
        add_snapshot_job(jobs, owner, resource);
        append_database_jobs(jobs, resource);
    });
    if (failure)
        throw pg::Error(failure->sqlstate, failure->message.c_str(), failure->detail.c_str());

    Vector<Oid> checked(&resource);
    JobMemory memory;
    for (const Job& job : jobs) {
        memory.reset();  // the previous job's outcome is gone with its scope
        Resource& job_resource = memory.resource();
        const std::int64_t started = GetCurrentTimestamp();
        if (!job.target_exists) {
            if (options.caller != InvalidOid)
                continue;
            bookkeeping(options, owner, job_resource, [&] { forget_job(job, started); });
            JobReport& report = reports.emplace_back(resource);
            report.kind = job.kind;
            report.target = job.target_name;
            report.action = "remove";
            report.status = JobStatus::skipped;
            report.detail = "the target no longer exists: job removed";
            continue;
        }
        if (options.caller != InvalidOid &&
            !pg::call([&] { return has_privs_of_role(options.caller, job.owner); }))
            continue;
        if (!is_due(job, started))
            continue;

        show_activity(options, job);
        JobOutcome outcome(job_resource);
        std::optional<pg::Failure> job_failure;
        // The database-wide jobs work in units of their own, table by table.
        if (job.kind == JobKind::analyze)
            outcome = analyze_stale_tables(job, options.isolation, job_resource);
        else if (job.kind == JobKind::reindex)
            outcome = rebuild_bloated_indexes(job, options.isolation, job_resource);
        else
            job_failure = pg::run_isolated(options.isolation, job_resource, [&] {
                const JobMemory::Current current(memory);
                outcome = run_job(job, job_resource);
            });
        stop_if_canceled(options, job_failure);
        if (job_failure) {
            outcome.status = job_failure->sqlstate == ERRCODE_LOCK_NOT_AVAILABLE
                                 ? JobStatus::lock_timeout
                                 : JobStatus::error;
            outcome.action = job.kind == JobKind::refresh ? "refresh" : "maintain";
            outcome.detail = job_failure->message;
            outcome.error_detail = job_failure->detail;
            outcome.sqlstate = job_failure->sqlstate;
            outcome.did_something = false;
            outcome.signature.reset();
        }
        const std::int64_t finished = GetCurrentTimestamp();
        log_failure(options, job, outcome);

        const bool failed =
            outcome.status == JobStatus::error || outcome.status == JobStatus::lock_timeout;
        const int failures = failed ? job.consecutive_failures + 1 : 0;
        if (outcome.running_elsewhere) {
            // Nothing to record.
        } else if (job.kind == JobKind::partitions && !failed && !outcome.did_something &&
                   job.consecutive_failures == 0) {
            checked.push_back(job.target);  // recorded together below
        } else {
            const RunRecord record{&job, &outcome, started, finished,
                                   next_run(job, outcome.status, failures, started, finished),
                                   failures};
            bookkeeping(options, owner, job_resource, [&] {
                const JobMemory::Current current(memory);
                database_wide(job.kind) ? record_database_job_run(record) : record_run(record);
            });
        }

        JobReport& report = reports.emplace_back(resource);
        report.kind = job.kind;
        report.target = job.target_name;
        report.action = outcome.action;
        report.status = outcome.status;
        report.detail = outcome.detail;
        report.duration_ms = static_cast<double>(finished - started) / 1000.0;
    }

    const std::int64_t now = GetCurrentTimestamp();
    bookkeeping(options, owner, resource, [&] {
        record_checks(checked, now, now + naptime());
        prune_job_log(now - static_cast<std::int64_t>(settings::job_log_days) * 24 * one_hour);
    });
    if (options.in_worker)
        pg::call([] { pgstat_report_activity(STATE_IDLE, nullptr); });
    return reports;
}

}  // namespace hastecrm_perf::worker
