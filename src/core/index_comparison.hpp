// When one index makes another redundant. Two indexes are compared key column
// by key column: the same table column or the same expression (as PostgreSQL
// deparses it), the same operator class, collation and ordering flags (ASC or
// DESC, NULLS FIRST or LAST); INCLUDE columns are not keys. Their access
// methods and predicates must be the same. For B-trees a leading prefix is
// enough: (a) is served by (a, b). A unique index is only ever redundant with
// one that has the same keys and is unique as well, since it enforces
// something the longer one does not; and an index behind a constraint is
// never the one to drop.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace hastecrm_perf {

struct IndexKey {
    int attnum = 0;                 // 0: an expression
    std::string_view expression;    // deparsed, for attnum 0
    std::uint32_t opclass = 0;
    std::uint32_t collation = 0;
    int options = 0;                // pg_index.indoption: 1 DESC, 2 NULLS FIRST

    bool operator==(const IndexKey& other) const noexcept;
};

struct IndexShape {
    std::uint32_t oid = 0;
    std::uint32_t access_method = 0;
    bool btree = false;
    std::span<const IndexKey> keys;
    std::span<const int> include;   // attnums of INCLUDE columns
    std::string_view predicate;     // deparsed; empty: not partial
    bool unique = false;
    bool backs_constraint = false;  // primary key, unique or exclusion constraint
    bool valid = true;
};

enum class Redundancy { none, same_keys, prefix };

// Whether `index` is made redundant by `other` (of the same table).
Redundancy redundant_with(const IndexShape& index, const IndexShape& other) noexcept;

// For two indexes with the same keys each redundant with the other: whether
// `index` is the one to drop (keep constraints, then uniqueness, then more
// INCLUDE columns, then the older index, by oid). Never true for an index
// behind a constraint.
bool drop_first_of_equals(const IndexShape& index, const IndexShape& other) noexcept;

}  // namespace hastecrm_perf
