// health(): every check of the catalog, each in a subtransaction of its own,
// findings sorted worst first. Muted checks do not run; muted objects are
// left out.
#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "core/health_catalog.hpp"
#include "health/check_context.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/isolation.hpp"
#include "pg/local_settings.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"

extern "C" {
#include "access/xlog.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::health {
namespace {

using CheckFunction = void (*)(CheckContext&);

struct Runner {
    std::string_view name;
    CheckFunction run;
};

constexpr std::array runners{
    Runner{"cache_hit", check_cache_hit},
    Runner{"connections", check_connections},
    Runner{"long_transactions", check_long_transactions},
    Runner{"memory", check_memory},
    Runner{"autovacuum", check_autovacuum},
    Runner{"wraparound", check_wraparound},
    Runner{"unused_indexes", check_unused_indexes},
    Runner{"duplicate_indexes", check_duplicate_indexes},
    Runner{"invalid_indexes", check_invalid_indexes},
    Runner{"fk_without_index", check_fk_without_index},
    Runner{"sequences", check_sequences},
    Runner{"replication", check_replication},
    Runner{"bloat", check_bloat},
    Runner{"slow_queries", check_slow_queries},
    Runner{"n_plus_one", check_n_plus_one},
    Runner{"lock_waits", check_lock_waits},
};

const HealthCheck& catalog_entry(std::string_view name) {
    for (const HealthCheck& check : health_checks())
        if (check.name == name)
            return check;
    throw pg::Error(ERRCODE_INTERNAL_ERROR, "health check missing from the catalog");
}

void run_checks(const HealthSettings& settings, Findings& findings, bool in_recovery) {
    Resource& resource = findings.resource();
    for (const Runner& runner : runners) {
        if (settings.muted(runner.name, ""))
            continue;
        if (in_recovery && catalog_entry(runner.name).needs_primary) {
            findings.add(runner.name, Severity::info, "", "", "",
                         "not judged on a standby: this check needs a primary's statistics", "");
            continue;
        }
        const std::size_t before = findings.rows().size();
        std::optional<pg::Failure> failure =
            pg::run_isolated(pg::Isolation::subtransaction, resource, [&] {
                pg::Spi spi;
                CheckContext context{runner.name, spi, resource, settings, findings, in_recovery};
                runner.run(context);
            });
        if (!failure)
            continue;
        if (failure->canceled)
            throw pg::Error(ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
        // What the check found before it failed is incomplete: report the failure instead.
        findings.truncate(before);
        findings.add(runner.name, Severity::info, "", "", "",
                     concat(resource, {"the check failed: ", failure->message}), "");
    }
}

int rank(Severity severity) {
    switch (severity) {
        case Severity::critical: return 0;
        case Severity::warning: return 1;
        case Severity::info: return 2;
        case Severity::none: break;
    }
    return 3;
}

int check_order(std::string_view check) {
    for (std::size_t i = 0; i < runners.size(); ++i)
        if (runners[i].name == check)
            return static_cast<int>(i);
    return static_cast<int>(runners.size());
}

}  // namespace
}  // namespace hastecrm_perf::health

namespace hp = hastecrm_perf;
namespace hh = hastecrm_perf::health;

HASTECRM_PERF_FUNCTION(health) {
    return hp::pg::guard([&]() -> Datum {
        hp::pg::SetResult result(fcinfo);
        auto resource = hp::pg::ContextResource::current();
        const bool in_recovery = hp::pg::call([] { return RecoveryInProgress(); });
        std::optional<hh::HealthSettings> settings;
        {
            hp::pg::Spi spi;
            settings.emplace(spi, resource);
        }
        hh::Findings findings(resource);
        {
            // The catalog queries of a large schema pass jit_above_cost:
            // compiling them costs several times what running them does.
            hp::pg::LocalSettings local;
            local.set("jit", "off");
            hh::run_checks(*settings, findings, in_recovery);
        }

        hp::Vector<const hh::Finding*> order(&resource);
        for (const hh::Finding& f : findings.rows())
            if (!settings->muted(f.check, f.object))
                order.push_back(&f);
        std::stable_sort(order.begin(), order.end(), [](const hh::Finding* a, const hh::Finding* b) {
            if (hh::rank(a->severity) != hh::rank(b->severity))
                return hh::rank(a->severity) < hh::rank(b->severity);
            return hh::check_order(a->check) < hh::check_order(b->check);
        });
        for (const hh::Finding* f : order) {
            const std::array<const hp::String*, 5> texts{&f->object, &f->value, &f->threshold,
                                                         &f->detail, &f->advice};
            std::array<Datum, 8> values{};
            std::array<bool, 8> nulls{};
            values[0] = hp::pg::text_datum(f->check);
            values[1] = hp::pg::text_datum(hp::to_string(f->severity));
            for (std::size_t i = 0; i < texts.size(); ++i) {
                nulls[i + 2] = texts[i]->empty();
                if (!nulls[i + 2])
                    values[i + 2] = hp::pg::text_datum(*texts[i]);
            }
            nulls[7] = !f->since.has_value();
            if (f->since)
                values[7] = TimestampTzGetDatum(*f->since);
            result.put(values, nulls);
        }
        return Datum(0);
    });
}

// The catalog as rows, for the health_checks view: one row per parameter,
// and one with NULL parameter for a check that has none.
HASTECRM_PERF_FUNCTION(health_catalog) {
    return hp::pg::guard([&]() -> Datum {
        hp::pg::SetResult result(fcinfo);
        for (const hp::HealthCheck& check : hp::health_checks()) {
            bool any = false;
            auto put = [&](const hp::HealthParameter* p) {
                std::array<Datum, 8> values{};
                std::array<bool, 8> nulls{};
                values[0] = hp::pg::text_datum(check.name);
                values[1] = hp::pg::text_datum(check.reports);
                values[2] = BoolGetDatum(check.needs_primary);
                values[3] = BoolGetDatum(check.needs_history);
                nulls[4] = nulls[5] = nulls[6] = nulls[7] = p == nullptr;
                if (p != nullptr) {
                    values[4] = hp::pg::text_datum(p->name);
                    values[5] = Float8GetDatum(p->default_value);
                    values[6] = hp::pg::text_datum(p->unit);
                    values[7] = hp::pg::text_datum(p->meaning);
                }
                result.put(values, nulls);
            };
            for (const hp::HealthParameter& p : hp::health_parameters())
                if (p.check == check.name) {
                    put(&p);
                    any = true;
                }
            if (!any)
                put(nullptr);
        }
        return Datum(0);
    });
}

// For the CHECK constraint of health_settings: a known check, and a known
// parameter of it or 'mute'.
HASTECRM_PERF_FUNCTION(health_setting_known) {
    return hp::pg::guard([&]() -> Datum {
        if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
            return BoolGetDatum(false);
        const text* check_arg = hp::pg::call([&] { return PG_GETARG_TEXT_PP(0); });
        const text* parameter_arg = hp::pg::call([&] { return PG_GETARG_TEXT_PP(1); });
        const std::string_view check(VARDATA_ANY(check_arg), VARSIZE_ANY_EXHDR(check_arg));
        const std::string_view parameter(VARDATA_ANY(parameter_arg), VARSIZE_ANY_EXHDR(parameter_arg));
        const bool known = hp::is_health_check(check) &&
                           (parameter == "mute" || hp::find_health_parameter(check, parameter) != nullptr);
        return BoolGetDatum(known);
    });
}
