// Plans as they are kept (SPEC §12): the text of a captured plan without the
// statement's literals, and the fold that turns a plan tree's shape into one
// identifier.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

// EXPLAIN prints the constants of the run it explains ('a@b.com'::text, 42)
// in its condition lines (Index Cond, Filter, Hash Cond, ...). Each quoted
// literal becomes '…' and each number in those lines ?, so a kept plan holds
// no literal, as the latency table's texts hold none; the node lines with
// their costs and row counts stay as they are.
String mask_plan_literals(std::string_view plan, Resource& resource);

// Folds one more value into a plan-shape hash (order matters).
constexpr std::uint64_t fold_shape(std::uint64_t hash, std::uint64_t value) {
    hash ^= value + 0x9E3779B97F4A7C15ull + (hash << 6) + (hash >> 2);
    hash *= 0xFF51AFD7ED558CCDull;
    return hash ^ (hash >> 33);
}

}  // namespace hastecrm_perf
