// Figures as health() writes them: bytes with their unit, ratios as percent,
// durations in the largest fitting unit.
#pragma once

#include <cstdint>

#include "core/containers.hpp"

namespace hastecrm_perf::health {

String bytes_text(double bytes, Resource& resource);   // "1.5 GB", "800 kB"
String percent_text(double ratio, Resource& resource); // 0.912 -> "91.2%"
String number_text(double value, Resource& resource);  // up to 6 significant digits
String count_text(double value, Resource& resource);   // "12,345,678"
String integer_text(double value, Resource& resource); // "12345678", for SQL
String seconds_text(double seconds, Resource& resource); // "5 min 3 s", "2 h 10 min"
// A byte amount as a PostgreSQL memory setting ('16MB'), rounded down to a unit.
String setting_bytes(double bytes, Resource& resource);

}  // namespace hastecrm_perf::health
