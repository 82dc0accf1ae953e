#include "stats/constant_scan.hpp"

#include <cstring>

extern "C" {
#include "postgres.h"
#include "common/keywords.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
#include "parser/gram.h"  // token codes; needs the two headers above
#include "utils/memutils.h"
}

namespace hastecrm_perf::stats {

namespace {

bool is_literal(int token) {
    return token == SCONST || token == USCONST || token == BCONST || token == XCONST ||
           token == ICONST || token == FCONST;
}

struct ScanState {
    const char* text;
    int offset;  // of text in the source
    Vector<ConstantSpan>* out;
    bool pushed_all;
};

// Lexes `state.text`, recording literal tokens. Plain C-style: it may raise
// (a scanner error), and holds nothing a longjmp would leak but memory of the
// caller's temporary context.
void lex(ScanState& state) {
    core_yy_extra_type extra;
    core_yyscan_t scanner = scanner_init(state.text, &extra, &ScanKeywords, ScanKeywordTokens);
    extra.escape_string_warning = false;
    for (;;) {
        core_YYSTYPE value;
        YYLTYPE location;
        const int token = core_yylex(&value, &location, scanner);
        if (token == 0)
            break;
        if (!is_literal(token))
            continue;
        // The scanner NUL-terminates the token it returned inside its buffer.
        const int length = static_cast<int>(std::strlen(extra.scanbuf + location));
        try {
            state.out->push_back(ConstantSpan{state.offset + location, length});
        } catch (...) {
            state.pushed_all = false;  // out of memory: report failure below
            break;
        }
    }
    scanner_finish(scanner);
}

}  // namespace

bool scan_literals(const char* source, StatementRange statement, Vector<ConstantSpan>& out) noexcept {
    const std::size_t source_length = std::strlen(source);
    const std::size_t begin = std::min<std::size_t>(statement.location > 0 ? statement.location : 0, source_length);
    const std::size_t end = statement.length > 0
                                ? std::min<std::size_t>(begin + statement.length, source_length)
                                : source_length;
    MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "hastecrm_perf literal scan",
                                                  ALLOCSET_SMALL_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(scratch);
    char* text = static_cast<char*>(palloc(end - begin + 1));
    std::memcpy(text, source + begin, end - begin);
    text[end - begin] = '\0';
    ScanState state{text, static_cast<int>(begin), &out, true};
    bool scanned = true;
    // A scanner error here must not fail the user's statement: it is caught,
    // and since the scanner holds no lock, buffer or file, flushing the error
    // state is enough to go on (its memory goes with the scratch context).
    PG_TRY();
    {
        lex(state);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(scratch);
        FlushErrorState();
        scanned = false;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(caller);
    MemoryContextDelete(scratch);
    return scanned && state.pushed_all;
}

}  // namespace hastecrm_perf::stats
