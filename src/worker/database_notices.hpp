// "Logged once" across short-lived workers: a flag per launcher slot in shared
// memory, so that a listed database without the extension is reported when
// first seen, not on every cycle.
#pragma once

namespace hastecrm_perf::worker {

inline constexpr int max_databases = 64;

void request_notice_memory();
void attach_notice_memory();

// True the first time it is called for `slot` since the last clear.
bool first_notice(int slot);
void clear_notice(int slot);

}  // namespace hastecrm_perf::worker
