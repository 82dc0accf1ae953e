// Plan capture (SPEC §12): executor hooks that keep the plan of a statement
// slower than hastecrm_perf.plan_capture_ms, one entry per statement and plan
// shape, in the PlanTable.
//
// Top-level statements always, those run by functions when
// hastecrm_perf.track_nested is on (then they are timed anyway). Below the
// threshold a statement costs a comparison, plus, for a statement
// that has been slow before, a shape hash and a count into its plan's entry
// (so a plan that became fast after a new index shows its own latency). The
// EXPLAIN text is made only for a new shape, or one whose kept sample is
// older or faster than this run, under a global rate limit.
#pragma once

namespace hastecrm_perf::stats {

// Chained after the latency hooks (install_hooks() first): these run first.
void install_plan_capture();

void request_plan_memory();
void attach_plan_memory();

}  // namespace hastecrm_perf::stats
