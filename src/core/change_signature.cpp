#include "core/change_signature.hpp"

#include <algorithm>
#include <cstdio>

namespace hastecrm_perf {
namespace {

// FNV-1a, 64 bits: stable across builds and machines, unlike std::hash; the
// fingerprint is stored and compared on later runs.
class Fnv1a {
public:
    void add(std::uint64_t value) {
        for (int byte = 0; byte < 8; ++byte) {
            hash_ ^= (value >> (8 * byte)) & 0xff;
            hash_ *= 0x100000001b3ULL;
        }
    }
    void add(std::string_view text) {
        add(text.size());  // "ab"+"c" and "a"+"bc" differ
        for (const char c : text) {
            hash_ ^= static_cast<unsigned char>(c);
            hash_ *= 0x100000001b3ULL;
        }
    }
    std::uint64_t value() const { return hash_; }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

String change_signature(Vector<TableCounters>& tables, const CounterEpoch& epoch,
                        std::span<const SettingValue> settings, Resource& resource) {
    std::sort(tables.begin(), tables.end(),
              [](const TableCounters& a, const TableCounters& b) { return a.relid < b.relid; });
    tables.erase(std::unique(tables.begin(), tables.end(),
                             [](const TableCounters& a, const TableCounters& b) {
                                 return a.relid == b.relid;
                             }),
                 tables.end());
    Fnv1a hash;
    hash.add(static_cast<std::uint64_t>(epoch.server_started));
    hash.add(static_cast<std::uint64_t>(epoch.stats_reset));
    hash.add(tables.size());
    for (const TableCounters& table : tables) {
        hash.add(table.relid);
        hash.add(table.storage);
        hash.add(static_cast<std::uint64_t>(table.inserted));
        hash.add(static_cast<std::uint64_t>(table.updated));
        hash.add(static_cast<std::uint64_t>(table.deleted));
    }
    for (const SettingValue& setting : settings) {
        hash.add(setting.name);
        hash.add(setting.value);
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash.value()));
    return String(text, &resource);
}

}  // namespace hastecrm_perf
