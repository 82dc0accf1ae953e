#include "reports/stats_visibility.hpp"

#include "pg/call.hpp"

extern "C" {
#include "catalog/pg_authid_d.h"
#include "miscadmin.h"
#include "utils/acl.h"
}

namespace hastecrm_perf::reports {

StatsVisibility::StatsVisibility()
    : reads_all_stats_(pg::call([] { return has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS); })) {}

bool StatsVisibility::may_see(Oid role) const {
    return reads_all_stats_ || pg::call([role] { return has_privs_of_role(GetUserId(), role); });
}

}  // namespace hastecrm_perf::reports
