// A memory resource on the C++ heap for unit tests, which run without a server.
#pragma once

#include <new>

#include "core/containers.hpp"

namespace hastecrm_perf::testing {

class HeapResource final : public Resource {
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        return ::operator new(bytes, std::align_val_t(alignment));
    }
    void do_deallocate(void* p, std::size_t, std::size_t alignment) override {
        ::operator delete(p, std::align_val_t(alignment));
    }
    bool do_is_equal(const Resource& other) const noexcept override { return this == &other; }
};

}  // namespace hastecrm_perf::testing
