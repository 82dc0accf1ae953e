#include "core/memory_budget.hpp"

#include <algorithm>
#include <charconv>

namespace hastecrm_perf {

MemoryBudget worst_case_memory(const MemorySettings& s) noexcept {
    MemoryBudget b;
    b.shared = s.shared_buffers;
    b.queries = s.max_connections * s.work_mem * s.hash_mem_multiplier * s.nodes_per_query;
    const double per_worker = s.autovacuum_work_mem < 0 ? s.maintenance_work_mem : s.autovacuum_work_mem;
    b.maintenance = s.autovacuum_max_workers * per_worker;
    return b;
}

ByteRange work_mem_range(const MemorySettings& s, double ram, double fill) noexcept {
    constexpr double floor = 64.0 * 1024;
    MemorySettings without_queries = s;
    without_queries.work_mem = 0;
    const double room = ram * fill - worst_case_memory(without_queries).total();
    const double per_unit = s.max_connections * s.hash_mem_multiplier * s.nodes_per_query;
    ByteRange r;
    r.high = per_unit > 0 ? std::max(floor, room / per_unit) : floor;
    r.low = std::max(floor, r.high / 2);
    return r;
}

namespace {

std::optional<double> leading_number(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end == text.data())
        return std::nullopt;
    return static_cast<double>(value);
}

}  // namespace

std::optional<double> meminfo_total_bytes(std::string_view meminfo) noexcept {
    constexpr std::string_view key = "MemTotal:";
    const std::size_t at = meminfo.find(key);
    if (at == std::string_view::npos || (at != 0 && meminfo[at - 1] != '\n'))
        return std::nullopt;
    const std::optional<double> kb = leading_number(meminfo.substr(at + key.size()));
    if (!kb)
        return std::nullopt;
    return *kb * 1024;
}

std::optional<double> cgroup_limit_bytes(std::string_view text) noexcept {
    const std::optional<double> value = leading_number(text);
    // cgroup v1 writes "no limit" as a page-rounded 2^63 − 1.
    if (!value || *value >= 9.0e18)
        return std::nullopt;
    return value;
}

std::optional<double> usable_ram(std::optional<double> machine, std::optional<double> cgroup) noexcept {
    if (machine && cgroup)
        return std::min(*machine, *cgroup);
    return machine ? machine : cgroup;
}

}  // namespace hastecrm_perf
