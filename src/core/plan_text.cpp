#include "core/plan_text.hpp"

#include <cctype>

namespace hastecrm_perf {
namespace {

bool identifier_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

// Condition lines: "Index Cond: ...", "Filter: ...", "Join Filter: ...",
// "One-Time Filter: ...", "Recheck Cond: ..." -- not "Rows Removed by Filter: 12".
bool condition_line(std::string_view line) {
    std::size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos)
        return false;
    const std::size_t colon = line.find(": ", start);
    if (colon == std::string_view::npos)
        return false;
    const std::string_view label = line.substr(start, colon - start);
    if (label.starts_with("->") || label.starts_with("Rows Removed"))
        return false;
    return label.ends_with("Cond") || label.ends_with("Filter");
}

void mask_line(std::string_view line, String& out) {
    const bool numbers = condition_line(line);
    for (std::size_t i = 0; i < line.size();) {
        const char c = line[i];
        if (c == '\'') {  // a literal: '...' with '' for a quote inside
            std::size_t j = i + 1;
            while (j < line.size()) {
                if (line[j] == '\'' && j + 1 < line.size() && line[j + 1] == '\'') {
                    j += 2;
                    continue;
                }
                if (line[j] == '\'')
                    break;
                ++j;
            }
            out.append("'…'");
            i = j + 1;
        } else if (c == '"') {  // a quoted name stays
            const std::size_t end = line.find('"', i + 1);
            const std::size_t stop = end == std::string_view::npos ? line.size() : end + 1;
            out.append(line.data() + i, stop - i);
            i = stop;
        } else if (numbers && std::isdigit(static_cast<unsigned char>(c)) &&
                   (i == 0 || !identifier_char(line[i - 1]))) {
            std::size_t j = i;
            while (j < line.size() && (std::isdigit(static_cast<unsigned char>(line[j])) || line[j] == '.' ||
                                       line[j] == 'e' || line[j] == 'E'))
                ++j;
            if (j < line.size() && identifier_char(line[j])) {  // part of a name after all
                out.append(line.data() + i, j - i);
            } else {
                out.push_back('?');
            }
            i = j;
        } else {
            out.push_back(c);
            ++i;
        }
    }
}

}  // namespace

String mask_plan_literals(std::string_view plan, Resource& resource) {
    String out(&resource);
    out.reserve(plan.size());
    std::size_t start = 0;
    while (start <= plan.size()) {
        const std::size_t end = plan.find('\n', start);
        const std::size_t stop = end == std::string_view::npos ? plan.size() : end;
        mask_line(plan.substr(start, stop - start), out);
        if (end == std::string_view::npos)
            break;
        out.push_back('\n');
        start = end + 1;
    }
    return out;
}

}  // namespace hastecrm_perf
