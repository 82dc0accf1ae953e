#include "core/autovacuum_rule.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hastecrm_perf {

namespace {

std::optional<double> parse_number(std::string_view text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// PostgreSQL's parse_bool: any unambiguous prefix of true/false/yes/no, on/off, 1/0.
std::optional<bool> parse_boolean(std::string_view text) {
    char lowered[8] = {};
    if (text.empty() || text.size() >= sizeof lowered)
        return std::nullopt;
    for (std::size_t i = 0; i < text.size(); ++i)
        lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    const std::string_view v(lowered, text.size());
    auto prefix_of = [&](std::string_view word) { return word.starts_with(v); };
    if (prefix_of("true") || prefix_of("yes") || v == "on" || v == "1")
        return true;
    if (prefix_of("false") || prefix_of("no") || v == "off" || v == "of" || v == "0")
        return false;
    return std::nullopt;
}

}  // namespace

AutovacuumReloptions parse_autovacuum_reloptions(std::string_view entries, char separator) {
    AutovacuumReloptions r;
    r.present = !entries.empty();
    while (!entries.empty()) {
        const std::size_t end = entries.find(separator);
        const std::string_view entry = entries.substr(0, end);
        entries = end == std::string_view::npos ? std::string_view{} : entries.substr(end + 1);
        const std::size_t eq = entry.find('=');
        if (eq == std::string_view::npos)
            continue;
        const std::string_view name = entry.substr(0, eq), value = entry.substr(eq + 1);
        if (name == "autovacuum_enabled")
            r.enabled = parse_boolean(value);
        else if (name == "autovacuum_vacuum_threshold")
            r.vacuum_threshold = parse_number(value);
        else if (name == "autovacuum_vacuum_scale_factor")
            r.vacuum_scale_factor = parse_number(value);
        else if (name == "autovacuum_vacuum_insert_threshold")
            r.insert_threshold = parse_number(value);
        else if (name == "autovacuum_vacuum_insert_scale_factor")
            r.insert_scale_factor = parse_number(value);
        else if (name == "autovacuum_analyze_threshold")
            r.analyze_threshold = parse_number(value);
        else if (name == "autovacuum_analyze_scale_factor")
            r.analyze_scale_factor = parse_number(value);
        else if (name == "autovacuum_freeze_max_age") {
            if (const auto v = parse_number(value))
                r.freeze_max_age = static_cast<std::int64_t>(*v);
        } else if (name == "autovacuum_multixact_freeze_max_age") {
            if (const auto v = parse_number(value))
                r.multixact_freeze_max_age = static_cast<std::int64_t>(*v);
        }
    }
    return r;
}

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
