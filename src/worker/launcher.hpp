// The maintenance launcher: one background worker, started with the server
// (never during recovery, so not on a standby, and again after promotion).
// Every naptime it starts a short-lived worker per listed database that runs
// the due jobs and exits: nothing stays connected to a database, so DROP
// DATABASE waits at most for one cycle's jobs, and no memory can pile up.
// With fewer free worker slots than databases, the databases take turns.
#pragma once

namespace hastecrm_perf::worker {

// From _PG_init while the postmaster loads the library.
void register_launcher();

}  // namespace hastecrm_perf::worker
