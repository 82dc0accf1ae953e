// SQL functions over stored histograms: histogram_merge(),
// histogram_percentile() and histogram_buckets().
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "core/histogram_codec.hpp"
#include "core/latency_histogram.hpp"
#include "history/stored_histogram.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/set_result.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

namespace hp = hastecrm_perf;

namespace {

constexpr double us_per_ms = 1000.0;

}  // namespace

// The sum of an array of stored histograms; NULL elements are skipped.
HASTECRM_PERF_FUNCTION(histogram_merge) {
    return hp::pg::guard([&]() -> Datum {
        ArrayType* array = hp::pg::call([&] { return PG_GETARG_ARRAYTYPE_P(0); });
        Datum* elements = nullptr;
        bool* nulls = nullptr;
        int count = 0;
        hp::pg::call([&] {
            deconstruct_array(array, BYTEAOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
        });
        hp::LatencyHistogram merged{};
        for (int i = 0; i < count; ++i)
            if (!nulls[i])
                hp::history::add_stored_histogram(elements[i], merged);
        return hp::history::stored_histogram(merged);
    });
}

HASTECRM_PERF_FUNCTION(histogram_percentile) {
    const bool no_histogram = PG_ARGISNULL(0);
    const bool no_q = PG_ARGISNULL(1);
    return hp::pg::guard([&]() -> Datum {
        if (no_histogram)
            PG_RETURN_NULL();
        if (no_q)
            throw hp::pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "q must not be NULL");
        const double q = PG_GETARG_FLOAT8(1);
        if (!(q >= 0 && q <= 1))
            throw hp::pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "q must lie between 0 and 1");
        std::optional<double> known_max;
        if (!PG_ARGISNULL(2) && std::isfinite(PG_GETARG_FLOAT8(2)))
            known_max = PG_GETARG_FLOAT8(2) * us_per_ms;
        hp::LatencyHistogram histogram{};
        hp::history::add_stored_histogram(PG_GETARG_DATUM(0), histogram);
        const double us =
            hp::latency_percentile(histogram, q, hp::window_max_us(histogram, known_max));
        if (std::isnan(us))
            PG_RETURN_NULL();
        return Float8GetDatum(us / us_per_ms);
    });
}

HASTECRM_PERF_FUNCTION(histogram_buckets) {
    return hp::pg::guard([&]() -> Datum {
        hp::pg::SetResult result(fcinfo);
        hp::LatencyHistogram histogram{};
        hp::history::add_stored_histogram(PG_GETARG_DATUM(0), histogram);
        for (std::size_t bucket = 0; bucket < hp::LatencyHistogram::bucket_count; ++bucket) {
            if (histogram.counts[bucket] == 0)
                continue;
            const double lower = static_cast<double>(hp::LatencyHistogram::bucket_lower_us(bucket));
            const bool overflow = bucket == hp::LatencyHistogram::overflow_bucket;
            const double upper =
                overflow ? lower : static_cast<double>(hp::LatencyHistogram::bucket_upper_us(bucket));
            const std::array<Datum, 3> values{
                Float8GetDatum(lower / us_per_ms), Float8GetDatum(upper / us_per_ms),
                Int64GetDatum(static_cast<int64>(std::min<std::uint64_t>(
                    histogram.counts[bucket], static_cast<std::uint64_t>(PG_INT64_MAX))))};
            const std::array<bool, 3> nulls{false, overflow, false};
            result.put(values, nulls);
        }
        return Datum(0);
    });
}
