#include "core/query_text.hpp"

#include <algorithm>
#include <cstdio>

namespace hastecrm_perf {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The longest prefix of `text` of at most `max_bytes` that does not split a
// UTF-8 sequence.
std::size_t utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes)
        return text.size();
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;  // text[end] continues a sequence that starts before it
    return end;
}

}  // namespace

String normalize_query(std::string_view source, StatementRange statement,
                       Vector<ConstantSpan>& constants, int highest_param, std::size_t max_bytes,
                       Resource& resource) {
    // Cut the statement out of a multi-statement string, trimming blanks.
    std::size_t begin = statement.location > 0 ? static_cast<std::size_t>(statement.location) : 0;
    std::size_t end = statement.length > 0 ? begin + static_cast<std::size_t>(statement.length)
                                           : source.size();
    begin = std::min(begin, source.size());
    end = std::min(end, source.size());
    while (begin < end && is_space(source[begin]))
        ++begin;
    while (end > begin && is_space(source[end - 1]))
        --end;

    std::sort(constants.begin(), constants.end(),
              [](const ConstantSpan& a, const ConstantSpan& b) { return a.location < b.location; });

    String out(&resource);
    out.reserve(std::min(end - begin, max_bytes));
    std::size_t copied = begin;  // source[begin, copied) is already in out
    int next_param = highest_param + 1;
    for (const ConstantSpan& constant : constants) {
        if (constant.length < 0 || constant.location < 0)
            continue;
        const auto at = static_cast<std::size_t>(constant.location);
        // Outside the statement, or a duplicate of a span already replaced.
        if (at < copied || at >= end)
            continue;
        out.append(source.data() + copied, at - copied);
        char param[16];
        const int written = snprintf(param, sizeof param, "$%d", next_param++);
        out.append(param, static_cast<std::size_t>(written));
        copied = std::min(end, at + static_cast<std::size_t>(constant.length));
        if (out.size() >= max_bytes)
            break;
    }
    if (copied < end && out.size() < max_bytes)
        out.append(source.data() + copied, end - copied);
    out.resize(utf8_prefix(std::string_view(out.data(), out.size()), max_bytes));
    return out;
}

}  // namespace hastecrm_perf
