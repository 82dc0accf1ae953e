// Boost.Container's headers refer to its process-wide default memory resource
// (a polymorphic_allocator built from a null pointer falls back to it), but
// that lives in a library we do not link: a backend must allocate from memory
// contexts only. This definition satisfies the reference and makes any use of
// the default fail loudly with std::bad_alloc instead of reaching malloc.
#include <new>

#include <boost/container/pmr/global_resource.hpp>
#include <boost/container/pmr/memory_resource.hpp>

namespace boost::container::pmr {

namespace {

class RefusingResource final : public memory_resource {
    void* do_allocate(std::size_t, std::size_t) override { throw std::bad_alloc(); }
    void do_deallocate(void*, std::size_t, std::size_t) override {}
    bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }
};

}  // namespace

memory_resource* get_default_resource() BOOST_NOEXCEPT {
    static RefusingResource refusing;
    return &refusing;
}

}  // namespace boost::container::pmr
