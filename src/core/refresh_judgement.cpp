#include "core/refresh_judgement.hpp"

#include <algorithm>
#include <array>

namespace hastecrm_perf {
namespace {

using namespace std::string_view_literals;

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

// STABLE built-ins that read settings only (TimeZone, DateStyle,
// IntervalStyle, lc_time, lc_monetary, lc_numeric).
constexpr std::array reads_settings{
    "date_trunc"sv, "date_part"sv, "extract"sv, "to_char"sv, "to_date"sv, "to_number"sv,
    "to_timestamp"sv, "date"sv, "time"sv, "timestamp"sv, "timestamptz"sv,
    "make_timestamptz"sv, "generate_series"sv, "overlaps"sv, "in_range"sv,
    "interval_pl_timestamptz"sv, "timestamptz_pl_interval"sv, "timestamptz_mi_interval"sv,
    "date_out"sv, "timestamp_out"sv, "timestamptz_out"sv, "interval_in"sv, "interval_out"sv,
    "cash_in"sv, "cash_out"sv, "money"sv, "numeric"sv,
};

// STABLE built-ins that turn values of any type into text: the output
// function of each argument's type runs too.
constexpr std::array formats_arguments{
    "concat"sv, "concat_ws"sv, "format"sv, "anytextcat"sv, "textanycat"sv,
    "quote_literal"sv, "quote_nullable"sv, "array_to_string"sv,
    "to_json"sv, "to_jsonb"sv, "row_to_json"sv, "array_to_json"sv,
    "json_agg"sv, "jsonb_agg"sv, "json_object_agg"sv, "jsonb_object_agg"sv,
    "json_build_object"sv, "json_build_array"sv, "jsonb_build_object"sv, "jsonb_build_array"sv,
    "array_out"sv, "record_out"sv, "range_out"sv, "multirange_out"sv,
};

constexpr std::array reads_clock{
    "now"sv, "transaction_timestamp"sv, "statement_timestamp"sv, "clock_timestamp"sv,
    "timeofday"sv, "pg_postmaster_start_time"sv, "pg_conf_load_time"sv,
    // The current date fixes the zone's offset of a time of day.
    "timetz"sv, "timezone"sv,
    // Input functions: 'now', 'today', 'tomorrow' are valid input.
    "date_in"sv, "time_in"sv, "timetz_in"sv, "timestamp_in"sv, "timestamptz_in"sv,
};

constexpr std::array reads_transaction{
    "txid_current"sv, "txid_current_if_assigned"sv, "txid_current_snapshot"sv,
    "pg_current_xact_id"sv, "pg_current_xact_id_if_assigned"sv, "pg_current_snapshot"sv,
    "mxid_age"sv,
};

constexpr std::array reads_session{
    "current_user"sv, "session_user"sv, "current_schema"sv, "current_schemas"sv,
    "current_setting"sv, "current_database"sv, "pg_backend_pid"sv, "inet_client_addr"sv,
    "inet_client_port"sv, "inet_server_addr"sv, "inet_server_port"sv, "pg_my_temp_schema"sv,
    "pg_trigger_depth"sv, "getpgusername"sv,
};

constexpr std::array clock_keywords{
    "CURRENT_DATE"sv, "CURRENT_TIME"sv, "CURRENT_TIMESTAMP"sv, "LOCALTIME"sv,
    "LOCALTIMESTAMP"sv,
};

constexpr std::array signature_settings{
    "TimeZone"sv, "DateStyle"sv, "IntervalStyle"sv, "lc_time"sv, "lc_monetary"sv,
    "lc_numeric"sv, "extra_float_digits"sv, "bytea_output"sv,
};

// date_lt_timestamptz, timestamptz_cmp_date, timestamp_ge_timestamptz, ...:
// comparing a timestamptz with a zoneless value reads TimeZone.
bool compares_across_zones(std::string_view name) {
    constexpr std::array types{"date"sv, "timestamp"sv, "timestamptz"sv};
    constexpr std::array operators{"eq"sv, "ne"sv, "lt"sv, "le"sv, "gt"sv, "ge"sv, "cmp"sv};
    for (const std::string_view left : types)
        for (const std::string_view op : operators)
            for (const std::string_view right : types) {
                if ((left == "timestamptz") == (right == "timestamptz"))
                    continue;
                if (name.size() == left.size() + op.size() + right.size() + 2 &&
                    name.starts_with(left) && name[left.size()] == '_' &&
                    name.substr(left.size() + 1, op.size()) == op &&
                    name[left.size() + 1 + op.size()] == '_' && name.ends_with(right))
                    return true;
            }
    return false;
}

}  // namespace

Judgement judge_function(const FunctionFacts& function) {
    if (function.volatility == FunctionVolatility::immutable)
        return {FunctionVerdict::judgeable, {}};
    if (function.volatility == FunctionVolatility::volatile_function)
        return {FunctionVerdict::unjudgeable, "is volatile"};
    if (!function.built_in)
        return {FunctionVerdict::unjudgeable, "is not IMMUTABLE (it may read other tables)"};
    const std::string_view name = function.name;
    // age(x) counts from today (or from the next transaction ID); age(x, y) does not.
    if (name == "age")
        return function.arguments == 2
                   ? Judgement{FunctionVerdict::reads_settings, {}}
                   : Judgement{FunctionVerdict::unjudgeable, "with one argument reads the clock"};
    if (listed(reads_clock, name))
        return {FunctionVerdict::unjudgeable, "reads the clock"};
    if (listed(reads_transaction, name))
        return {FunctionVerdict::unjudgeable, "reads the transaction"};
    if (listed(reads_session, name))
        return {FunctionVerdict::unjudgeable, "reads the session"};
    if (listed(reads_settings, name) || compares_across_zones(name))
        return {FunctionVerdict::reads_settings, {}};
    if (listed(formats_arguments, name))
        return {FunctionVerdict::formats_arguments, {}};
    return {FunctionVerdict::unjudgeable, "is STABLE and may read the catalog or the session"};
}

Judgement judge_keyword(std::string_view keyword) {
    if (listed(clock_keywords, keyword))
        return {FunctionVerdict::unjudgeable, "reads the clock"};
    return {FunctionVerdict::unjudgeable, "reads the session"};
}

std::span<const std::string_view> settings_in_signature() { return signature_settings; }

}  // namespace hastecrm_perf
