// The worst case of what the server's settings let it allocate, against the
// memory the machine (or its cgroup) really has:
//   shared_buffers
// + max_connections × work_mem × hash_mem_multiplier × nodes_per_query
// + autovacuum_max_workers × (autovacuum_work_mem, or maintenance_work_mem at −1)
// work_mem is per sort or hash node, not per connection, hence the nodes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hastecrm_perf {

struct MemorySettings {  // bytes, or counts
    double shared_buffers = 0;
    double work_mem = 0;
    double hash_mem_multiplier = 2.0;
    double maintenance_work_mem = 0;
    double autovacuum_work_mem = -1;  // −1: maintenance_work_mem
    double autovacuum_max_workers = 3;
    double max_connections = 100;
    double nodes_per_query = 3;
};

struct MemoryBudget {
    double shared = 0;
    double queries = 0;      // every connection at work_mem in nodes_per_query hash nodes
    double maintenance = 0;  // every autovacuum worker at its memory
    double total() const noexcept { return shared + queries + maintenance; }
};

MemoryBudget worst_case_memory(const MemorySettings& settings) noexcept;

// The work_mem range that keeps the worst case within `ram` × `fill`: the
// upper end fills it exactly, the lower end leaves half of that room for the
// page cache the planner counts on (effective_cache_size). Both at least 64 kB
// (PostgreSQL's minimum).
struct ByteRange {
    double low = 0, high = 0;
};
ByteRange work_mem_range(const MemorySettings& settings, double ram, double fill = 0.9) noexcept;

// RAM the server may use: the lower of the machine's and the cgroup's limit.
// `meminfo` is the text of /proc/meminfo; `cgroup_limit` the text of
// memory.max (cgroup v2, "max" for none) or memory.limit_in_bytes (v1, a
// huge number for none).
std::optional<double> meminfo_total_bytes(std::string_view meminfo) noexcept;
std::optional<double> cgroup_limit_bytes(std::string_view cgroup_limit) noexcept;
std::optional<double> usable_ram(std::optional<double> machine, std::optional<double> cgroup) noexcept;

}  // namespace hastecrm_perf
