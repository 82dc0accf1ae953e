// One row of health(): what is wrong, how much, against what, and the
// statement that fixes it.
#pragma once

#include <optional>
#include <string_view>

#include "core/containers.hpp"
#include "core/health_severity.hpp"

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
}

namespace hastecrm_perf::health {

struct Finding {
    std::string_view check;
    Severity severity;
    String object, value, threshold, detail, advice;
    std::optional<TimestampTz> since;
};

class Findings {
public:
    explicit Findings(Resource& resource) : rows_(&resource), resource_(resource) {}

    // A finding of `check`; the strings are copied. Severity none is dropped.
    void add(std::string_view check, Severity severity, std::string_view object,
             std::string_view value, std::string_view threshold, std::string_view detail,
             std::string_view advice, std::optional<TimestampTz> since = std::nullopt);

    // Drops the findings after the first `count`.
    void truncate(std::size_t count) { rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(count), rows_.end()); }

    Resource& resource() noexcept { return resource_; }
    const Vector<Finding>& rows() const noexcept { return rows_; }

private:
    Vector<Finding> rows_;
    Resource& resource_;
};

}  // namespace hastecrm_perf::health
