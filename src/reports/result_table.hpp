// The last SPI result as a table of the report: column names and kinds from
// the result's own description, cells as their output functions print them.
#pragma once

#include "core/containers.hpp"
#include "core/html_report.hpp"

namespace hastecrm_perf::reports {

// The rows of the last SPI result, from `first_column` (1-based) on.
// Columns first_column .. the last but `trailing` (1-based) of the last SPI result.
Table result_table(Resource& resource, int first_column = 1, int trailing = 0);

}  // namespace hastecrm_perf::reports
