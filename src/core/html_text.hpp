// Text that goes into the HTML report. Query texts, relation names and error
// messages are user data: each one passes through append_escaped(), which is
// safe both between tags and inside a double-quoted attribute value, in HTML
// and in inline SVG alike.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

// Appends `text` escaped: & < > " ' become character references; bytes that
// are not well-formed UTF-8 and control characters other than tab, newline
// and carriage return (which HTML forbids) become U+FFFD, so that no input
// can end an element, an attribute or a CDATA section, or break the document.
void append_escaped(String& out, std::string_view text);

// The first `max_characters` characters of `text` (UTF-8, cut between
// characters, never inside one), with "…" appended when something was cut.
String clip_text(std::string_view text, std::size_t max_characters, Resource& resource);

}  // namespace hastecrm_perf
