// How a materialized view stands before a scheduled refresh: populated or
// not, whether CONCURRENTLY can refresh it, and the change signature of the
// tables it reads — through plain views and down to the leaves of partitioned
// tables — read from the relation cache and the statistics, without SQL — with
// the values of the settings the view's functions may read.
#pragma once

#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

struct ViewState {
    explicit ViewState(Resource& resource)
        : signature(&resource), unjudgeable_because(&resource) {}

    bool populated = false;
    bool has_unique_index = false;  // unique, valid, on plain columns, no WHERE
    // Whether the signature tells a change: not when a foreign table, row
    // security or a function that reads more than its arguments and the
    // settings (now(), one reading other tables: core/refresh_judgement) is
    // involved, nor with track_counts off.
    bool judgeable = false;
    String signature;  // base tables and the settings functions read
    String unjudgeable_because;  // "now() reads the clock", ...
};

// `keep_lock` false: the share lock taken on the view is released again, so
// that a refresh then takes its own lock afresh instead of upgrading this one
// (a session doing the same would deadlock with it).
ViewState read_view_state(Oid view, Resource& resource, bool keep_lock = true);

}  // namespace hastecrm_perf::worker
