#include "pg/memory.hpp"

#include <new>

extern "C" {
#include "postgres.h"
#include "utils/memutils.h"
}

namespace hastecrm_perf::pg {

ContextResource ContextResource::current() noexcept {
    return ContextResource(CurrentMemoryContext);
}

void* ContextResource::do_allocate(std::size_t bytes, std::size_t alignment) {
    // palloc aligns to MAXIMUM_ALIGNOF and no further.
    if (alignment > MAXIMUM_ALIGNOF || !AllocHugeSizeIsValid(bytes))
        throw std::bad_alloc();
    void* memory = MemoryContextAllocExtended(context_, bytes, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (memory == nullptr)
        throw std::bad_alloc();
    return memory;
}

void ContextResource::do_deallocate(void* p, std::size_t, std::size_t) {
    pfree(p);
}

bool ContextResource::do_is_equal(const Resource& other) const noexcept {
    auto* that = dynamic_cast<const ContextResource*>(&other);
    return that != nullptr && that->context_ == context_;
}

}  // namespace hastecrm_perf::pg
