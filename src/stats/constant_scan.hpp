// Finds the literals of one statement with PostgreSQL's own scanner, so that
// core/query_text can replace them: every string, bit-string and numeric
// literal token, whether or not the jumble treats it as a constant (type
// modifiers, EXPLAIN's inner query, utility statements): no path stores one.
//
// Only the statement's own text is lexed (not the whole multi-statement
// string), in a memory context of its own that is deleted afterwards.
#pragma once

#include "core/containers.hpp"
#include "core/query_text.hpp"

namespace hastecrm_perf::stats {

// Fills `out` with the literals' spans, as offsets into `source`. Returns
// false when the scanner rejects the text (out is then unusable): the caller
// must store no text at all rather than an unscanned one.
bool scan_literals(const char* source, StatementRange statement, Vector<ConstantSpan>& out) noexcept;

}  // namespace hastecrm_perf::stats
