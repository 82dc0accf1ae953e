// A fingerprint of the tables a materialized view reads: equal fingerprints
// mean no table changed in between, as far as storage and counters tell.
//
// Each table contributes its storage (TRUNCATE and rewrites give it a new
// file) and its cumulative insert/update/delete counters. The counters restart
// after a crash, a failover or a statistics reset and could climb back to the
// stored values, so the moments they last started from are part of it too.
// So are the values of the settings the view's functions read, if any
// (TimeZone for date_trunc on a timestamptz, ...): a change of them changes
// the result.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/containers.hpp"

namespace hastecrm_perf {

struct TableCounters {
    std::uint32_t relid;
    std::uint32_t storage;  // relfilenode
    std::int64_t inserted;
    std::int64_t updated;
    std::int64_t deleted;
};

struct CounterEpoch {
    std::int64_t server_started;
    std::int64_t stats_reset;  // 0 when never reset
};

struct SettingValue {
    std::string_view name;
    std::string_view value;
};

// Order-independent: `tables` is sorted (and duplicates dropped) in place;
// `settings` count in the order given. 16 hexadecimal digits.
String change_signature(Vector<TableCounters>& tables, const CounterEpoch& epoch,
                        std::span<const SettingValue> settings, Resource& resource);

}  // namespace hastecrm_perf
