// The library's entry point: settings, and when the postmaster preloads us,
// the shared memory, the statement hooks and the maintenance launcher.
#include "history/history_shared.hpp"
#include "settings.hpp"
#include "stats/hooks.hpp"
#include "stats/plan_capture.hpp"
#include "worker/launcher.hpp"
#include "worker/shared_state.hpp"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

namespace {

shmem_request_hook_type previous_shmem_request = nullptr;
shmem_startup_hook_type previous_shmem_startup = nullptr;

void request_shared_memory() {
    if (previous_shmem_request)
        previous_shmem_request();
    hastecrm_perf::stats::request_shared_memory();
    hastecrm_perf::stats::request_plan_memory();
    hastecrm_perf::worker::request_shared_state();
    hastecrm_perf::history::request_history_shared();
}

// At server start and again after every crash reinitialisation.
void startup_shared_memory() {
    if (previous_shmem_startup)
        previous_shmem_startup();
    hastecrm_perf::stats::attach_shared_memory();
    hastecrm_perf::stats::attach_plan_memory();
    hastecrm_perf::worker::attach_shared_state();
    hastecrm_perf::history::attach_history_shared();
}

}  // namespace

void _PG_init(void) {
    hastecrm_perf::settings::define();
    if (!process_shared_preload_libraries_in_progress)
        return;
    previous_shmem_request = shmem_request_hook;
    shmem_request_hook = request_shared_memory;
    previous_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = startup_shared_memory;
    hastecrm_perf::stats::install_hooks();
    hastecrm_perf::stats::install_plan_capture();
    hastecrm_perf::worker::register_launcher();
}
