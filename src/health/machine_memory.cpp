#include "health/machine_memory.hpp"

#include <cstdio>
#include <string_view>

#include "core/memory_budget.hpp"

namespace hastecrm_perf::health {
namespace {

// The start of a small file, into a fixed buffer (nothing allocated).
std::string_view read_start(const char* path, char (&buffer)[4096]) noexcept {
    std::FILE* file = std::fopen(path, "r");
    if (file == nullptr)
        return {};
    const std::size_t length = std::fread(buffer, 1, sizeof buffer - 1, file);
    std::fclose(file);
    return {buffer, length};
}

}  // namespace

std::optional<double> machine_ram_bytes() noexcept {
    char buffer[4096];
    const std::optional<double> machine = meminfo_total_bytes(read_start("/proc/meminfo", buffer));
    std::optional<double> cgroup = cgroup_limit_bytes(read_start("/sys/fs/cgroup/memory.max", buffer));
    if (!cgroup)
        cgroup = cgroup_limit_bytes(read_start("/sys/fs/cgroup/memory/memory.limit_in_bytes", buffer));
    return usable_ram(machine, cgroup);
}

}  // namespace hastecrm_perf::health
