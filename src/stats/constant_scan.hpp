// Finds the constants of a statement's text with PostgreSQL's own scanner, so
// that core/query_text can replace them. With the jumble state's locations it
// measures each one's length (a negative number is '-' plus the literal);
// without them (utility statements, or text first seen at execution) it takes
// every literal token: no path stores a literal.
#pragma once

#include "core/containers.hpp"
#include "core/query_text.hpp"

struct JumbleState;

namespace hastecrm_perf::stats {

void scan_constants(const char* query, const JumbleState* jumble, Vector<ConstantSpan>& out);

}  // namespace hastecrm_perf::stats
