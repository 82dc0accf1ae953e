#include "worker/refresh_job.hpp"

#include <string>

#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/identifiers.hpp"
#include "pg/local_settings.hpp"
#include "pg/memory.hpp"
#include "pg/run_as.hpp"
#include "pg/spi.hpp"
#include "pg/statement_deadline.hpp"
#include "settings.hpp"

extern "C" {
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "rewrite/prs2lock.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace hastecrm_perf::worker {
namespace {

// The view, every view it reads through, and every relation under them
// (partitioned tables down to their leaves). Base materialized views are
// leaves: they change when refreshed, which their storage and counters show.
constexpr const char* sources_sql = R"SQL(
WITH RECURSIVE source(relid) AS (
    SELECT $1::pg_catalog.oid
  UNION
    SELECT n.relid
    FROM source s
    JOIN pg_catalog.pg_class c ON c.oid = s.relid
    CROSS JOIN LATERAL (
        SELECT d.refobjid
        FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_depend d
          ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
        WHERE r.ev_class = c.oid AND (c.oid = $1 OR c.relkind = 'v')
          AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> c.oid
        UNION ALL
        SELECT i.inhrelid FROM pg_catalog.pg_inherits i
        WHERE i.inhparent = c.oid AND c.relkind = 'p'
    ) n(relid)
)
SELECT v.relispopulated,
       EXISTS (SELECT FROM pg_catalog.pg_index i
               WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid
                 AND i.indpred IS NULL AND i.indexprs IS NULL),
       pg_catalog.bool_or(c.relkind NOT IN ('r', 'm', 'p', 'v')),
       pg_catalog.array_agg(c.oid) FILTER (WHERE c.relkind = 'v' OR c.oid = $1),
       pg_catalog.md5(pg_catalog.concat_ws(';',
           -- Counters restart after a crash, a failover or a reset and could
           -- climb back to the stored values: those moments are part of it.
           pg_catalog.pg_postmaster_start_time(),
           pg_catalog.pg_stat_get_db_stat_reset_time(
               (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())),
           pg_catalog.string_agg(
               pg_catalog.concat_ws(':', c.oid, c.relfilenode,
                                    pg_catalog.pg_stat_get_tuples_inserted(c.oid),
                                    pg_catalog.pg_stat_get_tuples_updated(c.oid),
                                    pg_catalog.pg_stat_get_tuples_deleted(c.oid)),
               ',' ORDER BY c.oid) FILTER (WHERE c.relkind IN ('r', 'm') AND c.oid <> $1)))
FROM source s
JOIN pg_catalog.pg_class c ON c.oid = s.relid
CROSS JOIN pg_catalog.pg_class v
WHERE v.oid = $1
GROUP BY v.relispopulated
)SQL";

struct ViewState {
    explicit ViewState(Resource& resource) : signature(&resource) {}
    bool populated = false;
    bool has_unique_index = false;
    bool judgeable = false;  // whether its base tables' signature tells a change
    String signature;
};

// Whether the stored query of a view or materialized view calls anything
// that is not immutable: now(), a function reading other tables...
bool query_is_immutable(Oid relation) {
    return pg::call([relation] {
        bool immutable = true;
        Relation rel = relation_open(relation, AccessShareLock);
        for (int i = 0; rel->rd_rules != nullptr && i < rel->rd_rules->numLocks; ++i) {
            const RewriteRule* rule = rel->rd_rules->rules[i];
            if (rule->event == CMD_SELECT && rule->actions != NIL &&
                contain_mutable_functions(static_cast<Node*>(linitial(rule->actions))))
                immutable = false;
        }
        relation_close(rel, NoLock);
        return immutable;
    });
}

ViewState read_view(Oid view, Resource& resource) {
    ViewState state(resource);
    pg::Spi spi;
    if (spi.execute(sources_sql, {{OIDOID, ObjectIdGetDatum(view)}}) != 1)
        throw pg::Error(ERRCODE_UNDEFINED_TABLE,
                        "relation with OID " + std::to_string(view) + " does not exist");
    bool is_null = false;
    state.populated = DatumGetBool(spi.value(0, 1, &is_null));
    state.has_unique_index = DatumGetBool(spi.value(0, 2, &is_null));
    const bool unknown_kinds = DatumGetBool(spi.value(0, 3, &is_null)) && !is_null;
    const Datum queries = spi.value(0, 4, &is_null);
    bool immutable = true;
    if (!is_null) {
        Datum* elements = nullptr;
        int count = 0;
        pg::call([&] {
            deconstruct_array(DatumGetArrayTypeP(queries), OIDOID, sizeof(Oid), true, TYPALIGN_INT,
                              &elements, nullptr, &count);
        });
        for (int i = 0; i < count && immutable; ++i)
            immutable = query_is_immutable(DatumGetObjectId(elements[i]));
    }
    const auto signature = spi.text(0, 5, resource);  // never NULL: concat_ws
    state.judgeable = pgstat_track_counts && !unknown_kinds && immutable;
    state.signature = *signature;
    return state;
}

}  // namespace

void check_refreshable(Oid view, std::optional<bool> concurrently) {
    const char relkind = pg::call([view] { return get_rel_relkind(view); });
    const char* name = pg::call([view] { return get_rel_name(view); });
    if (name == nullptr)
        throw pg::Error(ERRCODE_UNDEFINED_TABLE,
                        "relation with OID " + std::to_string(view) + " does not exist");
    if (relkind != RELKIND_MATVIEW)
        throw pg::Error(ERRCODE_WRONG_OBJECT_TYPE,
                        "\"" + std::string(name) + "\" is not a materialized view",
                        {}, "schedule_refresh() refreshes materialized views only.");
    if (concurrently.value_or(false)) {
        auto resource = pg::ContextResource::current();
        if (!read_view(view, resource).has_unique_index)
            throw pg::Error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "\"" + std::string(name) + "\" cannot be refreshed concurrently",
                            "It has no unique index on plain columns without a WHERE clause.",
                            "Create such an index, or pass concurrently => NULL.");
    }
}

JobOutcome refresh_view(const Job& job, Resource& resource) {
    JobOutcome outcome(resource);
    const ViewState state = read_view(job.target, resource);
    if (job.refresh.skip_unchanged && state.populated && state.judgeable &&
        job.refresh.signature && *job.refresh.signature == state.signature) {
        outcome.status = JobStatus::skipped;
        outcome.action = "skip";
        outcome.detail = "no base table changed since the last refresh";
        return outcome;
    }
    // An unpopulated view cannot be refreshed concurrently, and nobody can
    // read it meanwhile anyway.
    const bool concurrently =
        state.populated && job.refresh.concurrently.value_or(state.has_unique_index);
    const String name = pg::qualified_relation_name(job.target, resource);
    const String sql = concat(resource, {"REFRESH MATERIALIZED VIEW ",
                                         concurrently ? "CONCURRENTLY " : "", name});
    {
        // Not restricted: CONCURRENTLY needs a temporary table, and REFRESH
        // restricts the view's own query itself.
        pg::RunAs owner(job.owner, false);
        pg::Spi spi;
        pg::LocalSettings local;
        local.set("lock_timeout", std::to_string(settings::lock_timeout_ms).c_str());
        pg::StatementDeadline deadline(settings::refresh_timeout_ms);
        try {
            spi.execute(sql.c_str(), {}, false);
        } catch (const pg::PgError& error) {
            // Our limit, not the user's cancel: a failure of this job only.
            if (error.data()->sqlerrcode == ERRCODE_QUERY_CANCELED && deadline.expired())
                throw pg::Error(ERRCODE_QUERY_CANCELED,
                                "refresh exceeded hastecrm_perf.refresh_timeout (" +
                                    std::to_string(settings::refresh_timeout_ms) + " ms)");
            throw;
        }
    }
    outcome.did_something = true;
    outcome.action = concat(resource, {"refresh", concurrently ? " concurrently" : ""});
    if (!state.judgeable)
        outcome.detail = "base tables cannot be checked for changes";
    // Read before the refresh: a change that commits meanwhile shows on the
    // next check, so it is refreshed again rather than missed.
    outcome.signature.emplace(state.signature.data(), state.signature.size(), &resource);
    return outcome;
}

}  // namespace hastecrm_perf::worker
