// One maintenance cycle in one database: every due job, each in a unit of its
// own (a transaction in the worker, a subtransaction in run_maintenance()),
// so that a failing job is logged, backs off and never stops the others.
#pragma once

#include "core/containers.hpp"
#include "pg/isolation.hpp"
#include "worker/job.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

struct CycleOptions {
    pg::Isolation isolation;
    Oid caller;         // only jobs on targets whose owner's rights this role has; InvalidOid: all
    bool in_worker;     // also log failures to the server log and show jobs in pg_stat_activity
};

struct JobReport {
    explicit JobReport(Resource& resource)
        : target(&resource), action(&resource), detail(&resource) {}

    JobKind kind = JobKind::partitions;
    String target;
    String action;
    JobStatus status = JobStatus::ok;
    String detail;
    double duration_ms = 0;
};

Vector<JobReport> run_cycle(const CycleOptions& options, Resource& resource);

}  // namespace hastecrm_perf::worker
