// What a check may read besides the catalogs: History's tables and functions
// (SPEC §8), looked up when health() runs since they may come later than this
// code; and the statement tables of the preloaded library.
#pragma once

#include <optional>

#include "core/containers.hpp"

namespace hastecrm_perf::pg {
class Spi;
}

namespace hastecrm_perf::health {

bool function_exists(pg::Spi& spi, const char* signature);  // 'schema.name(argtypes)'
bool relation_exists(pg::Spi& spi, const char* name);       // 'schema.name'
// Of the columns named, the first that `relation` has (NULL when none):
// History's column names are matched by what SPEC §8 says they hold.
std::optional<String> first_column(pg::Spi& spi, const char* relation,
                                   std::initializer_list<const char*> candidates, Resource& resource);
// hastecrm_perf is in shared_preload_libraries (its statement tables exist).
bool statement_tables_loaded(pg::Spi& spi);

}  // namespace hastecrm_perf::health
