// A memory resource that bumps a pointer through blocks it keeps from one use
// to the next. Freshly allocated memory costs a page fault per 4 kB the first
// time it is touched (a report that builds a few hundred kB of vectors and
// frees them at the end pays that at every call); reset() makes the kept
// memory free again without giving it back, so the next use touches pages
// that are already mapped. Deallocation does nothing: memory returns at
// reset(), which merges the blocks used into one, up to `keep_bytes`.
#pragma once

#include <cstddef>

#include "core/containers.hpp"

namespace hastecrm_perf {

class ReusableArena final : public Resource {
public:
    ReusableArena(Resource& upstream, std::size_t keep_bytes) noexcept
        : upstream_(upstream), keep_bytes_(keep_bytes) {}
    ~ReusableArena() override;
    ReusableArena(const ReusableArena&) = delete;
    ReusableArena& operator=(const ReusableArena&) = delete;

    // Forgets every allocation: whatever was handed out must no longer be used.
    void reset();

    // Bytes held from upstream.
    std::size_t capacity() const noexcept;

private:
    struct Block {
        Block* next;
        std::size_t size;  // bytes after the header
    };

    void* do_allocate(std::size_t bytes, std::size_t alignment) override;
    void do_deallocate(void*, std::size_t, std::size_t) override {}
    bool do_is_equal(const Resource& other) const noexcept override { return this == &other; }

    Block* add_block(std::size_t size);
    void release_all() noexcept;

    Resource& upstream_;
    std::size_t keep_bytes_;
    Block* blocks_ = nullptr;  // the newest first: allocation bumps through it
    std::size_t used_ = 0;     // bytes used in blocks_
    std::size_t high_water_ = 0;  // bytes handed out since reset(), all blocks
};

}  // namespace hastecrm_perf
