// How a materialized view stands before a scheduled refresh: populated or
// not, whether CONCURRENTLY can refresh it, and the change signature of the
// tables it reads — through plain views and down to the leaves of partitioned
// tables — read from the relation cache and the statistics, without SQL.
#pragma once

#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::worker {

struct ViewState {
    explicit ViewState(Resource& resource) : signature(&resource) {}

    bool populated = false;
    bool has_unique_index = false;  // unique, valid, on plain columns, no WHERE
    // Whether the signature tells a change: not when a foreign table or a
    // function that is not immutable (now(), one reading other tables) is
    // involved, nor with track_counts off.
    bool judgeable = false;
    String signature;
};

ViewState read_view_state(Oid view, Resource& resource);

}  // namespace hastecrm_perf::worker
