// Column layouts and statistics of many relations at once: one sequential
// read of pg_attribute and one of pg_statistic, instead of a lookup per
// column (with 5,000 tables that is the difference between milliseconds and
// a second). Only figures derived from them leave the extension, and only for
// relations the caller may read.
#pragma once

#include <optional>
#include <span>

#include "core/bloat_model.hpp"
#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::reports {

struct AttributeRow {
    Oid relid;
    std::int16_t attnum;
    Column column;                      // layout, and pg_stats' width and null fraction
    std::optional<double> n_distinct;   // pg_stats convention: > 0 count, < 0 fraction
};

class CatalogStats {
public:
    // `relids` must be sorted and distinct.
    CatalogStats(const Vector<Oid>& relids, Resource& resource);

    // The relation's attributes (attnum > 0) in attnum order.
    std::span<const AttributeRow> attributes(Oid relid) const;
    const AttributeRow* attribute(Oid relid, std::int16_t attnum) const;

private:
    void read_attributes(const Vector<Oid>& relids);
    void read_statistics();

    Vector<AttributeRow> rows_;  // sorted by (relid, attnum)
};

}  // namespace hastecrm_perf::reports
