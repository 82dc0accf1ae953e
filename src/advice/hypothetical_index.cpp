#include "advice/hypothetical_index.hpp"

#include <algorithm>
#include <cmath>

#include "pg/call.hpp"

extern "C" {
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/plancat.h"
#include "tcop/tcopprot.h"
#include "utils/index_selfuncs.h"
#include "utils/lsyscache.h"
}

namespace hastecrm_perf::advice {
namespace {

// No real relation has it (OIDs are handed out far below), and the planner
// never looks a hypothetical index up in the catalogs.
constexpr Oid hypothetical_oid = 0xFFFFFF00u;

// What the hook adds: plain data, read inside the planner.
struct Hypothetical {
    bool active;
    Oid relid;
    int key_count;
    int column_count;
    AttrNumber columns[INDEX_MAX_KEYS];
    bool descending[INDEX_MAX_KEYS];
    bool nulls_first[INDEX_MAX_KEYS];
    double entry_bytes;
};
Hypothetical hypothetical{};
get_relation_info_hook_type previous_hook = nullptr;

// Runs inside the planner (C frames only): the IndexOptInfo that
// get_relation_info() would build for such a B-tree.
void add_hypothetical(PlannerInfo* root, Oid relid, bool inhparent, RelOptInfo* rel) {
    if (previous_hook)
        previous_hook(root, relid, inhparent, rel);
    if (!hypothetical.active || relid != hypothetical.relid || inhparent)
        return;
    const int n = hypothetical.column_count;
    IndexOptInfo* index = makeNode(IndexOptInfo);
    index->indexoid = hypothetical_oid;
    index->reltablespace = rel->reltablespace;
    index->rel = rel;
    index->ncolumns = n;
    index->nkeycolumns = hypothetical.key_count;
    index->indexkeys = static_cast<int*>(palloc0(sizeof(int) * n));
    index->indexcollations = static_cast<Oid*>(palloc0(sizeof(Oid) * n));
    index->opfamily = static_cast<Oid*>(palloc0(sizeof(Oid) * n));
    index->opcintype = static_cast<Oid*>(palloc0(sizeof(Oid) * n));
    index->sortopfamily = static_cast<Oid*>(palloc0(sizeof(Oid) * n));
    index->reverse_sort = static_cast<bool*>(palloc0(sizeof(bool) * n));
    index->nulls_first = static_cast<bool*>(palloc0(sizeof(bool) * n));
    index->opclassoptions = static_cast<bytea**>(palloc0(sizeof(bytea*) * n));
    index->canreturn = static_cast<bool*>(palloc0(sizeof(bool) * n));
    for (int i = 0; i < n; ++i) {
        const AttrNumber attnum = hypothetical.columns[i];
        Oid type, collation;
        int32 typmod;
        get_atttypetypmodcoll(relid, attnum, &type, &typmod, &collation);
        index->indexkeys[i] = attnum;
        index->indexcollations[i] = collation;
        index->canreturn[i] = true;  // a B-tree returns every column it stores
        if (i < hypothetical.key_count) {
            const Oid opclass = GetDefaultOpClass(type, BTREE_AM_OID);
            index->opfamily[i] = get_opclass_family(opclass);
            index->opcintype[i] = get_opclass_input_type(opclass);
            index->sortopfamily[i] = index->opfamily[i];
            index->reverse_sort[i] = hypothetical.descending[i];
            index->nulls_first[i] = hypothetical.nulls_first[i];
        }
        Var* var = makeVar(rel->relid, attnum, type, typmod, collation, 0);
        index->indextlist = lappend(index->indextlist,
                                    makeTargetEntry(reinterpret_cast<Expr*>(var), i + 1, nullptr, false));
    }
    index->relam = BTREE_AM_OID;
    index->tuples = rel->tuples;
    const std::uint64_t bytes = btree_size_bytes(rel->tuples, hypothetical.entry_bytes);
    index->pages = static_cast<BlockNumber>(std::min<std::uint64_t>(bytes / BLCKSZ, MaxBlockNumber));
    index->tree_height = btree_height(index->pages);
    index->unique = false;
    index->immediate = true;
    index->hypothetical = true;
    index->predOK = false;
    index->amcanorderbyop = false;
    index->amoptionalkey = true;
    index->amsearcharray = true;
    index->amsearchnulls = true;
    index->amhasgettuple = true;
    index->amhasgetbitmap = true;
    index->amcanparallel = true;
    index->amcanmarkpos = true;
    index->amcostestimate = reinterpret_cast<void (*)()>(btcostestimate);
    rel->indexlist = lcons(index, rel->indexlist);
}

// The hook is ours only while a plan_with() call plans.
class HookScope {
public:
    HookScope() noexcept : saved_(get_relation_info_hook) {
        previous_hook = saved_;
        get_relation_info_hook = add_hypothetical;
    }
    ~HookScope() {
        get_relation_info_hook = saved_;
        hypothetical.active = false;
    }
    HookScope(const HookScope&) = delete;
    HookScope& operator=(const HookScope&) = delete;

private:
    get_relation_info_hook_type saved_;
};

struct Usage {
    bool uses;
    bool index_only;
};

void scan(Plan* plan, Usage* usage);

void scan_list(List* plans, Usage* usage) {
    ListCell* cell;
    foreach (cell, plans)
        scan(static_cast<Plan*>(lfirst(cell)), usage);
}

void scan(Plan* plan, Usage* usage) {
    if (!plan)
        return;
    switch (nodeTag(plan)) {
        case T_IndexScan:
            usage->uses |= reinterpret_cast<IndexScan*>(plan)->indexid == hypothetical_oid;
            break;
        case T_IndexOnlyScan:
            if (reinterpret_cast<IndexOnlyScan*>(plan)->indexid == hypothetical_oid)
                usage->uses = usage->index_only = true;
            break;
        case T_BitmapIndexScan:
            usage->uses |= reinterpret_cast<BitmapIndexScan*>(plan)->indexid == hypothetical_oid;
            break;
        case T_Append: scan_list(reinterpret_cast<Append*>(plan)->appendplans, usage); break;
        case T_MergeAppend: scan_list(reinterpret_cast<MergeAppend*>(plan)->mergeplans, usage); break;
        case T_BitmapAnd: scan_list(reinterpret_cast<BitmapAnd*>(plan)->bitmapplans, usage); break;
        case T_BitmapOr: scan_list(reinterpret_cast<BitmapOr*>(plan)->bitmapplans, usage); break;
        case T_SubqueryScan: scan(reinterpret_cast<SubqueryScan*>(plan)->subplan, usage); break;
        case T_CustomScan: scan_list(reinterpret_cast<CustomScan*>(plan)->custom_plans, usage); break;
        default: break;
    }
    scan(plan->lefttree, usage);
    scan(plan->righttree, usage);
}

PlanOutcome plan_copy(Query* query, const char* text) {
    return pg::call([query, text] {
        auto* copy = static_cast<Query*>(copyObjectImpl(query));
        PlannedStmt* planned = pg_plan_query(copy, text, CURSOR_OPT_PARALLEL_OK, nullptr);
        Usage usage{false, false};
        scan(planned->planTree, &usage);
        scan_list(planned->subplans, &usage);
        return PlanOutcome{planned->planTree->total_cost, usage.uses, usage.index_only};
    });
}

}  // namespace

PlanOutcome plan_as_is(Query* query, const char* text) { return plan_copy(query, text); }

PlanOutcome plan_with(Query* query, const char* text, Oid relid, const Candidate& candidate,
                      double entry_bytes) {
    HookScope scope;
    hypothetical = Hypothetical{};
    hypothetical.relid = relid;
    hypothetical.entry_bytes = entry_bytes;
    int n = 0;
    for (const SortKey& key : candidate.keys) {
        if (n == INDEX_MAX_KEYS)
            break;
        hypothetical.columns[n] = static_cast<AttrNumber>(key.attnum);
        hypothetical.descending[n] = key.descending;
        hypothetical.nulls_first[n] = key.nulls_first;
        ++n;
    }
    hypothetical.key_count = n;
    for (int attnum : candidate.include)
        if (n < INDEX_MAX_KEYS)
            hypothetical.columns[n++] = static_cast<AttrNumber>(attnum);
    hypothetical.column_count = n;
    hypothetical.active = true;
    return plan_copy(query, text);
}

}  // namespace hastecrm_perf::advice
