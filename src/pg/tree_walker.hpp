// PostgreSQL 15 declares node-tree walkers unprototyped, bool (*)(); a typed
// walker passes through void (*)(), the one pointer type a function may be
// cast through without a warning.
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/nodes.h"
}

namespace hastecrm_perf::pg {

template <typename Context>
auto as_walker(bool (*walker)(Node*, Context*)) {
    return reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(walker));
}

}  // namespace hastecrm_perf::pg
