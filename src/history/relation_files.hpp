// The size of a relation from its files, as pg_relation_size() finds it but
// without opening the relation: no lock is taken (a lock would queue behind an
// ALTER TABLE and hold up everyone behind us) and no page is read. A relation
// dropped meanwhile counts 0.
#pragma once

#include <cstdint>

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::history {

// Bytes of every fork of `relation` (0 for temporary or unknown relations).
std::int64_t relation_file_bytes(Oid relation);

}  // namespace hastecrm_perf::history
