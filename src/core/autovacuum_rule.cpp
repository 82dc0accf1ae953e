#include "core/autovacuum_rule.hpp"

#include <algorithm>

namespace hastecrm_perf {

AutovacuumSettings effective_settings(const AutovacuumSettings& server,
                                      const AutovacuumReloptions& own) {
    AutovacuumSettings s = server;
    if (!own.present)
        return s;
    s.enabled = server.enabled && own.enabled.value_or(true);
    s.vacuum_threshold = own.vacuum_threshold.value_or(server.vacuum_threshold);
    s.vacuum_scale_factor = own.vacuum_scale_factor.value_or(server.vacuum_scale_factor);
    s.insert_threshold = own.insert_threshold.value_or(server.insert_threshold);
    s.insert_scale_factor = own.insert_scale_factor.value_or(server.insert_scale_factor);
    s.analyze_threshold = own.analyze_threshold.value_or(server.analyze_threshold);
    s.analyze_scale_factor = own.analyze_scale_factor.value_or(server.analyze_scale_factor);
    // A table's freeze ages can only lower the server's (autovacuum.c takes the minimum).
    if (own.freeze_max_age && *own.freeze_max_age >= 0)
        s.freeze_max_age = std::min(*own.freeze_max_age, server.freeze_max_age);
    if (own.multixact_freeze_max_age && *own.multixact_freeze_max_age >= 0)
        s.multixact_freeze_max_age =
            std::min(*own.multixact_freeze_max_age, server.multixact_freeze_max_age);
    return s;
}

AutovacuumSettings effective_toast_settings(const AutovacuumSettings& server,
                                            const AutovacuumReloptions& toast,
                                            const AutovacuumReloptions& main) {
    return effective_settings(server, toast.present ? toast : main);
}

AutovacuumVerdict judge_autovacuum(const AutovacuumSettings& s, const TableActivity& a) {
    AutovacuumVerdict v;
    if (a.kind == RelationKind::partitioned) {
        v.processed = false;
        return v;
    }
    const double reltuples = a.reltuples < 0 ? 0 : a.reltuples;
    v.vacuum_limit = s.vacuum_threshold + s.vacuum_scale_factor * reltuples;
    v.analyze_limit = s.analyze_threshold + s.analyze_scale_factor * reltuples;
    if (s.insert_threshold >= 0)
        v.insert_limit = s.insert_threshold + s.insert_scale_factor * reltuples;
    v.wraparound_due = a.xid_age > s.freeze_max_age || a.multixact_age > s.multixact_freeze_max_age;
    if (!s.enabled)
        return v;
    v.vacuum_due = a.dead_tuples > v.vacuum_limit;
    v.insert_due = v.insert_limit >= 0 && a.inserts_since_vacuum > v.insert_limit;
    v.analyze_due = a.kind != RelationKind::toast && a.changes_since_analyze > v.analyze_limit;
    return v;
}

double scale_factor_for_rate(double reltuples, double dead_per_hour, double interval_hours,
                             double threshold) {
    if (reltuples <= 0)
        return 0.2;
    const double wanted = (dead_per_hour * interval_hours - threshold) / reltuples;
    return std::clamp(wanted, 0.001, 0.2);
}

}  // namespace hastecrm_perf
