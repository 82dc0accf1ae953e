#include "core/reusable_arena.hpp"

#include <algorithm>
#include <new>

namespace hastecrm_perf {

namespace {
constexpr std::size_t header_bytes = 16;  // a Block, padded to a multiple of the alignment
constexpr std::size_t max_alignment = 8;  // what palloc gives (MAXIMUM_ALIGNOF), upstream in a backend
constexpr std::size_t first_block_bytes = 64 * 1024;
}  // namespace

ReusableArena::~ReusableArena() { release_all(); }

void ReusableArena::release_all() noexcept {
    while (blocks_ != nullptr) {
        Block* next = blocks_->next;
        upstream_.deallocate(blocks_, blocks_->size + header_bytes, max_alignment);
        blocks_ = next;
    }
    used_ = 0;
}

std::size_t ReusableArena::capacity() const noexcept {
    std::size_t total = 0;
    for (const Block* b = blocks_; b != nullptr; b = b->next)
        total += b->size;
    return total;
}

ReusableArena::Block* ReusableArena::add_block(std::size_t size) {
    static_assert(sizeof(Block) <= header_bytes);
    void* memory = upstream_.allocate(size + header_bytes, max_alignment);
    auto* block = static_cast<Block*>(memory);
    block->next = blocks_;
    block->size = size;
    blocks_ = block;
    used_ = 0;
    return block;
}

void ReusableArena::reset() {
    const bool several = blocks_ != nullptr && blocks_->next != nullptr;
    const std::size_t wanted = std::min(std::max(high_water_, capacity()), keep_bytes_);
    high_water_ = 0;
    used_ = 0;
    if (!several && (blocks_ == nullptr || blocks_->size <= keep_bytes_))
        return;  // one block that is not too big: keep it as it is
    release_all();
    if (wanted > 0)
        add_block(wanted);
}

void* ReusableArena::do_allocate(std::size_t bytes, std::size_t alignment) {
    if (alignment > max_alignment)
        throw std::bad_alloc();
    if (blocks_ != nullptr) {
        const std::size_t start = (used_ + alignment - 1) / alignment * alignment;
        if (start + bytes <= blocks_->size) {
            used_ = start + bytes;
            high_water_ += bytes;
            return reinterpret_cast<char*>(blocks_) + header_bytes + start;
        }
    }
    const std::size_t previous = blocks_ != nullptr ? blocks_->size : first_block_bytes / 2;
    Block* block = add_block(std::max(2 * previous, bytes));
    used_ = bytes;
    high_water_ += bytes;
    return reinterpret_cast<char*>(block) + header_bytes;
}

}  // namespace hastecrm_perf
