// The statements a snapshot keeps: the `top` largest by time in the interval,
// plus, per database, one `other` row that adds up everything else, so that
// the totals of a snapshot stay exact whatever is left out.
#pragma once

#include <cstddef>

#include "core/containers.hpp"
#include "core/statement_delta.hpp"

namespace hastecrm_perf {

struct KeptStatement {
    bool other = false;  // the remainder of its database: key.userid and key.queryid are 0
    StatementDelta delta;
};

// The kept rows: the top ones by total time (ties: by key), then the `other`
// rows by database. A database whose statements are all kept has none.
Vector<KeptStatement> keep_top_statements(const Vector<StatementDelta>& deltas, std::size_t top,
                                          Resource& resource);

}  // namespace hastecrm_perf
