#include "core/top_statements.hpp"

#include <algorithm>

namespace hastecrm_perf {

Vector<KeptStatement> keep_top_statements(const Vector<StatementDelta>& deltas, std::size_t top,
                                          Resource& resource) {
    Vector<const StatementDelta*> order(&resource);
    order.reserve(deltas.size());
    for (const StatementDelta& delta : deltas)
        order.push_back(&delta);
    const auto busier = [](const StatementDelta* a, const StatementDelta* b) {
        if (a->counts.total_us != b->counts.total_us)
            return a->counts.total_us > b->counts.total_us;
        return a->key < b->key;
    };
    const std::size_t kept = std::min(top, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kept), order.end(),
                      busier);

    Vector<KeptStatement> out(&resource);
    out.reserve(kept + 8);
    for (std::size_t i = 0; i < kept; ++i)
        out.push_back(KeptStatement{false, *order[i]});

    // The rest, by database.
    Vector<const StatementDelta*> rest(order.begin() + static_cast<std::ptrdiff_t>(kept), order.end(),
                                       &resource);
    std::sort(rest.begin(), rest.end(), [](auto* a, auto* b) { return a->key.dbid < b->key.dbid; });
    for (std::size_t i = 0; i < rest.size();) {
        KeptStatement other{true, StatementDelta{}};
        other.delta.key.dbid = rest[i]->key.dbid;
        std::optional<std::uint64_t> max_us;
        bool max_known = true;
        for (; i < rest.size() && rest[i]->key.dbid == other.delta.key.dbid; ++i) {
            add_counts(other.delta.counts, rest[i]->counts);
            if (rest[i]->max_us)
                max_us = std::max(max_us.value_or(0), *rest[i]->max_us);
            else
                max_known = false;
        }
        // The remainder's maximum is known only when every part's is.
        if (max_known)
            other.delta.max_us = max_us;
        out.push_back(other);
    }
    return out;
}

}  // namespace hastecrm_perf
