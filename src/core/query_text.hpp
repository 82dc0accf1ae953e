// Normalized query text: every constant replaced by $n, as pg_stat_statements
// shows it, so no literal (a password, an e-mail address) is ever stored.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

// Byte range of one constant in the source text (the parser's location and
// the scanner's token length); a negative length means "not a constant to hide".
struct ConstantSpan {
    int location;
    int length;
};

struct StatementRange {
    int location;  // start of this statement in a multi-statement string
    int length;    // 0: to the end of the string
};

// The statement's text with each constant replaced by $n, numbered after the
// statement's own highest parameter, cut to at most `max_bytes` on a UTF-8
// character boundary. `constants` is sorted in place.
String normalize_query(std::string_view source, StatementRange statement,
                       Vector<ConstantSpan>& constants, int highest_param, std::size_t max_bytes,
                       Resource& resource);

// A normalized text that parses again: a typed literal (timestamptz '...',
// interval '1 day') normalizes to `timestamptz $1`, which is not SQL; it
// becomes `$1::timestamptz`, the same parameter of the same type.
String reparsable_query(std::string_view normalized, Resource& resource);

}  // namespace hastecrm_perf
