// Running as another role for a scope, the way SECURITY DEFINER functions and
// REFRESH MATERIALIZED VIEW do it: the current user changes, the session user
// does not. `restricted` also forbids what would outlive the scope (SET ROLE,
// temporary objects, prepared statements): code of a table owner must not
// leave anything behind in the session that runs it.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::pg {

class RunAs {
public:
    RunAs(Oid role, bool restricted) noexcept;
    ~RunAs();
    RunAs(const RunAs&) = delete;
    RunAs& operator=(const RunAs&) = delete;

private:
    Oid saved_user_;
    int saved_context_;
};

}  // namespace hastecrm_perf::pg
