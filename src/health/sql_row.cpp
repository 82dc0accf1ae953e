#include "health/sql_row.hpp"

#include <cmath>

extern "C" {
#include "utils/timestamp.h"
}

namespace hastecrm_perf::health {

bool SqlRow::is_null(int column) const {
    bool null = false;
    spi_.value(row_, column, &null);
    return null;
}

String SqlRow::text(int column) const {
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
