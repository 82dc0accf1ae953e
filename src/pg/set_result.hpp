// Returning a set from a SQL function: the materialized mode, where all rows go
// into a tuplestore during one call (no state kept between calls, nothing left
// open if the query stops reading early).
#pragma once

#include <span>
#include <string_view>

#include "pg/call.hpp"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
}

namespace hastecrm_perf::pg {

class SetResult {
public:
    // Where the row type comes from: the function's declaration, or the
    // descriptor the executor already built from it (expectedDesc), which
    // spares building it again from the catalog at every call (twenty OUT
    // columns cost more than a small result); the declaration when absent.
    enum class RowType { declared, expected };

    // Checks that the caller accepts a materialized set and builds the
    // tuplestore with the function's row type.
    explicit SetResult(FunctionCallInfo fcinfo, RowType row_type = RowType::declared);

    int columns() const noexcept { return columns_; }
    // One row; `values` and `nulls` hold columns() entries.
    void put(std::span<const Datum> values, std::span<const bool> nulls);

    // One row built by fill(values, nulls) and stored, both under a single
    // error wrapper: for rows of many allocated datums, where a wrapper per
    // datum would cost more than the datum. fill may call PostgreSQL and so
    // must hold no objects with destructors (see pg/call.hpp).
    template <typename Fill>
    void put_built(std::span<Datum> values, std::span<bool> nulls, Fill&& fill) {
        check_width(values.size(), nulls.size());
        call([&] {
            fill(values.data(), nulls.data());
            store(values.data(), nulls.data());
        });
    }

private:
    void check_width(std::size_t values, std::size_t nulls) const;
    void store(Datum* values, bool* nulls);  // raw: inside call()

    ReturnSetInfo* info_;
    int columns_;
};

// Datum builders that may allocate, wrapped so that an out-of-memory error
// becomes a C++ exception.
Datum text_datum(std::string_view text);

}  // namespace hastecrm_perf::pg
