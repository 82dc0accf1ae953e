#include "advice/statement_use.hpp"

#include "core/query_text.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/tree_walker.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace hastecrm_perf::advice {
namespace {

// How a statement touches one column of one of its tables. Plain data: it is
// collected inside pg::call, where nothing with a destructor may live.
enum class Role : char { equality, range, sort, read, whole_row };
struct ColumnRef {
    Index rti;
    AttrNumber attnum;
    Role role;
    bool descending;
    bool nulls_first;
};
struct Refs {
    ColumnRef* items;
    int count;
    int room;
};

void add(Refs* refs, Index rti, AttrNumber attnum, Role role, bool descending = false,
         bool nulls_first = false) {
    if (refs->count == refs->room) {
        refs->room *= 2;
        refs->items = static_cast<ColumnRef*>(repalloc(refs->items, sizeof(ColumnRef) * refs->room));
    }
    refs->items[refs->count++] = ColumnRef{rti, attnum, role, descending, nulls_first};
}

Node* stripped(Node* node) {
    while (node && IsA(node, RelabelType))
        node = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(node)->arg);
    return node;
}

// A column of a table of this query level.
Var* column_of(Query* query, Node* node) {
    node = stripped(node);
    if (!node || !IsA(node, Var))
        return nullptr;
    auto* var = reinterpret_cast<Var*>(node);
    if (var->varlevelsup != 0 || var->varattno <= 0 || var->varno < 1 ||
        var->varno > static_cast<int>(list_length(query->rtable)))
        return nullptr;
    RangeTblEntry* rte = rt_fetch(var->varno, query->rtable);
    if (rte->rtekind != RTE_RELATION ||
        (rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_MATVIEW))
        return nullptr;
    return var;
}

struct VarnoSearch {
    int varno;
    bool found;
};

bool mentions_walker(Node* node, VarnoSearch* search) {
    if (!node)
        return false;
    if (IsA(node, Var)) {
        auto* var = reinterpret_cast<Var*>(node);
        if (var->varlevelsup == 0 && var->varno == search->varno)
            search->found = true;
        return search->found;
    }
    return expression_tree_walker(node, pg::as_walker(mentions_walker), search);
}

bool mentions(Node* node, int varno) {
    VarnoSearch search{varno, false};
    mentions_walker(node, &search);
    return search.found;
}

// The B-tree strategy of `op` applied to a column of `type`, 0 if none.
int strategy_of(Oid op, Oid type) {
    const Oid opclass = GetDefaultOpClass(type, BTREE_AM_OID);
    if (!OidIsValid(opclass))
        return 0;
    return get_op_opfamily_strategy(op, get_opclass_family(opclass));
}

void one_side(Refs* refs, Query* query, Var* var, Node* other, Oid op) {
    if (mentions(other, var->varno) || contain_volatile_functions(other))
        return;
    const int strategy = strategy_of(op, var->vartype);
    if (strategy == BTEqualStrategyNumber)
        add(refs, var->varno, var->varattno, Role::equality);
    else if (strategy != 0)
        add(refs, var->varno, var->varattno, Role::range);
    (void)query;
}

void conjunct(Refs* refs, Query* query, Node* clause) {
    clause = stripped(clause);
    if (!clause)
        return;
    if (IsA(clause, BoolExpr) && reinterpret_cast<BoolExpr*>(clause)->boolop == AND_EXPR) {
        ListCell* cell;
        foreach (cell, reinterpret_cast<BoolExpr*>(clause)->args)
            conjunct(refs, query, static_cast<Node*>(lfirst(cell)));
        return;
    }
    if (IsA(clause, OpExpr)) {
        auto* op = reinterpret_cast<OpExpr*>(clause);
        if (list_length(op->args) != 2)
            return;
        Node* left = static_cast<Node*>(linitial(op->args));
        Node* right = static_cast<Node*>(lsecond(op->args));
        if (Var* var = column_of(query, left))
            one_side(refs, query, var, right, op->opno);
        if (Var* var = column_of(query, right)) {
            const Oid commuted = get_commutator(op->opno);
            if (OidIsValid(commuted))
                one_side(refs, query, var, left, commuted);
        }
        return;
    }
    if (IsA(clause, ScalarArrayOpExpr)) {
        auto* op = reinterpret_cast<ScalarArrayOpExpr*>(clause);
        Var* var = column_of(query, static_cast<Node*>(linitial(op->args)));
        if (op->useOr && var && !mentions(static_cast<Node*>(lsecond(op->args)), var->varno) &&
            strategy_of(op->opno, var->vartype) == BTEqualStrategyNumber)
            add(refs, var->varno, var->varattno, Role::equality);
    }
}

void join_tree(Refs* refs, Query* query, Node* node) {
    if (!node)
        return;
    if (IsA(node, FromExpr)) {
        auto* from = reinterpret_cast<FromExpr*>(node);
        ListCell* cell;
        foreach (cell, from->fromlist)
            join_tree(refs, query, static_cast<Node*>(lfirst(cell)));
        conjunct(refs, query, from->quals);
    } else if (IsA(node, JoinExpr)) {
        auto* join = reinterpret_cast<JoinExpr*>(node);
        join_tree(refs, query, join->larg);
        join_tree(refs, query, join->rarg);
        conjunct(refs, query, join->quals);
    }
}

// ORDER BY ... LIMIT on the columns of one table: an index in that order
// lets the scan stop at the limit.
void sort_keys(Refs* refs, Query* query) {
    if (!query->limitCount || !query->sortClause || query->hasAggs || query->groupClause ||
        query->distinctClause || query->hasWindowFuncs || query->setOperations)
        return;
    const int first = refs->count;
    Index table = 0;
    ListCell* cell;
    foreach (cell, query->sortClause) {
        auto* clause = static_cast<SortGroupClause*>(lfirst(cell));
        TargetEntry* entry = get_sortgroupclause_tle(clause, query->targetList);
        Var* var = column_of(query, reinterpret_cast<Node*>(entry->expr));
        Oid family, input_type;
        int16 strategy;
        if (!var || (table != 0 && static_cast<Index>(var->varno) != table) ||
            !get_ordering_op_properties(clause->sortop, &family, &input_type, &strategy)) {
            refs->count = first;  // sorted by something an index of one table cannot give
            return;
        }
        table = var->varno;
        add(refs, var->varno, var->varattno, Role::sort, strategy == BTGreaterStrategyNumber,
            clause->nulls_first);
    }
}

struct ReadWalk {
    Refs* refs;
    Query* query;
};

bool read_walker(Node* node, ReadWalk* walk) {
    if (!node)
        return false;
    if (IsA(node, Query))
        return false;  // a subquery's columns are its own
    if (IsA(node, Var)) {
        auto* var = reinterpret_cast<Var*>(node);
        if (var->varlevelsup == 0 && var->varno >= 1 &&
            var->varno <= static_cast<int>(list_length(walk->query->rtable)))
            add(walk->refs, var->varno, var->varattno,
                var->varattno > 0 ? Role::read : Role::whole_row);
        return false;
    }
    return expression_tree_walker(node, pg::as_walker(read_walker), walk);
}

struct Collected {
    Query* query;
    Refs refs;
};

// Inside pg::call: PostgreSQL data only.
Collected collect(const char* text) {
    List* parsed = pg_parse_query(text);
    if (list_length(parsed) != 1)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("index advice takes one statement at a time")));
    Oid* types = nullptr;
    int count = 0;
    List* queries = pg_analyze_and_rewrite_varparams(static_cast<RawStmt*>(linitial(parsed)), text,
                                                     &types, &count, nullptr);
    if (list_length(queries) != 1)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("a statement rewritten into several is not advised on")));
    Query* query = static_cast<Query*>(linitial(queries));
    if (query->commandType != CMD_SELECT && query->commandType != CMD_UPDATE &&
        query->commandType != CMD_DELETE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("only SELECT, UPDATE and DELETE are advised on")));
    for (int i = 0; i < count; ++i)
        if (types[i] == InvalidOid || types[i] == UNKNOWNOID)
            ereport(ERROR, (errcode(ERRCODE_INDETERMINATE_DATATYPE),
                            errmsg("could not determine the type of parameter $%d", i + 1)));

    Collected out{query, Refs{static_cast<ColumnRef*>(palloc(sizeof(ColumnRef) * 32)), 0, 32}};
    join_tree(&out.refs, query, reinterpret_cast<Node*>(query->jointree));
    sort_keys(&out.refs, query);
    ReadWalk walk{&out.refs, query};
    query_tree_walker(query, pg::as_walker(read_walker), &walk, QTW_IGNORE_RANGE_TABLE);
    if (query->resultRelation > 0)  // the row itself is fetched to be changed
        add(&out.refs, query->resultRelation, 0, Role::whole_row);
    return out;
}

struct ColumnFacts {
    double distinct;
    int width;
    bool fixed;
};

// Statistics of a column: distinct values (n_distinct, scaled when it is a
// fraction of the rows) and average width.
ColumnFacts facts_of(Oid relid, AttrNumber attnum) {
    ColumnFacts facts{0, get_attavgwidth(relid, attnum), false};
    const Oid type = get_atttype(relid, attnum);
    facts.fixed = get_typlen(type) > 0;
    if (facts.width <= 0)
        facts.width = facts.fixed ? get_typlen(type) : 32;
    HeapTuple tuple = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid), Int16GetDatum(attnum),
                                      BoolGetDatum(false));
    if (HeapTupleIsValid(tuple)) {
        const float4 stadistinct = reinterpret_cast<Form_pg_statistic>(GETSTRUCT(tuple))->stadistinct;
        ReleaseSysCache(tuple);
        if (stadistinct > 0) {
            facts.distinct = stadistinct;
        } else if (stadistinct < 0) {
            HeapTuple rel = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
            if (HeapTupleIsValid(rel)) {
                const float4 rows = reinterpret_cast<Form_pg_class>(GETSTRUCT(rel))->reltuples;
                ReleaseSysCache(rel);
                facts.distinct = -stadistinct * (rows > 0 ? rows : 1);
            }
        }
    }
    return facts;
}

TableStatementUse& table_for(AnalyzedStatement& out, Oid relid) {
    for (TableStatementUse& table : out.tables)
        if (table.relid == relid)
            return table;
    return out.tables.emplace_back(relid, *out.tables.get_allocator().resource());
}

}  // namespace

void analyze_statement(const char* normalized, AnalyzedStatement& out) {
    out.text = reparsable_query(normalized, *out.tables.get_allocator().resource());
    const char* text = out.text.c_str();
    const Collected collected = pg::call([text] { return collect(text); });
    out.query = collected.query;
    out.tables.reserve(static_cast<std::size_t>(list_length(collected.query->rtable)));
    for (int i = 0; i < collected.refs.count; ++i) {
        const ColumnRef& ref = collected.refs.items[i];
        RangeTblEntry* rte = rt_fetch(ref.rti, collected.query->rtable);
        if (rte->rtekind != RTE_RELATION ||
            (rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_MATVIEW))
            continue;
        TableUse& use = table_for(out, rte->relid).use;
        if (ref.role == Role::whole_row) {
            use.reads_whole_row = true;
            continue;
        }
        const Oid relid = rte->relid;
        const AttrNumber attnum = ref.attnum;
        const ColumnFacts facts = pg::call([relid, attnum] { return facts_of(relid, attnum); });
        const ColumnUse column{attnum, facts.distinct, facts.width, facts.fixed};
        switch (ref.role) {
            case Role::equality: use.equality.push_back(column); break;
            case Role::range: use.range.push_back(column); break;
            case Role::sort: use.sort.push_back(SortKey{attnum, ref.descending, ref.nulls_first}); break;
            case Role::read: use.read.push_back(column); break;
            case Role::whole_row: break;
        }
    }
}

}  // namespace hastecrm_perf::advice
