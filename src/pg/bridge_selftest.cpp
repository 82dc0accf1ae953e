// Functions that prove the bridge under load. The extension script does not
// declare them: only the bridge tests do, from the installed library.
#include <array>
#include <stdexcept>

#include "core/containers.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
}

namespace hastecrm_perf::pg {
namespace {

// Counts live instances, so a test can see whether destructors ran.
int live_sentinels = 0;

struct Sentinel {
    Sentinel() { ++live_sentinels; }
    ~Sentinel() { --live_sentinels; }
    Sentinel(const Sentinel&) = delete;
    Sentinel& operator=(const Sentinel&) = delete;
};

}  // namespace
}  // namespace hastecrm_perf::pg

namespace pg = hastecrm_perf::pg;
using hastecrm_perf::Vector;

// Throws a C++ exception of the given kind from inside a guarded function.
HASTECRM_PERF_FUNCTION(bridge_selftest_throw) {
    text* kind_text = PG_GETARG_TEXT_PP(0);
    return pg::guard([&]() -> Datum {
        pg::Sentinel alive;
        const std::string kind(VARDATA_ANY(kind_text), VARSIZE_ANY_EXHDR(kind_text));
        if (kind == "runtime")
            throw std::runtime_error("selftest: C++ runtime_error");
        if (kind == "bad_alloc")
            throw std::bad_alloc();
        if (kind == "error")
            throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "selftest: our error",
                            "with a detail", "and a hint");
        if (kind == "int")
            throw 42;
        return Int32GetDatum(pg::live_sentinels);
    });
}

// Raises a PostgreSQL error with the given SQLSTATE and message while C++
// objects (a sentinel, a context-backed vector) are alive.
HASTECRM_PERF_FUNCTION(bridge_selftest_pg_error) {
    char* sqlstate = text_to_cstring(PG_GETARG_TEXT_PP(0));
    char* message = text_to_cstring(PG_GETARG_TEXT_PP(1));
    return pg::guard([&]() -> Datum {
        pg::Sentinel alive;
        auto resource = pg::ContextResource::current();
        Vector<int> values(&resource);
        values.resize(1000, 7);
        if (strlen(sqlstate) != 5)
            throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "SQLSTATE must have 5 characters");
        pg::call([&] {
            ereport(ERROR, (errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2],
                                                  sqlstate[3], sqlstate[4])),
                            errmsg("%s", message)));
        });
        return Int32GetDatum(values.back());
    });
}

// How many sentinels are alive now: 0 unless a destructor was skipped.
HASTECRM_PERF_FUNCTION(bridge_selftest_live_objects) {
    return Int32GetDatum(pg::live_sentinels);
}

// Counts pg_class rows named `relname` through SPI with a bound parameter.
HASTECRM_PERF_FUNCTION(bridge_selftest_spi_count) {
    Datum relname = PG_GETARG_DATUM(0);
    return pg::guard([&]() -> Datum {
        pg::Spi spi;
        spi.execute("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = $1::pg_catalog.name",
                    {{TEXTOID, relname}});
        bool is_null = false;
        return spi.value(0, 1, &is_null);
    });
}

// Returns (i, label) for i in 1..n through the materialized-set helper.
HASTECRM_PERF_FUNCTION(bridge_selftest_series) {
    const int32 n = PG_GETARG_INT32(0);
    return pg::guard([&]() -> Datum {
        pg::SetResult result(fcinfo);
        auto resource = pg::ContextResource::current();
        Vector<hastecrm_perf::String> labels(&resource);
        for (int32 i = 1; i <= n; ++i) {
            labels.emplace_back("row ");
            labels.back().append(std::to_string(i).c_str());
        }
        for (int32 i = 1; i <= n; ++i) {
            const std::array<Datum, 2> values{Int32GetDatum(i),
                                              pg::text_datum(labels[i - 1].c_str())};
            const std::array<bool, 2> nulls{false, false};
            result.put(values, nulls);
        }
        return Datum(0);
    });
}
