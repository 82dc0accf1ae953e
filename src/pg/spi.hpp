// SQL from C++ through SPI: parameters only, never text built from values.
//
// A Spi object is one SPI connection with search_path pinned to
// `pg_catalog, pg_temp` for its lifetime, so every name our SQL uses must be
// qualified. On an error the transaction abort closes the connection; the
// destructor closes it on the normal path.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>

#include "core/containers.hpp"
#include "pg/local_settings.hpp"

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
}

namespace hastecrm_perf::pg {

struct SqlParam {
    Oid type;
    Datum value;
    bool is_null = false;
};

class Spi {
public:
    Spi();
    ~Spi();
    Spi(const Spi&) = delete;
    Spi& operator=(const Spi&) = delete;

    // Runs `sql` with $1.. bound to `params`; returns the number of rows, which
    // stay readable through value() until the next execute().
    std::uint64_t execute(const char* sql, std::initializer_list<SqlParam> params,
                          bool read_only = true, long max_rows = 0);

    // The same, for a statement run again and again (once per job of a
    // cycle): planned once per backend, the plan kept in `kept` (a static of
    // the caller's) and replanned by PostgreSQL when a catalog it depends on
    // changes. `sql` must be the same text on every call with that `kept`.
    std::uint64_t execute_kept(SPIPlanPtr* kept, const char* sql,
                               std::initializer_list<SqlParam> params, bool read_only = true);

    // Column `column` (1-based) of row `row` of the last result.
    Datum value(std::uint64_t row, int column, bool* is_null) const;
    // A text column, copied into `resource`; nullopt for NULL.
    std::optional<String> text(std::uint64_t row, int column, Resource& resource) const;

private:
    int exceptions_at_start_ = 0;
    LocalSettings settings_;
};

}  // namespace hastecrm_perf::pg
