// The SQL API of the weekly maintenance (SPEC §5): schedule_analyze(),
// schedule_reindex(), unschedule_analyze(), unschedule_reindex(). The jobs
// cover the whole database, so only its owner (or a superuser) sets them;
// each table or index is later worked on as its own owner.
#include <cmath>
#include <optional>
#include <string>

#include "core/job_schedule.hpp"
#include "core/maintenance_choice.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/run_as.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"
#include "worker/database_jobs.hpp"
#include "worker/job_catalog.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

void require_database_owner() {
    if (pg::call([] { return pg_database_ownercheck(MyDatabaseId, GetUserId()); }))
        return;
    const char* name = pg::call([] { return get_database_name(MyDatabaseId); });
    throw pg::Error(ERRCODE_INSUFFICIENT_PRIVILEGE,
                    "must be owner of database \"" + std::string(name ? name : "?") + "\"",
                    "The weekly maintenance covers every table of the database.");
}

void require_not_null(FunctionCallInfo fcinfo, int index, const char* name) {
    if (PG_ARGISNULL(index))
        throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(name) + " must not be NULL");
}

// Checked and returned as given, or nullopt for NULL (no window).
std::optional<std::string> window_argument(FunctionCallInfo fcinfo, int index) {
    if (PG_ARGISNULL(index))
        return std::nullopt;
    const text* value = pg::call([&] { return PG_GETARG_TEXT_PP(index); });
    std::string window(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
    if (!parse_window(window))
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                        "window \"" + window + "\" is not recognized", {},
                        "A window is 'HH:MM-HH:MM' in hastecrm_perf.partition_timezone, e.g. "
                        "'01:00-05:00' or '22:00-02:00'.");
    return window;
}

Datum every_argument(FunctionCallInfo fcinfo, int index) {
    require_not_null(fcinfo, index, "every");
    const Interval* every = PG_GETARG_INTERVAL_P(index);
    if (interval_micros(IntervalValue{every->time, every->day, every->month}) <= 0)
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "every must be a positive interval");
    return PG_GETARG_DATUM(index);
}

void save(const char* kind, Datum every, const std::optional<std::string>& window,
          std::optional<double> min_bloat_pct, std::optional<std::int64_t> min_bytes) {
    pg::RunAs owner(extension_owner(), false);
    pg::Spi spi;
    spi.execute(
        "INSERT INTO hastecrm_perf.maintenance_config AS c "
        "(kind, every, \"window\", min_bloat_pct, min_bytes) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (kind) DO UPDATE SET every = excluded.every, \"window\" = excluded.\"window\", "
        "min_bloat_pct = excluded.min_bloat_pct, min_bytes = excluded.min_bytes, "
        "next_run = NULL, consecutive_failures = 0",
        {{TEXTOID, pg::text_datum(kind)},
         {INTERVALOID, every},
         {TEXTOID, window ? pg::text_datum(*window) : Datum(0), !window},
         {FLOAT8OID, Float8GetDatum(min_bloat_pct.value_or(0)), !min_bloat_pct},
         {INT8OID, Int64GetDatum(min_bytes.value_or(0)), !min_bytes}},
        false);
}

void remove(const char* kind, const char* missing) {
    require_database_owner();
    bool deleted = false;
    {
        pg::RunAs owner(extension_owner(), false);
        pg::Spi spi;
        deleted = spi.execute("DELETE FROM hastecrm_perf.maintenance_config WHERE kind = $1",
                              {{TEXTOID, pg::text_datum(kind)}}, false) == 1;
    }
    if (!deleted)
        throw pg::Error(ERRCODE_UNDEFINED_OBJECT, missing);
}

}  // namespace

HASTECRM_PERF_FUNCTION(schedule_analyze) {
    return pg::guard([&] {
        require_database_owner();
        const Datum every = every_argument(fcinfo, 0);
        save("analyze", every, window_argument(fcinfo, 1), std::nullopt, std::nullopt);
        PG_RETURN_VOID();
    });
}

HASTECRM_PERF_FUNCTION(schedule_reindex) {
    return pg::guard([&] {
        require_database_owner();
        require_not_null(fcinfo, 0, "min_bloat_pct");
        require_not_null(fcinfo, 1, "min_bytes");
        const double min_bloat_pct = PG_GETARG_FLOAT8(0);
        if (!(min_bloat_pct >= 0 && min_bloat_pct <= 100))  // also NaN
            throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                            "min_bloat_pct must be between 0 and 100",
                            "It is the share of an index that a rebuild would reclaim, in percent.");
        const std::int64_t min_bytes = PG_GETARG_INT64(1);
        if (min_bytes < 0)
            throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE, "min_bytes must not be negative");
        const Datum every = every_argument(fcinfo, 2);
        save("reindex", every, window_argument(fcinfo, 3), min_bloat_pct, min_bytes);
        PG_RETURN_VOID();
    });
}

HASTECRM_PERF_FUNCTION(unschedule_analyze) {
    return pg::guard([&] {
        remove("analyze", "the database has no scheduled analyze");
        PG_RETURN_VOID();
    });
}

HASTECRM_PERF_FUNCTION(unschedule_reindex) {
    return pg::guard([&] {
        remove("reindex", "the database has no scheduled reindex");
        PG_RETURN_VOID();
    });
}

}  // namespace hastecrm_perf::worker
