#include "core/reusable_arena.hpp"

#include <cstdint>

#include <gtest/gtest.h>

#include <new>

namespace hastecrm_perf {
namespace {

// A heap resource that counts what it hands out.
class HeapResource final : public Resource {
public:
    std::size_t allocations() const { return allocations_; }

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        ++allocations_;
        return ::operator new(bytes, std::align_val_t(alignment));
    }
    void do_deallocate(void* p, std::size_t, std::size_t alignment) override {
        ::operator delete(p, std::align_val_t(alignment));
    }
    bool do_is_equal(const Resource& other) const noexcept override { return this == &other; }
    std::size_t allocations_ = 0;
};

TEST(ReusableArena, AllocationsAreAlignedAndDistinct) {
    HeapResource heap;
    ReusableArena arena(heap, 1 << 20);
    char* a = static_cast<char*>(arena.allocate(3, 1));
    auto* b = static_cast<std::uint64_t*>(arena.allocate(8, 8));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % 8, 0u);
    EXPECT_GE(reinterpret_cast<char*>(b), a + 3);
    Vector<int> v(&arena);
    for (int i = 0; i < 100000; ++i)
        v.push_back(i);  // grows through several blocks
    EXPECT_EQ(v[99999], 99999);
}

TEST(ReusableArena, ResetKeepsOneBlockForTheNextUse) {
    HeapResource heap;
    ReusableArena arena(heap, 1 << 20);
    for (int i = 0; i < 40; ++i)
        arena.allocate(10000, 8);  // 400 kB over several blocks
    EXPECT_GE(arena.capacity(), 400000u);
    const std::size_t before = heap.allocations();
    arena.reset();
    EXPECT_GE(arena.capacity(), 400000u);  // merged into one block
    const std::size_t merged = heap.allocations();
    EXPECT_EQ(merged, before + 1);
    for (int i = 0; i < 40; ++i)
        arena.allocate(10000, 8);
    EXPECT_EQ(heap.allocations(), merged);  // no new block: the pages are reused
    arena.reset();
    EXPECT_EQ(heap.allocations(), merged);
}

TEST(ReusableArena, KeepsNoMoreThanItsLimit) {
    HeapResource heap;
    ReusableArena arena(heap, 100000);
    arena.allocate(500000, 8);
    arena.reset();
    EXPECT_LE(arena.capacity(), 100000u);
    EXPECT_THROW(arena.allocate(8, 64), std::bad_alloc);
}

}  // namespace
}  // namespace hastecrm_perf
