// The RAM this server may use: /proc/meminfo's MemTotal, or the cgroup's
// memory limit when that is lower (v2 memory.max, v1 memory.limit_in_bytes).
#pragma once

#include <optional>

namespace hastecrm_perf::health {

std::optional<double> machine_ram_bytes() noexcept;

}  // namespace hastecrm_perf::health
