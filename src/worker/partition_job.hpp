// Partition maintenance of one managed table.
//
// A missing partition is created as a standalone table, given a CHECK
// constraint matching its bounds and ATTACHed: ATTACH takes only SHARE UPDATE
// EXCLUSIVE on the parent, and the constraint spares it the validation scan,
// so readers and writers of the parent go on. A DEFAULT partition must be
// locked exclusively to attach beside it: that lock is taken under
// lock_timeout, and the default's rows of the new range move into the new
// partition first. Retention detaches or drops, under lock_timeout too.
#pragma once

#include "core/containers.hpp"
#include "worker/job.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

struct PartitionRequest {
    Oid parent;
    Oid owner;  // the DDL runs as this role
    const PartitionSettings* settings;
    bool retire;            // apply retention too
    bool contain_failures;  // each action in a subtransaction; else an error propagates
};

// `created` receives the number of partitions created.
JobOutcome maintain_partitions(const PartitionRequest& request, Resource& resource,
                               int* created = nullptr);

// Throws the error a user should see when `parent` cannot be managed.
void check_manageable(Oid parent);

}  // namespace hastecrm_perf::worker
