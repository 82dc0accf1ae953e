// Our own partitions of the history tables: one per day (per month for the
// relation sizes), made ahead by each snapshot, dropped when wholly older
// than their retention, and the oldest dropped first when the history
// outgrows hastecrm_perf.history_max_mb. Never a DELETE.
#pragma once

#include <cstdint>

#include "core/containers.hpp"

namespace hastecrm_perf::history {

// The partitions holding `now` and the period after it.
void make_partitions(std::int64_t now);

struct Retired {
    int expired = 0;  // past their retention
    int capped = 0;   // dropped for the size cap
};
Retired retire_partitions(std::int64_t now);

}  // namespace hastecrm_perf::history
