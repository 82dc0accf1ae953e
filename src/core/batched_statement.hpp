// The batched form of a statement an N+1 loop runs once per value: when its
// normalized text compares one column with one parameter ("WHERE id = $1"),
// the same statement with "= ANY($1)" takes every value in one call.
#pragma once

#include <optional>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

// None when the statement has no such comparison, or more than one.
std::optional<String> batched_statement(std::string_view query, Resource& resource);

}  // namespace hastecrm_perf
