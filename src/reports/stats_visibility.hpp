// Whose activity the caller may see, by pg_stat_activity's rule: superusers,
// members of the role that ran it, and members of pg_read_all_stats.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::reports {

class StatsVisibility {
public:
    StatsVisibility();
    bool may_see(Oid role) const;

private:
    bool reads_all_stats_;
};

}  // namespace hastecrm_perf::reports
