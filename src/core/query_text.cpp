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

namespace {

// The type names that can stand before a string literal (SQL's `type 'x'`).
constexpr std::string_view literal_types[] = {
    "timestamp with time zone", "timestamp without time zone", "time with time zone",
    "time without time zone", "double precision", "timestamptz", "timestamp", "timetz", "time",
    "date", "interval", "numeric", "decimal", "boolean", "bool", "bigint", "smallint", "integer",
    "int8", "int4", "int2", "int", "real", "float8", "float4", "text", "varchar", "char", "bytea",
    "uuid", "jsonb", "json", "inet", "cidr", "macaddr", "money", "xml", "point", "bit"};

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool same_letters(std::string_view text, std::string_view lower) {
    if (text.size() != lower.size())
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i])
            return false;
    }
    return true;
}

}  // namespace

String reparsable_query(std::string_view text, Resource& resource) {
    String out(&resource);
    out.reserve(text.size() + 16);
    std::size_t i = 0;
    while (i < text.size()) {
        bool replaced = false;
        if (i == 0 || !word_char(text[i - 1])) {
            for (std::string_view type : literal_types) {
                if (i + type.size() >= text.size() || !same_letters(text.substr(i, type.size()), type))
                    continue;
                std::size_t j = i + type.size();
                if (text[j] != ' ')
                    continue;
                while (j < text.size() && text[j] == ' ')
                    ++j;
                if (j + 1 >= text.size() || text[j] != '$' || text[j + 1] < '0' || text[j + 1] > '9')
                    continue;
                std::size_t end = j + 1;
                while (end < text.size() && text[end] >= '0' && text[end] <= '9')
                    ++end;
                if (end < text.size() && word_char(text[end]))
                    continue;
                out.append(text.substr(j, end - j));
                out.append("::");
                out.append(text.substr(i, type.size()));
                i = end;
                replaced = true;
                break;
            }
        }
        if (!replaced)
            out.push_back(text[i++]);
    }
    return out;
}

}  // namespace hastecrm_perf
