// Who owns a relation, and the check every maintenance function makes first.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::pg {

Oid relation_owner(Oid relation);
// Throws Error 42501 unless the current user owns `relation` (or is superuser).
void require_owner(Oid relation);

}  // namespace hastecrm_perf::pg
