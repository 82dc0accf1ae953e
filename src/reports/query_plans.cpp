// The SQL side of plan capture: one row per statement and plan shape, with the
// latency of the runs that used it and the text of a slow run's plan.
#include <array>
#include <cmath>

#include "core/latency_histogram.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/set_result.hpp"
#include "reports/stats_visibility.hpp"
#include "stats/plan_table.hpp"

extern "C" {
#include "utils/timestamp.h"
}

namespace hp = hastecrm_perf;
namespace st = hastecrm_perf::stats;

HASTECRM_PERF_FUNCTION(query_plan_entries) {
    return hp::pg::guard([&]() -> Datum {
        if (!st::PlanTable::available())
            throw hp::pg::Error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                "hastecrm_perf must be loaded via shared_preload_libraries",
                                "Captured plans are kept in shared memory.",
                                "Add hastecrm_perf to shared_preload_libraries in postgresql.conf and "
                                "restart the server.");
        hp::pg::SetResult result(fcinfo);
        const int room = st::PlanTable::capacity();
        // Copied out under the table's lock into memory allocated before it.
        auto* entries = static_cast<st::PlanEntry*>(
            hp::pg::call([room] { return palloc_extended(sizeof(st::PlanEntry) * room, MCXT_ALLOC_HUGE); }));
        const int count = st::PlanTable::copy(entries);
        const hp::reports::StatsVisibility visibility;

        enum { userid, dbid, queryid, planid, plan, calls, mean_ms, p95_ms, max_ms, first_seen,
               last_seen, sample_ms, sampled_at, sample_analyzed, column_count };
        std::array<Datum, column_count> values{};
        std::array<bool, column_count> nulls{};
        for (int i = 0; i < count; ++i) {
            st::PlanEntry& e = entries[i];
            nulls.fill(false);
            const double runs = static_cast<double>(e.calls);
            values[userid] = ObjectIdGetDatum(e.key.userid);
            values[dbid] = ObjectIdGetDatum(e.key.dbid);
            values[queryid] = Int64GetDatum(static_cast<int64>(e.key.queryid));
            values[planid] = Int64GetDatum(static_cast<int64>(e.key.planid));
            if (!visibility.may_see(e.key.userid))
                values[plan] = hp::pg::text_datum("<insufficient privilege>");
            else if (e.text_length == 0)
                nulls[plan] = true;  // counted, its text not taken yet (rate limit)
            else
                values[plan] = hp::pg::text_datum(std::string_view(e.text, e.text_length));
            values[calls] = Int64GetDatum(static_cast<int64>(e.calls));
            values[mean_ms] = Float8GetDatum(runs > 0 ? static_cast<double>(e.total_us) / runs / 1000.0 : 0.0);
            const double p95 = hp::latency_percentile(e.histogram, 0.95, static_cast<double>(e.max_us));
            nulls[p95_ms] = std::isnan(p95);
            values[p95_ms] = Float8GetDatum(std::isnan(p95) ? 0.0 : p95 / 1000.0);
            values[max_ms] = Float8GetDatum(static_cast<double>(e.max_us) / 1000.0);
            values[first_seen] = TimestampTzGetDatum(e.first_seen);
            values[last_seen] = TimestampTzGetDatum(e.last_seen);
            nulls[sample_ms] = nulls[sampled_at] = nulls[sample_analyzed] = e.text_length == 0;
            values[sample_ms] = Float8GetDatum(static_cast<double>(e.sample_us) / 1000.0);
            values[sampled_at] = TimestampTzGetDatum(e.sample_at);
            values[sample_analyzed] = BoolGetDatum(e.sample_analyzed);
            result.put(values, nulls);
        }
        return Datum(0);
    });
}
