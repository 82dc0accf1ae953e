// A boost::container::pmr memory resource backed by a PostgreSQL memory context.
//
// It throws std::bad_alloc instead of raising ereport(ERROR) when memory runs
// out, so C++ frames unwind normally; and whatever a skipped destructor would
// have freed is freed with the context anyway.
#pragma once

#include "core/containers.hpp"

struct MemoryContextData;

namespace hastecrm_perf::pg {

class ContextResource final : public Resource {
public:
    explicit ContextResource(MemoryContextData* context) noexcept : context_(context) {}
    // The backend's CurrentMemoryContext at the time of the call.
    static ContextResource current() noexcept;

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override;
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
    bool do_is_equal(const Resource& other) const noexcept override;

    MemoryContextData* context_;
};

}  // namespace hastecrm_perf::pg
