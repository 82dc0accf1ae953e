#include "core/fk_coverage.hpp"

#include <algorithm>

namespace hastecrm_perf {
namespace {

// Removes one pair of parentheses that encloses the whole text.
std::string_view strip_outer_parens(std::string_view text) {
    while (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
        int depth = 0;
        bool encloses = true;
        bool quoted = false;
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '"')
                quoted = !quoted;
            if (quoted)
                continue;
            if (c == '(')
                ++depth;
            else if (c == ')' && --depth == 0 && i + 1 != text.size()) {
                encloses = false;
                break;
            }
        }
        if (!encloses)
            break;
        text = text.substr(1, text.size() - 2);
    }
    return text;
}

// Splits at " AND " outside parentheses and quotes; false when there is an OR
// or anything else at the top level that is not a conjunction.
template <typename Fn>
bool for_each_conjunct(std::string_view text, Fn&& fn) {
    int depth = 0;
    bool quoted = false;
    std::size_t start = 0;
    constexpr std::string_view separator = " AND ";
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"')
            quoted = !quoted;
        if (quoted)
            continue;
        if (c == '(')
            ++depth;
        else if (c == ')')
            --depth;
        else if (depth == 0 && text.substr(i, separator.size()) == separator) {
            if (!fn(text.substr(start, i - start)))
                return false;
            start = i + separator.size();
            i = start - 1;
        }
    }
    return fn(text.substr(start));
}

}  // namespace

bool predicate_only_requires_not_null(std::string_view predicate,
                                      std::span<const std::string_view> names) noexcept {
    constexpr std::string_view suffix = " IS NOT NULL";
    return for_each_conjunct(strip_outer_parens(predicate), [&](std::string_view conjunct) {
        conjunct = strip_outer_parens(conjunct);
        if (conjunct.size() <= suffix.size() || !conjunct.ends_with(suffix))
            return false;
        const std::string_view column = conjunct.substr(0, conjunct.size() - suffix.size());
        return std::find(names.begin(), names.end(), column) != names.end();
    });
}

bool covers_foreign_key(std::span<const int> fk_attnums, std::span<const std::string_view> fk_names,
                        const CoveringIndex& index) noexcept {
    if (!index.btree || !index.valid || fk_attnums.empty() ||
        index.key_attnums.size() < fk_attnums.size())
        return false;
    for (std::size_t i = 0; i < fk_attnums.size(); ++i)
        if (std::find(fk_attnums.begin(), fk_attnums.end(), index.key_attnums[i]) == fk_attnums.end())
            return false;
    // The leading columns are FK columns; distinct ones (an index cannot
    // repeat a plain column), so they are all of them.
    return index.predicate.empty() || predicate_only_requires_not_null(index.predicate, fk_names);
}

}  // namespace hastecrm_perf
