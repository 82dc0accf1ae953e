// Transaction ID and multixact wraparound, by PostgreSQL 14+'s limits
// (SetTransactionIdLimit in access/transam/varsup.c): new XIDs stop at age
// 2^31 − 1 − 3,000,000 and the server warns from 40,000,000 before the
// wraparound point. Multixacts have the same limits.
//
// Ages below autovacuum_freeze_max_age are the normal sawtooth of
// anti-wraparound vacuums and no finding at all; an age past it by more than
// a margin means autovacuum is not keeping up (warning); headroom to the stop
// limit below a floor is critical.
#pragma once

#include <cstdint>

#include "core/health_severity.hpp"

namespace hastecrm_perf {

inline constexpr std::int64_t xid_wrap_distance = 2'147'483'647;  // 2^31 − 1
inline constexpr std::int64_t xid_stop_age = xid_wrap_distance - 3'000'000;
inline constexpr std::int64_t xid_warn_age = xid_wrap_distance - 40'000'000;

struct WraparoundLimits {
    std::int64_t freeze_max_age = 200'000'000;     // the table's or server's
    std::int64_t warning_margin = 100'000'000;     // past freeze_max_age
    std::int64_t critical_headroom = 100'000'000;  // to the stop limit
};

// Headroom to the stop limit (may be negative: the server already refuses XIDs).
std::int64_t headroom_to_stop(std::int64_t age) noexcept;

Severity grade_wraparound(std::int64_t age, const WraparoundLimits& limits) noexcept;

}  // namespace hastecrm_perf
