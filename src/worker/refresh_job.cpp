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
#include "worker/view_state.hpp"

extern "C" {
#include "catalog/pg_class.h"
#include "utils/lsyscache.h"
}

namespace hastecrm_perf::worker {

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
        if (!read_view_state(view, resource).has_unique_index)
            throw pg::Error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "\"" + std::string(name) + "\" cannot be refreshed concurrently",
                            "It has no unique index on plain columns without a WHERE clause.",
                            "Create such an index, or pass concurrently => NULL.");
    }
}

JobOutcome refresh_view(const Job& job, Resource& resource) {
    JobOutcome outcome(resource);
    // Every lock of the job, from reading the view on, waits at most this.
    pg::LocalSettings local;
    local.set("lock_timeout", std::to_string(settings::lock_timeout_ms).c_str());
    // The share lock of the reading is released, so that REFRESH takes its
    // stronger one afresh rather than upgrading (see read_view_state).
    const ViewState state = read_view_state(job.target, resource, false);
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
        outcome.detail = concat(resource, {"base tables cannot be checked for changes: ",
                                           state.unjudgeable_because});
    // Read before the refresh: a change that commits meanwhile shows on the
    // next check, so it is refreshed again rather than missed.
    outcome.signature.emplace(state.signature.data(), state.signature.size(), &resource);
    return outcome;
}

}  // namespace hastecrm_perf::worker
