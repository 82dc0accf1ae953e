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
    const char* source;
    std::size_t begin;  // the statement's bytes in the source
    std::size_t end;
    Vector<ConstantSpan>* out;
    MemoryContext scratch;  // everything the scan allocates, deleted after it
    const char* text;       // source[begin, end), NUL-terminated
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
            state.out->push_back(ConstantSpan{static_cast<int>(state.begin) + location, length});
        } catch (...) {
            state.pushed_all = false;  // out of memory: report failure below
            break;
        }
    }
    scanner_finish(scanner);
}

// Everything that may raise (the context, the copy, the scanner) runs here,
// under scan_catching's PG_TRY.
void scan(ScanState& state) {
    state.scratch = AllocSetContextCreate(CurrentMemoryContext, "hastecrm_perf literal scan",
                                          ALLOCSET_SMALL_SIZES);
    MemoryContextSwitchTo(state.scratch);
    char* text = static_cast<char*>(palloc(state.end - state.begin + 1));
    std::memcpy(text, state.source + state.begin, state.end - state.begin);
    text[state.end - state.begin] = '\0';
    state.text = text;
    lex(state);
}

}  // namespace

namespace {

// Runs scan() under PG_TRY. A failure here (a scanner error, out of memory)
// must not fail the user's statement: it is caught, and since the scan holds
// no lock, buffer or file, flushing the error state is enough to go on (its
// memory goes with the scratch context).
bool scan_catching(ScanState* state) {
    MemoryContext caller = CurrentMemoryContext;
    volatile bool scanned = true;
    PG_TRY();
    {
        scan(*state);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        FlushErrorState();
        scanned = false;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(caller);
    if (state->scratch != nullptr)
        MemoryContextDelete(state->scratch);
    return scanned;
}

}  // namespace

bool scan_literals(const char* source, StatementRange statement, Vector<ConstantSpan>& out) noexcept {
    const std::size_t length = std::strlen(source);
    const std::size_t begin = std::min<std::size_t>(statement.location > 0 ? statement.location : 0, length);
    const std::size_t end =
        statement.length > 0 ? std::min<std::size_t>(begin + statement.length, length) : length;
    ScanState state{source, begin, end, &out, nullptr, nullptr, true};
    return scan_catching(&state) && state.pushed_all;
}

}  // namespace hastecrm_perf::stats
