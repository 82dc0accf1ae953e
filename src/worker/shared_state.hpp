// What the worker's processes share in shared memory:
// - "logged once" flags, one per launcher slot, so that a listed database
//   without the extension is reported when first seen, not on every cycle
//   of short-lived workers;
// - the moment shared memory was made, which a crash restart renews (the
//   postmaster's start time does not change then, but every statistics
//   counter restarts from zero);
// - which database workers run, registered by each worker itself: a
//   launcher restarted after an error has lost its handles, and this is how
//   it still watches those workers and never starts a second one beside them.
#pragma once

#include <cstdint>

namespace hastecrm_perf::worker {

inline constexpr int max_databases = 64;

void request_shared_state();
void attach_shared_state();

// True the first time it is called for `slot` since the last clear.
bool first_notice(int slot);
void clear_notice(int slot);

// A worker claims its database before connecting; false when another live
// worker already has it (or the table is full). The claim ends at exit.
bool claim_database(std::uint32_t database);
// The pid of the live worker that claimed `database`, or 0.
int worker_of_database(std::uint32_t database);

// 0 when the library was not preloaded (no shared memory of ours).
std::int64_t shared_memory_epoch();

}  // namespace hastecrm_perf::worker
