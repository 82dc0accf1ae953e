// Numbers as a person reads them in the report: durations with their unit,
// sizes in kB/MB/GB (1024-based, as pg_size_pretty), counts with thousands
// separators. Not-a-number and infinities print as "n/a".
#pragma once

#include <cstdint>

#include "core/containers.hpp"

namespace hastecrm_perf {

// "850 µs", "12.3 ms", "1.25 s", "2.5 min", "3.1 h".
String format_milliseconds(double ms, Resource& resource);
// "512 bytes", "12.0 kB", "3.41 MB", "1.20 GB", "2.00 TB"; negative sizes keep their sign.
String format_bytes(double bytes, Resource& resource);
// "1,234,567"; a fractional count keeps two decimals ("12.35").
String format_count(double count, Resource& resource);
// A length of time in words: "45 min", "1 h 30 min", "1 day", "7 days 2 h".
String format_span(std::int64_t microseconds, Resource& resource);
// "12.3%".
String format_percent(double percent, Resource& resource);
// Three significant digits at most, no exponent for everyday magnitudes.
String format_decimal(double value, Resource& resource);

}  // namespace hastecrm_perf
