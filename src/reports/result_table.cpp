#include "reports/result_table.hpp"

#include "pg/call.hpp"

extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
}

namespace hastecrm_perf::reports {
namespace {

bool numeric_type(Oid type) {
    switch (type) {
        case INT2OID:
        case INT4OID:
        case INT8OID:
        case FLOAT4OID:
        case FLOAT8OID:
        case NUMERICOID: return true;
        default: return false;
    }
}

}  // namespace

Table result_table(Resource& resource, int first_column, int trailing) {
    Table table(resource);
    SPITupleTable* const result = SPI_tuptable;
    if (result == nullptr)
        return table;
    const TupleDesc description = result->tupdesc;
    const int last = description->natts - trailing;
    for (int c = first_column; c <= last; ++c) {
        const Form_pg_attribute attribute = TupleDescAttr(description, c - 1);
        const char* name = NameStr(attribute->attname);
        table.names.emplace_back(name);
        // Intervals too are shown to the second ("00:00:01", not "00:00:01.833336").
        const bool timestamp = attribute->atttypid == TIMESTAMPTZOID ||
                               attribute->atttypid == TIMESTAMPOID || attribute->atttypid == INTERVALOID;
        table.kinds.push_back(column_kind(name, numeric_type(attribute->atttypid), timestamp));
    }
    const std::uint64_t rows = SPI_processed;
    table.cells.reserve(rows * table.names.size());
    for (std::uint64_t r = 0; r < rows; ++r) {
        for (int c = first_column; c <= last; ++c) {
            const char* text = pg::call([&] { return SPI_getvalue(result->vals[r], description, c); });
            table.nulls.push_back(text == nullptr);
            table.cells.emplace_back(text == nullptr ? "" : text);
        }
    }
    return table;
}

}  // namespace hastecrm_perf::reports
