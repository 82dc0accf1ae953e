// Which functions a materialized view may call and still be judged by its
// base tables alone (SPEC §5): skipped when none of them changed.
//
// IMMUTABLE functions depend on their arguments only. Most STABLE built-ins
// are STABLE because they read a setting (date_trunc and to_char on a
// timestamptz read TimeZone and DateStyle, to_char reads the locale): those
// stay judgeable, the settings being part of the change signature. Functions
// that read the clock, the transaction, the session or the catalog, volatile
// functions and user functions that are not IMMUTABLE (they may read other
// tables) are not. A STABLE built-in that is in no list is taken as unjudgeable:
// skipping must never hide a change.
#pragma once

#include <span>
#include <string_view>

namespace hastecrm_perf {

enum class FunctionVolatility { immutable, stable, volatile_function };

struct FunctionFacts {
    std::string_view name;  // pg_proc.proname
    bool built_in;          // created by initdb, not by a user or an extension
    FunctionVolatility volatility;
    int arguments;
};

enum class FunctionVerdict {
    judgeable,          // immutable
    reads_settings,     // judgeable with the settings in the signature
    formats_arguments,  // reads_settings, and calls its arguments' output
                        // functions: the caller judges those as well
    unjudgeable,
};

struct Judgement {
    FunctionVerdict verdict;
    std::string_view why;  // for unjudgeable: "<name>() <why>"
};

Judgement judge_function(const FunctionFacts& function);

// CURRENT_DATE, LOCALTIMESTAMP, CURRENT_USER ... (SQL keywords, not calls):
// none is judgeable; `why` as above.
Judgement judge_keyword(std::string_view keyword);

// The settings whose values are part of the change signature of a view that
// calls a reads_settings or formats_arguments function: what those read
// (TimeZone, DateStyle, the locale, extra_float_digits for the text of a
// float, ...). Each name ends in a NUL.
std::span<const std::string_view> settings_in_signature();

}  // namespace hastecrm_perf
