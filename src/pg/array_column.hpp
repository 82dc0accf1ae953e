// A column of values gathered in C++ and handed to SQL as one array
// parameter, so that many rows go in with one statement
// (INSERT ... SELECT FROM unnest($1, $2, ...)).
#pragma once

#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::pg {

class ArrayColumn {
public:
    ArrayColumn(Oid element_type, Resource& resource)
        : type_(element_type), values_(&resource), nulls_(&resource) {}

    void add(Datum value) {
        values_.push_back(value);
        nulls_.push_back(false);
    }
    void add_null() {
        values_.push_back(Datum(0));
        nulls_.push_back(true);
    }
    std::size_t size() const { return values_.size(); }

    // The array (palloc'd in the current memory context).
    Datum array() const;

private:
    Oid type_;
    Vector<Datum> values_;
    Vector<bool> nulls_;
};

}  // namespace hastecrm_perf::pg
