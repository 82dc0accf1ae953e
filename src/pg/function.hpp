// Declares a SQL-callable function: C linkage and the V1 info record.
// The body should be `return pg::guard([&] { ... });`.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

#define HASTECRM_PERF_FUNCTION(name)      \
    extern "C" {                          \
    PG_FUNCTION_INFO_V1(name);            \
    }                                     \
    extern "C" Datum name(PG_FUNCTION_ARGS)
