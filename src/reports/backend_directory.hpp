// The backends' status (what pg_stat_activity shows), read in C++ from the
// cumulative-statistics backend table, with pg_stat_activity's privilege rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/containers.hpp"
#include "reports/stats_visibility.hpp"

extern "C" {
#include "postgres.h"
#include "utils/backend_status.h"
}

namespace hastecrm_perf::reports {

class BackendDirectory {
public:
    explicit BackendDirectory(Resource& resource);

    // The backend with this pid, or nullptr (a prepared transaction, an
    // auxiliary process, or a backend that has exited).
    const PgBackendStatus* find(std::int32_t pid) const;

    // Whether the caller may see the activity of that backend.
    bool may_see(const PgBackendStatus& backend) const;

private:
    Vector<const PgBackendStatus*> by_pid_;  // sorted by st_procpid
    StatsVisibility visibility_;
};

// pg_stat_activity's name for a backend state; nullptr for "undefined".
const char* backend_state_name(BackendState state);

// Datum builders for its fields (each may allocate, so each is wrapped).
Datum backend_client_addr(const PgBackendStatus& backend, bool* is_null);
Datum backend_query(const PgBackendStatus& backend);
Datum role_name(Oid role, bool* is_null);

// The wait event of a live backend: type and name, or nullptrs.
struct WaitEvent {
    const char* type;
    const char* name;
};
WaitEvent backend_wait_event(std::int32_t pid);

}  // namespace hastecrm_perf::reports
