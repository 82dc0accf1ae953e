// query_latency_buckets(le float8[]) and its top-N and per-database forms:
// every statement's latency histogram as a Prometheus histogram on a fixed
// ladder of `le` bounds (seconds), cumulative and monotone
// (core/latency_ladder.hpp), for exporters to scrape; and the table's usage.
#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>

#include "core/containers.hpp"
#include "core/latency_histogram.hpp"
#include "core/latency_ladder.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "settings.hpp"
#include "stats/latency_table.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

namespace hastecrm_perf::reports {
namespace {

namespace st = hastecrm_perf::stats;

constexpr double us_per_second = 1e6;

void require_latency_table() {
    if (!st::LatencyTable::available())
        throw pg::Error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "hastecrm_perf must be loaded via shared_preload_libraries",
                        "Query latency tracking keeps its table in shared memory.",
                        "Add hastecrm_perf to shared_preload_libraries in postgresql.conf and "
                        "restart the server.");
}

// One entry as read under the table's lock; its cumulative counts follow in
// a parallel array.
struct BucketRow {
    st::QueryKey key;
    std::uint64_t total_us;
    std::uint64_t count;
};

struct Ladder {
    int size = 0;
    LadderStep* steps = nullptr;  // palloc'd
    Datum array = Datum(0);           // the le column, the same for every row
};

Ladder read_ladder(ArrayType* le) {
    if (le == nullptr)
        throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "le must not be NULL", {},
                        "Leave it out for the default ladder of 0.5 ms to 10 s.");
    if (ARR_NDIM(le) > 1)
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "le must be a one-dimensional array");
    Datum* elements = nullptr;
    bool* element_nulls = nullptr;
    int count = 0;
    pg::call([&] {
        deconstruct_array(le, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
                          &elements, &element_nulls, &count);
    });
    Ladder ladder;
    ladder.size = count;
    auto* seconds = static_cast<double*>(pg::call([count] { return palloc(sizeof(double) * (count > 0 ? count : 1)); }));
    for (int i = 0; i < count; ++i) {
        if (element_nulls[i])
            throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "le must not contain NULL bounds");
        seconds[i] = DatumGetFloat8(elements[i]);
    }
    if (const char* problem = ladder_problem({seconds, static_cast<std::size_t>(count)}))
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, problem, {},
                        "Give the upper bounds in seconds, for example "
                        "'{0.001,0.01,0.1,1,10}'; Prometheus adds +Inf itself.");
    ladder.steps = static_cast<LadderStep*>(pg::call([count] { return palloc(sizeof(LadderStep) * count); }));
    for (int i = 0; i < count; ++i)
        ladder.steps[i] = ladder_step(seconds[i] * us_per_second);
    ladder.array = pg::call([&] {
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * count));
        for (int i = 0; i < count; ++i)
            values[i] = Float8GetDatum(seconds[i]);
        return PointerGetDatum(construct_array(values, count, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
                                               TYPALIGN_DOUBLE));
    });
    return ladder;
}

Datum bigint_array(const std::uint64_t* counts, int size) {
    return pg::call([&] {
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * size));
        for (int i = 0; i < size; ++i)
            values[i] = Int64GetDatum(static_cast<int64>(counts[i]));
        return PointerGetDatum(construct_array(values, size, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
                                               TYPALIGN_DOUBLE));
    });
}

// Every entry's cumulative counts, copied under the table's lock into memory
// allocated before it: nothing under the lock can raise.
struct Copied {
    BucketRow* rows = nullptr;
    std::uint64_t* cumulative = nullptr;  // count × width
    int width = 0;
    int count = 0;
    const std::uint64_t* cumulative_of(int row) const {
        return cumulative + static_cast<std::size_t>(row) * static_cast<std::size_t>(width);
    }
};

Copied copy_entries(const Ladder& ladder) {
    const int room = settings::max_queries;
    Copied copied;
    copied.width = ladder.size;
    copied.rows = static_cast<BucketRow*>(pg::call([room] { return palloc(sizeof(BucketRow) * room); }));
    const std::size_t cells = static_cast<std::size_t>(room) * static_cast<std::size_t>(ladder.size);
    copied.cumulative = static_cast<std::uint64_t*>(
        pg::call([cells] { return MemoryContextAllocHuge(CurrentMemoryContext, sizeof(std::uint64_t) * cells); }));
    const std::span<const LadderStep> steps(ladder.steps, static_cast<std::size_t>(ladder.size));
    st::LatencyTable::for_each([&](st::QueryEntry& entry) {
        if (copied.count == room)
            return;
        const LatencyHistogram histogram = snapshot_latency(entry.histogram);
        const std::uint64_t total = total_count(histogram);
        if (total == 0)
            return;  // parsed, never finished yet (or only errors)
        copied.rows[copied.count] = {entry.key, st::read_counter(entry.total_us), total};
        cumulative_counts(histogram, steps,
                          {copied.cumulative + static_cast<std::size_t>(copied.count) * ladder.size,
                           static_cast<std::size_t>(ladder.size)});
        ++copied.count;
    });
    return copied;
}

}  // namespace
}  // namespace hastecrm_perf::reports

namespace hp = hastecrm_perf;
namespace st = hastecrm_perf::stats;

namespace hastecrm_perf::reports {
namespace {

// The rows of query_latency_buckets(), in the order of `order` (indices of copied rows).
void put_statements(pg::SetResult& result, const Ladder& ladder, const Copied& copied,
                    std::span<const int> order) {
    enum { userid, dbid, queryid, le_column, cumulative_column, sum_seconds, count_column, column_count };
    std::array<Datum, column_count> values{};
    const std::array<bool, column_count> nulls{};
    values[le_column] = ladder.array;
    for (const int i : order) {
        const BucketRow& row = copied.rows[i];
        values[userid] = ObjectIdGetDatum(row.key.userid);
        values[dbid] = ObjectIdGetDatum(row.key.dbid);
        values[queryid] = Int64GetDatum(static_cast<int64>(row.key.queryid));
        values[cumulative_column] = bigint_array(copied.cumulative_of(i), ladder.size);
        values[sum_seconds] = Float8GetDatum(static_cast<double>(row.total_us) / us_per_second);
        values[count_column] = Int64GetDatum(static_cast<int64>(row.count));
        result.put(values, nulls);
    }
}

}  // namespace
}  // namespace hastecrm_perf::reports

HASTECRM_PERF_FUNCTION(query_latency_buckets) {
    const bool missing = PG_ARGISNULL(0);
    ArrayType* le = missing ? nullptr : PG_GETARG_ARRAYTYPE_P(0);
    return hp::pg::guard([&]() -> Datum {
        const hp::reports::Ladder ladder = hp::reports::read_ladder(missing ? nullptr : le);
        hp::reports::require_latency_table();
        hp::pg::SetResult result(fcinfo);
        const hp::reports::Copied copied = hp::reports::copy_entries(ladder);
        auto resource = hp::pg::ContextResource::current();
        hp::Vector<int> order(&resource);
        order.resize(static_cast<std::size_t>(copied.count));
        std::iota(order.begin(), order.end(), 0);
        hp::reports::put_statements(result, ladder, copied, {order.data(), order.size()});
        return Datum(0);
    });
}

// The `max_rows` statements with the most total time, most first: what an
// exporter scrapes, without building the rows of the others.
HASTECRM_PERF_FUNCTION(query_latency_buckets_top) {
    const bool missing_rows = PG_ARGISNULL(0);
    const int32 max_rows = missing_rows ? 0 : PG_GETARG_INT32(0);
    const bool missing = PG_ARGISNULL(1);
    ArrayType* le = missing ? nullptr : PG_GETARG_ARRAYTYPE_P(1);
    return hp::pg::guard([&]() -> Datum {
        if (missing_rows)
            throw hp::pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "max_rows must not be NULL");
        if (max_rows < 1 || max_rows > 100000)
            throw hp::pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "max_rows must be between 1 and 100000",
                                {}, "Each statement is about 17 series in Prometheus: 50 is the usual cap.");
        const hp::reports::Ladder ladder = hp::reports::read_ladder(missing ? nullptr : le);
        hp::reports::require_latency_table();
        hp::pg::SetResult result(fcinfo);
        const hp::reports::Copied copied = hp::reports::copy_entries(ladder);
        auto resource = hp::pg::ContextResource::current();
        hp::Vector<int> order(&resource);
        order.resize(static_cast<std::size_t>(copied.count));
        std::iota(order.begin(), order.end(), 0);
        // Most total time first; ties in key order, so the set is stable between scrapes.
        const auto busier = [&](int a, int b) {
            const hp::reports::BucketRow& x = copied.rows[a];
            const hp::reports::BucketRow& y = copied.rows[b];
            if (x.total_us != y.total_us)
                return x.total_us > y.total_us;
            if (x.key.dbid != y.key.dbid)
                return x.key.dbid < y.key.dbid;
            if (x.key.userid != y.key.userid)
                return x.key.userid < y.key.userid;
            return static_cast<int64>(x.key.queryid) < static_cast<int64>(y.key.queryid);  // as SQL orders bigint
        };
        const std::size_t kept = std::min(order.size(), static_cast<std::size_t>(max_rows));
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kept), order.end(), busier);
        hp::reports::put_statements(result, ladder, copied, {order.data(), kept});
        return Datum(0);
    });
}

// The same histograms summed per database (dbid, le, cumulative,
// sum_seconds, count): a sum of counters that only grow, while no entry of
// the database is evicted or reset.
HASTECRM_PERF_FUNCTION(query_latency_database_buckets) {
    const bool missing = PG_ARGISNULL(0);
    ArrayType* le = missing ? nullptr : PG_GETARG_ARRAYTYPE_P(0);
    return hp::pg::guard([&]() -> Datum {
        const hp::reports::Ladder ladder = hp::reports::read_ladder(missing ? nullptr : le);
        hp::reports::require_latency_table();
        hp::pg::SetResult result(fcinfo);
        const hp::reports::Copied copied = hp::reports::copy_entries(ladder);
        auto resource = hp::pg::ContextResource::current();
        // Databases are few: a linear search per entry.
        hp::Vector<hp::reports::BucketRow> databases(&resource);
        hp::Vector<std::uint64_t> sums(&resource);
        for (int i = 0; i < copied.count; ++i) {
            const hp::reports::BucketRow& row = copied.rows[i];
            std::size_t at = 0;
            while (at < databases.size() && databases[at].key.dbid != row.key.dbid)
                ++at;
            if (at == databases.size()) {
                databases.push_back({{InvalidOid, row.key.dbid, 0}, 0, 0});
                sums.resize(sums.size() + static_cast<std::size_t>(ladder.size), 0);
            }
            databases[at].total_us += row.total_us;
            databases[at].count += row.count;
            const std::uint64_t* cumulative = copied.cumulative_of(i);
            for (int b = 0; b < ladder.size; ++b)
                sums[at * ladder.size + b] += cumulative[b];
        }
        // What evicted entries counted stays in their database's totals, so
        // these counters never go down (SPEC §10).
        auto* evicted = static_cast<st::LatencyTable::DatabaseSink*>(hp::pg::call(
            [] { return palloc(sizeof(st::LatencyTable::DatabaseSink) * st::LatencyTable::database_sinks); }));
        const int sink_count = st::LatencyTable::copy_database_sinks(evicted);
        hp::Vector<std::uint64_t> cumulative(static_cast<std::size_t>(ladder.size), 0, &resource);
        const std::span<const hp::LadderStep> steps(ladder.steps, static_cast<std::size_t>(ladder.size));
        for (int i = 0; i < sink_count; ++i) {
            const st::LatencyTable::DatabaseSink& sink = evicted[i];
            std::size_t at = 0;
            while (at < databases.size() && databases[at].key.dbid != sink.dbid)
                ++at;
            if (at == databases.size()) {
                databases.push_back({{InvalidOid, sink.dbid, 0}, 0, 0});
                sums.resize(sums.size() + static_cast<std::size_t>(ladder.size), 0);
            }
            databases[at].total_us += sink.total_us;
            databases[at].count += hp::total_count(sink.histogram);
            hp::cumulative_counts(sink.histogram, steps, {cumulative.data(), cumulative.size()});
            for (int b = 0; b < ladder.size; ++b)
                sums[at * ladder.size + b] += cumulative[b];
        }
        enum { dbid, le_column, cumulative_column, sum_seconds, count_column, column_count };
        std::array<Datum, column_count> values{};
        const std::array<bool, column_count> nulls{};
        values[le_column] = ladder.array;
        for (std::size_t at = 0; at < databases.size(); ++at) {
            values[dbid] = ObjectIdGetDatum(databases[at].key.dbid);
            values[cumulative_column] = hp::reports::bigint_array(&sums[at * ladder.size], ladder.size);
            values[sum_seconds] =
                Float8GetDatum(static_cast<double>(databases[at].total_us) / hp::reports::us_per_second);
            values[count_column] = Int64GetDatum(static_cast<int64>(databases[at].count));
            result.put(values, nulls);
        }
        return Datum(0);
    });
}

// (statements, capacity, evictions) of the shared latency table.
HASTECRM_PERF_FUNCTION(latency_table_usage) {
    return hp::pg::guard([&]() -> Datum {
        hp::reports::require_latency_table();
        std::int64_t statements = 0;
        st::LatencyTable::for_each([&](st::QueryEntry&) { ++statements; });
        hp::pg::SetResult result(fcinfo);
        const std::array<Datum, 3> values{Int64GetDatum(statements), Int64GetDatum(hp::settings::max_queries),
                                          Int64GetDatum(static_cast<int64>(st::LatencyTable::evictions()))};
        const std::array<bool, 3> nulls{};
        result.put(values, nulls);
        return Datum(0);
    });
}
