// A comma-separated list of names, read the way PostgreSQL reads list settings
// such as search_path: unquoted names are folded to lower case, double quotes
// keep case, spaces and commas ("" is a quote inside quotes).
#pragma once

#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

struct NameList {
    Vector<String> names;  // in order of first appearance, without duplicates
    String error;          // why the text is not a list; empty when it is
};

// Longest name a PostgreSQL identifier may have (NAMEDATALEN - 1).
inline constexpr std::size_t max_name_bytes = 63;

NameList parse_name_list(std::string_view text, Resource& resource);

}  // namespace hastecrm_perf
