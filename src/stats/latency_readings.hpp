// Copies of the latency table's entries for the history snapshots, taken
// under the table's shared lock into memory the caller allocated beforehand:
// nothing under the lock allocates or can raise an error.
#pragma once

#include <cstddef>

#include "core/statement_delta.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::stats {

// Entries that finished at least once (or failed), up to `room`; returns how
// many were copied.
std::size_t copy_readings(StatementReading* out, std::size_t room);

// The normalized text of each key of `keys` (sorted, distinct) into
// texts[i] (query_text_room bytes each, NUL-terminated; empty when the entry
// is gone).
inline constexpr std::size_t query_text_room = 1025;
void copy_texts(const StatementKey* keys, std::size_t count, char* texts);

}  // namespace hastecrm_perf::stats
