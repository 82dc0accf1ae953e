// The executor and utility hooks that time statements into the latency table
// and feed each backend's N+1 detector. Installed only when the library is
// preloaded (the tables live in shared memory reserved at startup).
#pragma once

namespace hastecrm_perf::stats {

void install_hooks();

// The latency and N+1 tables (module.cpp's shared-memory hooks call these).
void request_shared_memory();
void attach_shared_memory();

}  // namespace hastecrm_perf::stats
