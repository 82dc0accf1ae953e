#include "health/sql_row.hpp"

#include <cmath>

#include <string>

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::health {

bool SqlRow::is_null(int column) const {
    bool null = false;
    spi_.value(row_, column, &null);
    return null;
}

String SqlRow::text(int column) const {
    // A datum of another type read as text would be a wild pointer.
    const Oid type = pg::call([column] { return SPI_gettypeid(SPI_tuptable->tupdesc, column); });
    if (type != TEXTOID)
        throw pg::Error(ERRCODE_DATATYPE_MISMATCH, "health check query column " + std::to_string(column) + " is not text");
    std::optional<String> value = spi_.text(row_, column, resource_);
    return value ? std::move(*value) : String(&resource_);
}

double SqlRow::number(int column) const {
    bool null = false;
    const Datum d = spi_.value(row_, column, &null);
    return null ? NAN : DatumGetFloat8(d);
}

std::int64_t SqlRow::integer(int column) const {
    bool null = false;
    const Datum d = spi_.value(row_, column, &null);
    return null ? 0 : DatumGetInt64(d);
}

bool SqlRow::flag(int column) const {
    bool null = false;
    const Datum d = spi_.value(row_, column, &null);
    return !null && DatumGetBool(d);
}

std::optional<TimestampTz> SqlRow::time(int column) const {
    bool null = false;
    const Datum d = spi_.value(row_, column, &null);
    if (null)
        return std::nullopt;
    return DatumGetTimestampTz(d);
}

}  // namespace hastecrm_perf::health
