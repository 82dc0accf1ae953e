#include "core/batched_statement.hpp"

namespace hastecrm_perf {
namespace {

// "= $<digits>" not followed by another digit; returns the end or npos.
std::size_t parameter_comparison_end(std::string_view q, std::size_t at) {
    if (q.substr(at, 3) != "= $")
        return std::string_view::npos;
    std::size_t end = at + 3;
    while (end < q.size() && q[end] >= '0' && q[end] <= '9')
        ++end;
    return end == at + 3 ? std::string_view::npos : end;
}

}  // namespace

std::optional<String> batched_statement(std::string_view q, Resource& resource) {
    if (!q.starts_with("SELECT") && !q.starts_with("select"))
        return std::nullopt;
    std::size_t found = std::string_view::npos, found_end = 0;
    for (std::size_t i = 0; i < q.size(); ++i) {
        const std::size_t end = parameter_comparison_end(q, i);
        if (end == std::string_view::npos)
            continue;
        if (found != std::string_view::npos)
            return std::nullopt;  // two parameters: which one the loop varies is unknown
        found = i;
        found_end = end;
    }
    if (found == std::string_view::npos)
        return std::nullopt;
    const std::string_view parameter = q.substr(found + 2, found_end - found - 2);
    return concat(resource, {q.substr(0, found), "= ANY(", parameter, ")", q.substr(found_end)});
}

}  // namespace hastecrm_perf
