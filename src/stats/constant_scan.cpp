#include "stats/constant_scan.hpp"

#include <algorithm>
#include <cstring>

#include "pg/call.hpp"

extern "C" {
#include "postgres.h"
#include "common/keywords.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
#include "parser/gram.h"  // token codes; needs the two headers above
#include "utils/queryjumble.h"
}

namespace hastecrm_perf::stats {

namespace {

bool is_literal(int token) {
    return token == SCONST || token == USCONST || token == BCONST || token == XCONST ||
           token == ICONST || token == FCONST;
}

// The scanner NUL-terminates the token it just returned inside its buffer.
int token_length(const core_yy_extra_type& extra, int location) {
    return static_cast<int>(std::strlen(extra.scanbuf + location));
}

}  // namespace

void scan_constants(const char* query, const JumbleState* jumble, Vector<ConstantSpan>& out) {
    // Sorted, distinct locations of the constants the jumble ignored.
    Vector<int> wanted(out.get_allocator());
    if (jumble != nullptr) {
        for (int i = 0; i < jumble->clocations_count; ++i)
            wanted.push_back(jumble->clocations[i].location);
        std::sort(wanted.begin(), wanted.end());
        wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    }
    pg::call([&] {
        core_yy_extra_type extra;
        core_yyscan_t scanner = scanner_init(query, &extra, &ScanKeywords, ScanKeywordTokens);
        extra.escape_string_warning = false;  // the text was parsed already; stay quiet
        std::size_t next = 0;
        for (;;) {
            core_YYSTYPE value;
            YYLTYPE location;
            int token = core_yylex(&value, &location, scanner);
            if (token == 0)
                break;
            if (jumble == nullptr) {
                if (is_literal(token))
                    out.push_back(ConstantSpan{location, token_length(extra, location)});
                continue;
            }
            while (next < wanted.size() && wanted[next] < location)
                out.push_back(ConstantSpan{wanted[next++], -1});  // not a token start
            if (next == wanted.size())
                break;
            if (wanted[next] != location)
                continue;
            if (query[location] == '-') {  // a negative constant: '-' then the literal
                token = core_yylex(&value, &location, scanner);
                if (token == 0)
                    break;
            }
            const int start = wanted[next++];
            out.push_back(ConstantSpan{start, location + token_length(extra, location) - start});
        }
        scanner_finish(scanner);
    });
}

}  // namespace hastecrm_perf::stats
