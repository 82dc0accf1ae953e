#include "core/containers.hpp"

#include <gtest/gtest.h>

#include <new>

#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

TEST(Containers, AllocateFromTheResourceTheyAreGiven) {
    testing::HeapResource heap;
    Vector<int> values(&heap);
    values.assign(1000, 7);
    EXPECT_EQ(values.get_allocator().resource(), &heap);
    Vector<String> texts(&heap);
    texts.emplace_back("a string longer than the small-string buffer");
    EXPECT_EQ(texts.back().get_allocator().resource(), &heap);  // inner takes outer's
}

TEST(Containers, TheDefaultResourceRefusesToAllocate) {
    Vector<int> values;  // no resource: Boost's default, which we never provide
    EXPECT_THROW(values.push_back(1), std::bad_alloc);
}

}  // namespace
}  // namespace hastecrm_perf
