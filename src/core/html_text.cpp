#include "core/html_text.hpp"

#include <cstdint>

namespace hastecrm_perf {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t sequence_length(std::string_view text, std::uint32_t* code_point) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length;
    std::uint32_t value;
    std::uint32_t lowest;
    if (lead < 0x80) {
        *code_point = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, value = lead & 0x1F, lowest = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, value = lead & 0x0F, lowest = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, value = lead & 0x07, lowest = 0x10000;
    } else {
        return 0;
    }
    if (text.size() < length)
        return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (byte(i) & 0x3F);
    }
    if (value < lowest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    *code_point = value;
    return length;
}

bool forbidden_control(std::uint32_t c) {
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F);
}

}  // namespace

void append_escaped(String& out, std::string_view text) {
    out.reserve(out.size() + text.size());
    while (!text.empty()) {
        std::uint32_t c = 0;
        const std::size_t length = sequence_length(text, &c);
        if (length == 0) {
            out.append(replacement.data(), replacement.size());
            text.remove_prefix(1);
            continue;
        }
        switch (c) {
            case '&': out.append("&amp;"); break;
            case '<': out.append("&lt;"); break;
            case '>': out.append("&gt;"); break;
            case '"': out.append("&quot;"); break;
            case '\'': out.append("&#39;"); break;
            default:
                if (forbidden_control(c))
                    out.append(replacement.data(), replacement.size());
                else
                    out.append(text.data(), length);
        }
        text.remove_prefix(length);
    }
}

String clip_text(std::string_view text, std::size_t max_characters, Resource& resource) {
    std::size_t characters = 0;
    std::size_t cut = 0;
    while (cut < text.size() && characters < max_characters) {
        std::uint32_t c = 0;
        const std::size_t length = sequence_length(text.substr(cut), &c);
        cut += length == 0 ? 1 : length;  // a broken byte counts as one character
        ++characters;
    }
    String clipped(text.data(), cut, &resource);
    if (cut < text.size())
        clipped.append("\xE2\x80\xA6");  // U+2026
    return clipped;
}

}  // namespace hastecrm_perf
