// Stored latency histograms (bytea in the history tables) to and from the
// core's LatencyHistogram.
#pragma once

#include "core/latency_histogram.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::history {

// Adds the histogram of a bytea into `into`; a malformed value is an ERROR
// (SQLSTATE 22P03, invalid binary representation), `into` unchanged.
void add_stored_histogram(Datum bytea_value, LatencyHistogram& into);

// A new bytea (palloc'd) holding `histogram`.
Datum stored_histogram(const LatencyHistogram& histogram);

}  // namespace hastecrm_perf::history
