// The library's entry point.
#include "settings.hpp"

extern "C" {
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

void _PG_init(void) {
    hastecrm_perf::settings::define();
}
