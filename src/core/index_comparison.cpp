#include "core/index_comparison.hpp"

#include <algorithm>

namespace hastecrm_perf {

bool IndexKey::operator==(const IndexKey& other) const noexcept {
    if (attnum != other.attnum || opclass != other.opclass || collation != other.collation ||
        options != other.options)
        return false;
    return attnum != 0 || expression == other.expression;
}

namespace {

bool contains(std::span<const int> set, int attnum) {
    return std::find(set.begin(), set.end(), attnum) != set.end();
}

// Every INCLUDE column of `index` is stored by `other` too (as key or INCLUDE),
// so an index-only scan that `index` allows, `other` allows as well.
bool stores_includes_of(const IndexShape& index, const IndexShape& other) {
    for (const int attnum : index.include) {
        const bool as_key = std::any_of(other.keys.begin(), other.keys.end(),
                                        [&](const IndexKey& k) { return k.attnum == attnum; });
        if (!as_key && !contains(other.include, attnum))
            return false;
    }
    return true;
}

}  // namespace

Redundancy redundant_with(const IndexShape& index, const IndexShape& other) noexcept {
    if (index.oid == other.oid || !other.valid || index.backs_constraint)
        return Redundancy::none;
    if (index.access_method != other.access_method || index.predicate != other.predicate)
        return Redundancy::none;
    if (index.keys.empty() || index.keys.size() > other.keys.size())
        return Redundancy::none;
    if (!std::equal(index.keys.begin(), index.keys.end(), other.keys.begin()))
        return Redundancy::none;
    if (!stores_includes_of(index, other))
        return Redundancy::none;
    if (index.keys.size() == other.keys.size()) {
        if (index.unique && !other.unique)
            return Redundancy::none;
        return Redundancy::same_keys;
    }
    // A shorter key list: only B-trees search by a leading prefix, and a
    // unique index enforces what the longer one cannot.
    if (!index.btree || index.unique)
        return Redundancy::none;
    return Redundancy::prefix;
}

bool drop_first_of_equals(const IndexShape& index, const IndexShape& other) noexcept {
    if (index.backs_constraint)
        return false;
    if (other.backs_constraint)
        return true;
    if (index.unique != other.unique)
        return other.unique;
    if (index.include.size() != other.include.size())
        return index.include.size() < other.include.size();
    return index.oid > other.oid;
}

}  // namespace hastecrm_perf
