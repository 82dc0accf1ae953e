// Running code of another role for a scope, the way REFRESH MATERIALIZED VIEW
// and VACUUM run a table owner's code: the current user changes, the session
// user does not, and the scope is a settings nest level of its own that is
// rolled back at its end, so a SET (or set_config(..., false)) done by that
// code never reaches the job after it nor the session that ran the job.
// `restricted` also forbids what would outlive the scope (SET ROLE,
// temporary objects, prepared statements).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::pg {

class RunAs {
public:
    // `settings_level` false: for a statement that commits inside (REINDEX
    // or DROP INDEX CONCURRENTLY), which a nest level cannot span; such a
    // statement must run no owner code, or sandbox it itself.
    RunAs(Oid role, bool restricted, bool settings_level = true) noexcept;
    ~RunAs();
    RunAs(const RunAs&) = delete;
    RunAs& operator=(const RunAs&) = delete;

private:
    Oid saved_user_;
    int saved_context_;
    int nest_level_;
    int exceptions_at_start_;
};

}  // namespace hastecrm_perf::pg
