// Reading the rows of a check's catalog query by column number. NULL reads
// as an empty text, NaN, 0 or false unless asked for with is_null().
#pragma once

#include <cstdint>
#include <optional>

#include "core/containers.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "datatype/timestamp.h"
}

namespace hastecrm_perf::health {

class SqlRow {
public:
    SqlRow(const pg::Spi& spi, std::uint64_t row, Resource& resource)
        : spi_(spi), row_(row), resource_(resource) {}

    bool is_null(int column) const;
    String text(int column) const;
    double number(int column) const;        // float8
    std::int64_t integer(int column) const; // int8
    bool flag(int column) const;            // bool
    std::optional<TimestampTz> time(int column) const;

private:
    const pg::Spi& spi_;
    std::uint64_t row_;
    Resource& resource_;
};

}  // namespace hastecrm_perf::health
