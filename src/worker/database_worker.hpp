// The short-lived per-database worker: connects, runs one maintenance cycle
// when the extension is installed there, and exits.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

// Passed in bgw_extra.
struct DatabaseWorkerArgs {
    Oid role;  // InvalidOid: the bootstrap superuser
    int slot;  // the launcher's slot, for "logged once" notices
};

}  // namespace hastecrm_perf::worker
