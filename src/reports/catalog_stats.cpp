#include "reports/catalog_stats.hpp"

#include <algorithm>

#include "pg/call.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_statistic.h"
#include "utils/rel.h"
}

namespace hastecrm_perf::reports {

namespace {

bool before(const AttributeRow& row, Oid relid, std::int16_t attnum) {
    return row.relid < relid || (row.relid == relid && row.attnum < attnum);
}

// Calls visit(HeapTuple) for every row of a catalog, read in one pass.
template <typename Visit>
void scan_catalog(Oid catalog, Visit&& visit) {
    pg::call([&] {
        Relation rel = table_open(catalog, AccessShareLock);
        SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 0, nullptr);
        for (HeapTuple tuple; (tuple = systable_getnext(scan)) != nullptr;)
            visit(tuple);
        systable_endscan(scan);
        table_close(rel, AccessShareLock);
    });
}

}  // namespace

CatalogStats::CatalogStats(const Vector<Oid>& relids, Resource& resource) : rows_(&resource) {
    read_attributes(relids);
    read_statistics();
}

void CatalogStats::read_attributes(const Vector<Oid>& relids) {
    scan_catalog(AttributeRelationId, [&](HeapTuple tuple) {
        const auto* a = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple));
        if (a->attnum <= 0 || !std::binary_search(relids.begin(), relids.end(), a->attrelid))
            return;
        rows_.push_back(AttributeRow{a->attrelid, a->attnum,
                                     Column{a->attlen, a->attalign, std::nullopt, a->attisdropped},
                                     std::nullopt});
    });
    std::sort(rows_.begin(), rows_.end(), [](const AttributeRow& x, const AttributeRow& y) {
        return before(x, y.relid, y.attnum);
    });
}

void CatalogStats::read_statistics() {
    scan_catalog(StatisticRelationId, [&](HeapTuple tuple) {
        const auto* s = reinterpret_cast<Form_pg_statistic>(GETSTRUCT(tuple));
        if (s->stainherit)
            return;  // inheritance-tree statistics: not this relation's own rows
        auto it = std::lower_bound(rows_.begin(), rows_.end(), s->starelid,
                                   [s](const AttributeRow& row, Oid) { return before(row, s->starelid, s->staattnum); });
        if (it == rows_.end() || it->relid != s->starelid || it->attnum != s->staattnum)
            return;
        // ANALYZE fills no slot when every sampled value was too wide to keep.
        const bool no_slot = s->stakind1 == 0 && s->stakind2 == 0 && s->stakind3 == 0 &&
                             s->stakind4 == 0 && s->stakind5 == 0;
        it->column.stats = ColumnStats{static_cast<double>(s->stawidth), s->stanullfrac, no_slot};
        it->n_distinct = s->stadistinct;
    });
}

std::span<const AttributeRow> CatalogStats::attributes(Oid relid) const {
    auto first = std::lower_bound(rows_.begin(), rows_.end(), relid,
                                  [](const AttributeRow& row, Oid id) { return row.relid < id; });
    auto last = std::upper_bound(first, rows_.end(), relid,
                                 [](Oid id, const AttributeRow& row) { return id < row.relid; });
    return {rows_.data() + (first - rows_.begin()), static_cast<std::size_t>(last - first)};
}

const AttributeRow* CatalogStats::attribute(Oid relid, std::int16_t attnum) const {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), relid,
                               [attnum](const AttributeRow& row, Oid id) { return before(row, id, attnum); });
    return it != rows_.end() && it->relid == relid && it->attnum == attnum ? &*it : nullptr;
}

}  // namespace hastecrm_perf::reports
