// Containers of the core. They allocate from an explicit memory_resource: in a
// backend that resource is a PostgreSQL memory context (pg/memory.hpp), so an
// error anywhere frees everything with the context; unit tests pass a heap one.
//
// Never default-construct or copy-construct these containers: both would ask
// Boost for its default resource, which lives in a library we do not link.
#pragma once

#include <initializer_list>
#include <string_view>

#include <boost/container/pmr/memory_resource.hpp>
#include <boost/container/pmr/string.hpp>
#include <boost/container/pmr/vector.hpp>

namespace hastecrm_perf {

using Resource = boost::container::pmr::memory_resource;

template <typename T>
using Vector = boost::container::pmr::vector<T>;

using String = boost::container::pmr::string;

// Strings are built with concat(), never with operator+: that copy-constructs,
// which asks for the default resource.
inline String concat(Resource& resource, std::initializer_list<std::string_view> parts) {
    String text(&resource);
    std::size_t length = 0;
    for (const std::string_view part : parts)
        length += part.size();
    text.reserve(length);
    for (const std::string_view part : parts)
        text.append(part.data(), part.size());
    return text;
}

}  // namespace hastecrm_perf
