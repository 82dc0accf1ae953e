// Planning a statement as if a B-tree existed that does not: the planner's
// get_relation_info_hook adds the index to the table's list while this
// backend plans, during one call only. Nothing is built or written.
#pragma once

#include <cstdint>

#include "core/index_candidate.hpp"

extern "C" {
#include "postgres.h"
#include "nodes/parsenodes.h"
}

namespace hastecrm_perf::advice {

struct PlanOutcome {
    double cost;            // total cost of the plan
    bool uses_index;        // the hypothetical index is in the plan
    bool index_only;        // ... in an index-only scan
};

// Plans a copy of `query` as it is (no hypothetical index).
PlanOutcome plan_as_is(Query* query, const char* text);

// Plans a copy of `query` with `candidate` present on `relid`, whose entries
// carry `entry_bytes`.
PlanOutcome plan_with(Query* query, const char* text, Oid relid, const Candidate& candidate,
                      double entry_bytes);

}  // namespace hastecrm_perf::advice
