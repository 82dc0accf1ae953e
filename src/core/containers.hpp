// Containers of the core. They allocate from an explicit memory_resource: in a
// backend that resource is a PostgreSQL memory context (pg/memory.hpp), so an
// error anywhere frees everything with the context; unit tests pass a heap one.
//
// Never default-construct or copy-construct these containers: both would ask
// Boost for its default resource, which lives in a library we do not link.
#pragma once

#include <boost/container/pmr/memory_resource.hpp>
#include <boost/container/pmr/string.hpp>
#include <boost/container/pmr/vector.hpp>

namespace hastecrm_perf {

using Resource = boost::container::pmr::memory_resource;

template <typename T>
using Vector = boost::container::pmr::vector<T>;

using String = boost::container::pmr::string;

}  // namespace hastecrm_perf
