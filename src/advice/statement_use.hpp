// A stored statement, parsed and analyzed again, and what it does with each
// table it reads: the input of the index candidates (core/index_candidate).
//
// The text is the normalized one of the latency table: its literals are $n
// parameters, whose types the analysis infers, so the planner gives the
// generic plan, as for a prepared statement.
#pragma once

#include "core/containers.hpp"
#include "core/index_candidate.hpp"

extern "C" {
#include "postgres.h"
#include "nodes/parsenodes.h"
}

namespace hastecrm_perf::advice {

struct TableStatementUse {
    TableStatementUse(Oid relid, Resource& resource) : relid(relid), use(resource) {}
    Oid relid;
    TableUse use;
};

struct AnalyzedStatement {
    explicit AnalyzedStatement(Resource& resource) : text(&resource), tables(&resource) {}
    Query* query = nullptr;     // palloc'd; plan a copy of it
    String text;                // as it was parsed
    Vector<TableStatementUse> tables;
};

// Parses and analyzes `text` (one statement: SELECT, UPDATE or DELETE) and
// collects its table uses. Raises (as a C++ exception) when the text does not
// analyze: run it where a failure can be rolled back.
void analyze_statement(const char* text, AnalyzedStatement& out);

}  // namespace hastecrm_perf::advice
