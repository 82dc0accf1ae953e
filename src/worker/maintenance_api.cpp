// The SQL API of the maintenance jobs (SPEC §5): manage_partitions(),
// unmanage_partitions(), schedule_refresh(), unschedule_refresh() and
// run_maintenance(). Every function checks its input and that the caller owns
// the target before anything changes.
#include <array>
#include <optional>
#include <string>

#include "core/job_schedule.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/identifiers.hpp"
#include "pg/local_settings.hpp"
#include "pg/memory.hpp"
#include "pg/ownership.hpp"
#include "pg/run_as.hpp"
#include "pg/set_result.hpp"
#include "settings.hpp"
#include "worker/job_catalog.hpp"
#include "worker/job_lock.hpp"
#include "worker/maintenance_cycle.hpp"
#include "worker/partition_job.hpp"
#include "worker/refresh_job.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

constexpr int max_premake = 1000;
constexpr std::int64_t max_retention = 1000LL * 12 * 30 * 86'400'000'000LL;  // 1000 years of 360 days

void require_argument(FunctionCallInfo fcinfo, int index, const char* name) {
    if (PG_ARGISNULL(index))
        throw pg::Error(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                        std::string(name) + " must not be NULL");
}

std::string text_argument(FunctionCallInfo fcinfo, int index) {
    const text* value = pg::call([&] { return PG_GETARG_TEXT_PP(index); });
    return std::string(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

IntervalValue interval_argument(FunctionCallInfo fcinfo, int index) {
    const Interval* value = PG_GETARG_INTERVAL_P(index);
    return IntervalValue{value->time, value->day, value->month};
}

void require_positive(const IntervalValue& interval, const char* name) {
    if (interval_micros(interval) <= 0)
        throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                        std::string(name) + " must be a positive interval");
}

// Changes to a job wait for its run to end, as long as a job's own locks
// wait: hastecrm_perf.lock_timeout.
void wait_for_job(Oid target) {
    pg::LocalSettings local;
    local.set("lock_timeout", std::to_string(settings::lock_timeout_ms).c_str());
    try {
        lock_job(target);
    } catch (const pg::PgError& error) {
        if (error.data()->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
            throw;
        throw pg::Error(ERRCODE_LOCK_NOT_AVAILABLE, "the maintenance job of this relation is running",
                        {}, "Try again when it has ended (see pg_stat_activity).");
    }
}

template <typename Body>
void as_extension_owner(Body&& body) {
    pg::RunAs owner(extension_owner(), false);
    body();
}

// unmanage_partitions() and unschedule_refresh(): the job of the relation in
// argument 0 goes; its target stays as it is.
void remove_job(FunctionCallInfo fcinfo, JobKind kind, const char* argument, const char* missing) {
    require_argument(fcinfo, 0, argument);
    const Oid target = PG_GETARG_OID(0);
    pg::require_owner(target);
    wait_for_job(target);
    bool deleted = false;
    as_extension_owner([&] { deleted = delete_job(kind, target); });
    if (deleted)
        return;
    auto resource = pg::ContextResource::current();
    throw pg::Error(ERRCODE_UNDEFINED_OBJECT,
                    "\"" + std::string(pg::relation_name(target, resource).c_str()) + "\" " +
                        missing);
}

}  // namespace

HASTECRM_PERF_FUNCTION(manage_partitions) {
    return pg::guard([&] {
        require_argument(fcinfo, 0, "parent");
        require_argument(fcinfo, 1, "step");
        require_argument(fcinfo, 2, "premake");
        require_argument(fcinfo, 4, "retention_action");
        const Oid parent = PG_GETARG_OID(0);
        const std::string step_text = text_argument(fcinfo, 1);
        PartitionSettings settings;
        const auto step = parse_partition_step(step_text);
        if (!step)
            throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                            "step \"" + step_text + "\" is not recognized",
                            {}, "The step is daily, weekly, monthly, quarterly or yearly.");
        settings.step = *step;
        settings.premake = PG_GETARG_INT32(2);
        if (settings.premake < 1 || settings.premake > max_premake)
            throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                            "premake must be between 1 and " + std::to_string(max_premake),
                            "It counts the partitions made ahead of the current one.");
        if (!PG_ARGISNULL(3)) {
            settings.retention = interval_argument(fcinfo, 3);
            require_positive(*settings.retention, "retention");
            // The cutoff must stay a timestamp PostgreSQL can represent.
            if (interval_micros(*settings.retention) > max_retention)
                throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                                "retention must be at most 1000 years");
        }
        const std::string action = text_argument(fcinfo, 4);
        if (action != "detach" && action != "drop")
            throw pg::Error(ERRCODE_INVALID_PARAMETER_VALUE,
                            "retention_action \"" + action + "\" is not recognized",
                            {}, "It is detach or drop.");
        settings.drop = action == "drop";

        // Ownership first: a stranger's table is not even opened. Then the job
        // lock, before any relation lock, in the order the jobs take them.
        pg::require_owner(parent);
        wait_for_job(parent);
        check_manageable(parent);
        const Datum retention = PG_ARGISNULL(3) ? Datum(0) : PG_GETARG_DATUM(3);
        as_extension_owner([&] {
            save_partition_job(parent, step_name(settings.step), settings.premake,
                               PG_ARGISNULL(3) ? nullptr : &retention, action.c_str());
        });
        // What is missing now.
        auto resource = pg::ContextResource::current();
        int created = 0;
        const PartitionRequest request{parent, pg::relation_owner(parent), &settings, false, false};
        maintain_partitions(request, resource, &created);
        return Int32GetDatum(created);
    });
}

HASTECRM_PERF_FUNCTION(unmanage_partitions) {
    return pg::guard([&] {
        remove_job(fcinfo, JobKind::partitions, "parent", "is not managed by hastecrm_perf");
        PG_RETURN_VOID();
    });
}

HASTECRM_PERF_FUNCTION(schedule_refresh) {
    return pg::guard([&] {
        require_argument(fcinfo, 0, "view");
        require_argument(fcinfo, 1, "every");
        require_argument(fcinfo, 3, "skip_unchanged");
        const Oid view = PG_GETARG_OID(0);
        require_positive(interval_argument(fcinfo, 1), "every");
        const std::optional<bool> concurrently =
            PG_ARGISNULL(2) ? std::nullopt : std::optional<bool>(PG_GETARG_BOOL(2));
        pg::require_owner(view);
        wait_for_job(view);
        check_refreshable(view, concurrently);
        const Datum every = PG_GETARG_DATUM(1);
        const bool skip_unchanged = PG_GETARG_BOOL(3);
        as_extension_owner([&] { save_refresh_job(view, every, concurrently, skip_unchanged); });
        PG_RETURN_VOID();
    });
}

HASTECRM_PERF_FUNCTION(unschedule_refresh) {
    return pg::guard([&] {
        remove_job(fcinfo, JobKind::refresh, "view", "has no scheduled refresh");
        PG_RETURN_VOID();
    });
}

HASTECRM_PERF_FUNCTION(run_maintenance) {
    return pg::guard([&] {
        pg::SetResult result(fcinfo);
        auto resource = pg::ContextResource::current();
        const CycleOptions options{pg::Isolation::subtransaction,
                                   pg::call([] { return superuser(); }) ? InvalidOid : GetUserId(),
                                   false};
        const Vector<JobReport> reports = run_cycle(options, resource);
        for (const JobReport& report : reports) {
            const std::array<Datum, 6> values{
                pg::text_datum(kind_name(report.kind)), pg::text_datum(report.target),
                pg::text_datum(report.action), pg::text_datum(status_name(report.status)),
                report.detail.empty() ? Datum(0) : pg::text_datum(report.detail),
                Float8GetDatum(report.duration_ms)};
            const std::array<bool, 6> nulls{false, false, false, false, report.detail.empty(),
                                            false};
            result.put(values, nulls);
        }
        return Datum(0);
    });
}

}  // namespace hastecrm_perf::worker
