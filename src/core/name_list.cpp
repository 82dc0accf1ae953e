#include "core/name_list.hpp"

#include <algorithm>

namespace hastecrm_perf {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

class Reader {
public:
    Reader(std::string_view text, NameList& out) : text_(text), out_(out) {}

    void run() {
        skip_spaces();
        if (at_end())
            return;  // an empty setting is an empty list
        for (;;) {
            String name(out_.names.get_allocator());
            if (!read_name(name) || !check_length(name))
                return;
            if (std::find(out_.names.begin(), out_.names.end(), name) == out_.names.end())
                out_.names.push_back(std::move(name));
            skip_spaces();
            if (at_end())
                return;
            if (text_[pos_] != ',') {
                fail("unexpected text after a name (names are separated by commas)");
                return;
            }
            ++pos_;
            skip_spaces();
        }
    }

private:
    bool read_name(String& name) {
        if (at_end() || text_[pos_] == ',')
            return fail("empty name in list");
        if (text_[pos_] == '"')
            return read_quoted(name);
        while (!at_end() && text_[pos_] != ',' && !is_space(text_[pos_]) && text_[pos_] != '"')
            name.push_back(ascii_lower(text_[pos_++]));
        return true;
    }

    bool read_quoted(String& name) {
        ++pos_;  // opening quote
        for (;;) {
            if (at_end())
                return fail("unterminated quoted name");
            const char c = text_[pos_++];
            if (c != '"') {
                name.push_back(c);
            } else if (!at_end() && text_[pos_] == '"') {
                name.push_back('"');
                ++pos_;
            } else {
                break;
            }
        }
        if (name.empty())
            return fail("zero-length quoted name");
        return true;
    }

    bool check_length(const String& name) {
        if (name.size() > max_name_bytes)
            return fail("name is longer than 63 bytes");
        return true;
    }

    void skip_spaces() {
        while (!at_end() && is_space(text_[pos_]))
            ++pos_;
    }

    bool at_end() const { return pos_ >= text_.size(); }

    bool fail(const char* why) {
        out_.names.clear();
        out_.error = why;
        return false;
    }

    std::string_view text_;
    NameList& out_;
    std::size_t pos_ = 0;
};

}  // namespace

NameList parse_name_list(std::string_view text, Resource& resource) {
    NameList list{Vector<String>(&resource), String(&resource)};
    Reader(text, list).run();
    return list;
}

}  // namespace hastecrm_perf
