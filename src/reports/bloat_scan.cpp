// table_bloat_scan() and index_bloat_scan(): bloat measured by reading pages,
// all of them for small relations, a sample sized for ±2 points otherwise.
#include <array>
#include <span>

#include "core/page_sample.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "reports/page_reader.hpp"

extern "C" {
#include "access/nbtree.h"
#include "access/relation.h"
#include "access/visibilitymap.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_authid_d.h"
#include "catalog/pg_class_d.h"
#include "miscadmin.h"
#include "storage/freespace.h"
#include "catalog/index.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace hastecrm_perf::reports {
namespace {

// The sample is the same for the same relation and size: a repeated call
// reads the same pages and gives the same answer on an unchanged table.
std::uint64_t seed_for(Oid relid) {
    return 0x9E3779B97F4A7C15ull ^ relid;
}

struct Arguments {
    Oid relid;
    std::int32_t sample_pages;
};

Arguments read_arguments(FunctionCallInfo fcinfo, const char* what) {
    if (PG_ARGISNULL(0))
        throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " must not be NULL");
    if (PG_ARGISNULL(1))
        throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED, "sample_pages must not be NULL",
                        {}, "Pass 0 to let the scan choose a sample for ±2 points.");
    const std::int32_t sample_pages = PG_GETARG_INT32(1);
    if (sample_pages < 0)
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                        "sample_pages must be 0 (automatic) or a number of pages, not " +
                            std::to_string(sample_pages));
    return {PG_GETARG_OID(0), sample_pages};
}

// The caller may read pages of `table` with SELECT on it, or as a member of
// pg_stat_scan_tables (as for pgstattuple). Checked before any lock is taken.
void check_scan_privilege(Oid table, Oid relid) {
    bool missing = false;
    const bool allowed = pg::call([&] {
        return pg_class_aclcheck_ext(table, GetUserId(), ACL_SELECT, &missing) == ACLCHECK_OK ||
               has_privs_of_role(GetUserId(), ROLE_PG_STAT_SCAN_TABLES);
    });
    if (missing)
        throw pg::Error(ERRCODE_UNDEFINED_TABLE,
                        "relation with OID " + std::to_string(relid) + " does not exist");
    if (!allowed) {
        const char* name = pg::call([relid] { return get_rel_name(relid); });
        throw pg::Error(ERRCODE_INSUFFICIENT_PRIVILEGE,
                        "permission denied for relation " + std::string(name ? name : "?"), {},
                        "Scanning needs SELECT on the table or membership in pg_stat_scan_tables.");
    }
}

// Opens a relation for reading pages: it must exist, have storage of the
// expected kind, and belong to this session if temporary. An index's table is
// locked first, in the order DROP INDEX takes them.
Relation open_for_scan(Oid relid, bool want_index) {
    const Oid table = want_index ? pg::call([relid] { return IndexGetRelation(relid, true); }) : relid;
    check_scan_privilege(OidIsValid(table) ? table : relid, relid);
    if (want_index && OidIsValid(table))
        pg::call([table] { LockRelationOid(table, AccessShareLock); });
    Relation rel = pg::call([relid] { return try_relation_open(relid, AccessShareLock); });
    if (rel == nullptr)
        throw pg::Error(ERRCODE_UNDEFINED_TABLE,
                        "relation with OID " + std::to_string(relid) + " does not exist");
    const char kind = rel->rd_rel->relkind;
    const std::string name = RelationGetRelationName(rel);
    if (want_index) {
        if (kind != RELKIND_INDEX || rel->rd_rel->relam != BTREE_AM_OID)
            throw pg::Error(ERRCODE_WRONG_OBJECT_TYPE, "\"" + name + "\" is not a B-tree index",
                            {}, kind == RELKIND_RELATION || kind == RELKIND_MATVIEW
                                    ? "Use hastecrm_perf.table_bloat_scan() for a table."
                                    : "");
    } else if (kind != RELKIND_RELATION && kind != RELKIND_MATVIEW && kind != RELKIND_TOASTVALUE) {
        throw pg::Error(ERRCODE_WRONG_OBJECT_TYPE,
                        "\"" + name + "\" is not a table, materialized view or TOAST table", {},
                        kind == RELKIND_INDEX ? "Use hastecrm_perf.index_bloat_scan() for an index."
                        : kind == RELKIND_PARTITIONED_TABLE
                            ? "A partitioned table has no storage of its own: scan its partitions."
                            : "");
    }
    if (RELATION_IS_OTHER_TEMP(rel))
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED,
                        "cannot read temporary tables of other sessions");
    return rel;
}

// Reads the pages a plan asks for out of `candidates` (block numbers), pilot
// first when the plan says so; `observe` reads one block.
template <typename Observation, typename Observe, typename Replan>
Vector<Observation> sample_pages(const Vector<BlockNumber>& candidates, std::int32_t requested,
                                 std::uint64_t seed, Resource& resource, Observe&& observe,
                                 Replan&& replan, ScanPlan& plan) {
    const auto population = static_cast<std::uint32_t>(candidates.size());
    plan = plan_scan(population, static_cast<std::uint64_t>(requested));
    Vector<Observation> seen(&resource);
    Vector<std::uint32_t> chosen = sample_blocks(population, static_cast<std::uint32_t>(plan.pages), seed, resource);
    for (std::uint32_t i : chosen)
        seen.push_back(observe(candidates[i]));
    if (plan.pilot) {
        plan = replan(std::span<const Observation>(seen.data(), seen.size()));
        if (plan.pages > chosen.size()) {
            // The plan counts the pilot's pages: read only the rest.
            const auto more_pages = static_cast<std::uint32_t>(plan.pages - chosen.size());
            Vector<std::uint32_t> more =
                extend_sample({chosen.data(), chosen.size()}, population, more_pages, seed, resource);
            for (std::uint32_t i : more)
                seen.push_back(observe(candidates[i]));
        }
    }
    return seen;
}

struct HeapScan {
    TableScanEstimate estimate;
    std::uint64_t total_pages;
    std::uint64_t scanned_pages;
    std::uint64_t all_visible_pages;
    ScanMethod method;
};

HeapScan scan_heap(Relation rel, std::int32_t requested, Resource& resource) {
    BufferAccessStrategy strategy = pg::call([] { return GetAccessStrategy(BAS_BULKREAD); });
    const BlockNumber blocks = pg::call([rel] { return RelationGetNumberOfBlocks(rel); });
    // All-visible pages are not read: the visibility map vouches they hold no
    // dead tuple, and the free space map knows their free space.
    Vector<BlockNumber> to_read(&resource);
    std::uint64_t all_visible = 0;
    double all_visible_free = 0;
    Buffer vm_buffer = InvalidBuffer;
    for (BlockNumber block = 0; block < blocks; ++block) {
        if (block % 4096 == 0)
            pg::call([] { CHECK_FOR_INTERRUPTS(); });  // a terabyte is 134 M blocks
        const bool visible = pg::call([&] { return VM_ALL_VISIBLE(rel, block, &vm_buffer); });
        if (!visible) {
            to_read.push_back(block);
            continue;
        }
        ++all_visible;
        all_visible_free += static_cast<double>(pg::call([&] { return GetRecordedFreeSpace(rel, block); }));
    }
    if (vm_buffer != InvalidBuffer)
        pg::call([vm_buffer] { ReleaseBuffer(vm_buffer); });

    TableScanInput input{blocks, all_visible, all_visible_free, {},
                         RelationGetFillFactor(rel, HEAP_DEFAULT_FILLFACTOR), BLCKSZ,
                         rel->rd_rel->reltuples};
    ScanPlan plan{};
    const Vector<HeapPageObservation> seen = sample_pages<HeapPageObservation>(
        to_read, requested, seed_for(RelationGetRelid(rel)), resource,
        [&](BlockNumber block) { return pg::call([&] { return read_heap_page(rel, block, strategy); }); },
        [&](std::span<const HeapPageObservation> pilot) {
            TableScanInput pilot_input = input;
            pilot_input.sampled = pilot;
            return plan_table_scan_after_pilot(pilot_input);
        },
        plan);
    input.sampled = std::span<const HeapPageObservation>(seen.data(), seen.size());
    const ScanMethod method = seen.size() >= to_read.size() ? ScanMethod::full : ScanMethod::sample;
    return {estimate_table_scan(input), blocks, seen.size(), all_visible, method};
}

}  // namespace
}  // namespace hastecrm_perf::reports

namespace hp = hastecrm_perf;

HASTECRM_PERF_FUNCTION(table_bloat_scan) {
    return hp::pg::guard([&]() -> Datum {
        const auto args = hp::reports::read_arguments(fcinfo, "rel");
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        Relation rel = hp::reports::open_for_scan(args.relid, false);
        const hp::reports::HeapScan heap = hp::reports::scan_heap(rel, args.sample_pages, resource);
        // The TOAST table is measured too: out-of-line values bloat on their own.
        const Oid toast = rel->rd_rel->reltoastrelid;
        std::optional<hp::reports::HeapScan> toast_scan;
        if (OidIsValid(toast)) {
            Relation toast_rel = hp::pg::call([toast] { return relation_open(toast, AccessShareLock); });
            toast_scan = hp::reports::scan_heap(toast_rel, args.sample_pages, resource);
            hp::pg::call([toast_rel] { relation_close(toast_rel, AccessShareLock); });
        }
        hp::pg::call([rel] { relation_close(rel, AccessShareLock); });

        const hp::TableScanEstimate& e = heap.estimate;
        std::array<Datum, 14> values{
            ObjectIdGetDatum(args.relid), Int64GetDatum(static_cast<int64>(heap.total_pages)),
            Int64GetDatum(static_cast<int64>(heap.scanned_pages)),
            Int64GetDatum(static_cast<int64>(heap.all_visible_pages)), Float8GetDatum(e.live_pct),
            Float8GetDatum(e.dead_pct), Float8GetDatum(e.free_pct), Int64GetDatum(e.reclaimable_bytes),
            Float8GetDatum(e.reclaimable_pct), Float8GetDatum(e.margin_pct),
            hp::pg::text_datum(hp::to_string(heap.method)), Datum(0), Datum(0), Datum(0)};
        std::array<bool, 14> nulls{};
        if (toast_scan) {
            values[11] = Int64GetDatum(static_cast<int64>(toast_scan->total_pages));
            values[12] = Int64GetDatum(toast_scan->estimate.reclaimable_bytes);
            values[13] = Float8GetDatum(toast_scan->estimate.reclaimable_pct);
        } else {
            nulls[11] = nulls[12] = nulls[13] = true;
        }
        result.put(values, nulls);
        return Datum(0);
    });
}

HASTECRM_PERF_FUNCTION(index_bloat_scan) {
    return hp::pg::guard([&]() -> Datum {
        const auto args = hp::reports::read_arguments(fcinfo, "idx");
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        Relation index = hp::reports::open_for_scan(args.relid, true);
        BufferAccessStrategy strategy = hp::pg::call([] { return GetAccessStrategy(BAS_BULKREAD); });
        const BlockNumber blocks = hp::pg::call([index] { return RelationGetNumberOfBlocks(index); });
        const double pivot_bytes =
            blocks > 1 ? hp::pg::call([&] { return hp::reports::btree_root_item_bytes(index, strategy); }) : 16;
        // The table, to check whether index entries still point to live rows.
        const Oid table = index->rd_index->indrelid;
        Relation heap = hp::pg::call([table] { return relation_open(table, AccessShareLock); });
        const BlockNumber heap_blocks = hp::pg::call([heap] { return RelationGetNumberOfBlocks(heap); });
        hp::Vector<BlockNumber> pages(&resource);  // every page but the metapage
        for (BlockNumber block = 1; block < blocks; ++block)
            pages.push_back(block);
        hp::IndexScanInput input{blocks, {}, pivot_bytes,
                                 BTGetFillFactor(index)};
        hp::ScanPlan plan{};
        const hp::Vector<hp::IndexPageObservation> seen = hp::reports::sample_pages<hp::IndexPageObservation>(
            pages, args.sample_pages, hp::reports::seed_for(args.relid), resource,
            [&](BlockNumber block) {
                return hp::pg::call([&] {
                    return hp::reports::read_btree_page(index, heap, heap_blocks, block, strategy);
                });
            },
            [&](std::span<const hp::IndexPageObservation> pilot) {
                hp::IndexScanInput pilot_input = input;
                pilot_input.sampled = pilot;
                return hp::plan_index_scan_after_pilot(pilot_input);
            },
            plan);
        hp::pg::call([index, heap] {
            relation_close(heap, AccessShareLock);
            relation_close(index, AccessShareLock);
        });
        input.sampled = std::span<const hp::IndexPageObservation>(seen.data(), seen.size());
        const hp::IndexScanEstimate e = hp::estimate_index_scan(input);
        const hp::ScanMethod method = seen.size() >= pages.size() ? hp::ScanMethod::full : hp::ScanMethod::sample;
        const std::array<Datum, 10> values{
            ObjectIdGetDatum(args.relid), Int64GetDatum(e.leaf_pages),
            Int64GetDatum(static_cast<int64>(seen.size())), Float8GetDatum(e.avg_leaf_density),
            Int64GetDatum(e.live_items), Int64GetDatum(e.expected_bytes),
            Int64GetDatum(e.reclaimable_bytes), Float8GetDatum(e.reclaimable_pct),
            Float8GetDatum(e.margin_pct), hp::pg::text_datum(hp::to_string(method))};
        const std::array<bool, 10> nulls{};
        result.put(values, nulls);
        return Datum(0);
    });
}
