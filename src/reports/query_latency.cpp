// The SQL side of latency tracking: query_latency (entries with their
// percentiles), query_histogram(), query_latency_reset() and the N+1 suspects.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/latency_histogram.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "reports/stats_visibility.hpp"
#include "settings.hpp"
#include "stats/latency_table.hpp"
#include "stats/n_plus_one_table.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::reports {
namespace {

namespace st = hastecrm_perf::stats;

void require_shared_memory() {
    if (!st::LatencyTable::available())
        throw pg::Error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "hastecrm_perf must be loaded via shared_preload_libraries",
                        "Query latency and N+1 tracking keep their tables in shared memory.",
                        "Add hastecrm_perf to shared_preload_libraries in postgresql.conf and "
                        "restart the server.");
}

constexpr double us_per_ms = 1000.0;

// Which entry owners the caller may see, settled before the table is locked.
class VisibleOwners {
public:
    explicit VisibleOwners(Resource& resource) : owners_(&resource), visible_(&resource) {
        owners_.reserve(static_cast<std::size_t>(settings::max_queries));
        st::LatencyTable::owners(owners_);
        const StatsVisibility visibility;
        for (Oid role : owners_)
            visible_.push_back(visibility.may_see(role));
    }
    // An owner that appeared since is not known here: hidden.
    bool may_see(Oid role) const {
        auto it = std::lower_bound(owners_.begin(), owners_.end(), role);
        return it != owners_.end() && *it == role && visible_[it - owners_.begin()];
    }

private:
    Vector<Oid> owners_;
    Vector<bool> visible_;
};

}  // namespace
}  // namespace hastecrm_perf::reports

namespace hp = hastecrm_perf;
namespace st = hastecrm_perf::stats;

// One row per entry: the columns of the query_latency view.
HASTECRM_PERF_FUNCTION(query_latency_entries) {
    return hp::pg::guard([&]() -> Datum {
        hp::reports::require_shared_memory();
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        const hp::reports::VisibleOwners visibility(resource);
        enum { userid, dbid, queryid, query, calls, total_ms, mean_ms, p50_ms, p95_ms, p99_ms,
               max_ms, rows, first_seen, last_seen, errors, column_count };
        std::array<Datum, column_count> values{};
        std::array<bool, column_count> nulls{};
        st::LatencyTable::for_each([&](st::QueryEntry& entry) {
            const std::uint64_t call_count = st::read_counter(entry.calls);
            const std::uint64_t error_count = st::read_counter(entry.errors);
            if (call_count == 0 && error_count == 0)
                return;  // parsed, never finished yet
            nulls.fill(false);
            const double total = static_cast<double>(st::read_counter(entry.total_us));
            const double max_seen = static_cast<double>(st::read_counter(entry.max_us));
            const hp::LatencyHistogram histogram = hp::snapshot_latency(entry.histogram);
            values[userid] = ObjectIdGetDatum(entry.key.userid);
            values[dbid] = ObjectIdGetDatum(entry.key.dbid);
            values[queryid] = Int64GetDatum(static_cast<int64>(entry.key.queryid));
            values[query] = visibility.may_see(entry.key.userid)
                                ? hp::pg::text_datum(std::string_view(entry.query, entry.query_length))
                                : hp::pg::text_datum("<insufficient privilege>");
            values[calls] = Int64GetDatum(static_cast<int64>(call_count));
            values[total_ms] = Float8GetDatum(total / hp::reports::us_per_ms);
            values[mean_ms] = Float8GetDatum(call_count > 0 ? total / call_count / hp::reports::us_per_ms : 0.0);
            const double quantiles[] = {0.50, 0.95, 0.99};
            const int columns[] = {p50_ms, p95_ms, p99_ms};
            for (int i = 0; i < 3; ++i) {
                const double us = hp::latency_percentile(histogram, quantiles[i], max_seen);
                nulls[columns[i]] = std::isnan(us);
                values[columns[i]] = Float8GetDatum(std::isnan(us) ? 0.0 : us / hp::reports::us_per_ms);
            }
            values[max_ms] = Float8GetDatum(max_seen / hp::reports::us_per_ms);
            values[rows] = Int64GetDatum(static_cast<int64>(st::read_counter(entry.rows)));
            values[first_seen] = TimestampTzGetDatum(entry.first_seen);
            values[last_seen] =
                TimestampTzGetDatum(std::atomic_ref<TimestampTz>(entry.last_seen).load(std::memory_order_relaxed));
            values[errors] = Int64GetDatum(static_cast<int64>(error_count));
            result.put(values, nulls);
        });
        return Datum(0);
    });
}

// The non-empty buckets of one queryid (all its entries in this database the
// caller may see, merged).
HASTECRM_PERF_FUNCTION(query_histogram) {
    const bool missing = PG_ARGISNULL(0);
    const int64 wanted = missing ? 0 : PG_GETARG_INT64(0);
    return hp::pg::guard([&]() -> Datum {
        if (missing)
            throw hp::pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "queryid must not be NULL",
                                {}, "Take a queryid from hastecrm_perf.query_latency.");
        hp::reports::require_shared_memory();
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        const hp::reports::VisibleOwners visibility(resource);
        hp::LatencyHistogram merged{};
        double max_seen = 0;
        st::LatencyTable::for_each([&](st::QueryEntry& entry) {
            if (static_cast<int64>(entry.key.queryid) != wanted || entry.key.dbid != MyDatabaseId ||
                !visibility.may_see(entry.key.userid))
                return;
            hp::merge_latency(merged, hp::snapshot_latency(entry.histogram));
            max_seen = std::max(max_seen, static_cast<double>(st::read_counter(entry.max_us)));
        });
        for (std::size_t bucket = 0; bucket < hp::LatencyHistogram::bucket_count; ++bucket) {
            if (merged.counts[bucket] == 0)
                continue;
            const double lower = static_cast<double>(hp::LatencyHistogram::bucket_lower_us(bucket));
            const double upper = bucket == hp::LatencyHistogram::overflow_bucket
                                     ? std::max(max_seen, lower)
                                     : static_cast<double>(hp::LatencyHistogram::bucket_upper_us(bucket));
            const std::array<Datum, 3> values{Float8GetDatum(lower / hp::reports::us_per_ms),
                                              Float8GetDatum(upper / hp::reports::us_per_ms),
                                              Int64GetDatum(static_cast<int64>(merged.counts[bucket]))};
            const std::array<bool, 3> nulls{};
            result.put(values, nulls);
        }
        return Datum(0);
    });
}

HASTECRM_PERF_FUNCTION(query_latency_reset) {
    return hp::pg::guard([&]() -> Datum {
        hp::reports::require_shared_memory();
        st::LatencyTable::reset();
        st::NPlusOneTable::reset();
        return Datum(0);
    });
}

// The N+1 suspects: (userid, dbid, queryid, parent_queryid, occurrences,
// max_repeats, total_repeats, wasted_ms, last_seen); the view adds the texts.
HASTECRM_PERF_FUNCTION(n_plus_one_entries) {
    return hp::pg::guard([&]() -> Datum {
        hp::reports::require_shared_memory();
        hp::pg::SetResult result(fcinfo);
        const int room = st::NPlusOneTable::capacity();
        auto* entries = static_cast<st::NPlusOneEntry*>(
            hp::pg::call([room] { return palloc(sizeof(st::NPlusOneEntry) * room); }));
        const int count = st::NPlusOneTable::copy(entries, room);
        for (int i = 0; i < count; ++i) {
            const st::NPlusOneEntry& e = entries[i];
            const std::array<Datum, 9> values{
                ObjectIdGetDatum(e.userid), ObjectIdGetDatum(e.dbid),
                Int64GetDatum(static_cast<int64>(e.queryid)),
                Int64GetDatum(static_cast<int64>(e.parent_queryid)),
                Int64GetDatum(static_cast<int64>(e.occurrences)),
                Int64GetDatum(static_cast<int64>(e.max_repeats)),
                Int64GetDatum(static_cast<int64>(e.total_repeats)), Float8GetDatum(e.wasted_ms),
                TimestampTzGetDatum(e.last_seen)};
            std::array<bool, 9> nulls{};
            nulls[3] = e.parent_queryid == 0;
            result.put(values, nulls);
        }
        return Datum(0);
    });
}
