// The status of some backends (what pg_stat_activity shows), read in C++
// straight from the shared backend-status slots of just those pids, with
// pg_stat_activity's privilege rule. pgstat_read_current_status() would copy
// every slot and its query text, max_connections of them, each transaction.
#pragma once

#include <cstdint>
#include <span>

#include "core/containers.hpp"
#include "reports/proc_table.hpp"
#include "reports/stats_visibility.hpp"

extern "C" {
#include "postgres.h"
#include "utils/backend_status.h"
}

namespace hastecrm_perf::reports {

// The wait event of a live backend: type and name, or nullptrs.
struct WaitEvent {
    const char* type;
    const char* name;
};

class BackendDirectory {
public:
    struct Entry {
        PgBackendStatus status;  // strings point to copies in this call's memory
        PGPROC* proc;
    };

    // Copies the status of these pids (0, a prepared transaction, has none).
    BackendDirectory(const ProcTable& procs, std::span<const std::int32_t> pids, Resource& resource);

    // The backend with this pid, or nullptr (a prepared transaction, an
    // auxiliary process, or a backend that has exited).
    const Entry* find(std::int32_t pid) const;

    // Whether the caller may see the activity of that backend.
    bool may_see(const PgBackendStatus& backend) const;

    // Its wait event now.
    static WaitEvent wait_event(const Entry& backend);

private:
    Vector<Entry> entries_;  // sorted by pid
    StatsVisibility visibility_;
};

// pg_stat_activity's name for a backend state; nullptr for "undefined".
const char* backend_state_name(BackendState state);

// Datum builders for its fields. Each may raise a PostgreSQL error: call them
// inside pg::call (a row is built under one).
Datum backend_client_addr(const PgBackendStatus& backend, bool* is_null);
Datum backend_query(const PgBackendStatus& backend);
Datum role_name(Oid role, bool* is_null);

}  // namespace hastecrm_perf::reports
