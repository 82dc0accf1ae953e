// The library's entry point.
#include "settings.hpp"
#include "stats/hooks.hpp"
#include "worker/launcher.hpp"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

void _PG_init(void) {
    hastecrm_perf::settings::define();
    // Shared memory, hooks and the worker exist only when the postmaster loads us.
    if (process_shared_preload_libraries_in_progress) {
        hastecrm_perf::stats::install_hooks();
        hastecrm_perf::worker::register_launcher();
    }
}
