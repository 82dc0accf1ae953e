// Whether an index serves the lookups a foreign key makes on the referencing
// table (on every DELETE or key UPDATE of a referenced row): its leading key
// columns, in any order among themselves, must be exactly the foreign key's
// columns — (fk, x) covers fk, (x, fk) does not — and it must be a valid
// B-tree. A partial index counts only when its predicate merely requires
// foreign key columns to be NOT NULL: rows with a NULL key are never looked
// up (MATCH SIMPLE), so every row the check needs is in the index.
#pragma once

#include <span>
#include <string_view>

namespace hastecrm_perf {

struct CoveringIndex {
    bool btree = false;
    bool valid = true;
    std::span<const int> key_attnums;  // key columns in order (0: expression)
    std::string_view predicate;        // deparsed; empty: not partial
};

// `fk_names` are the foreign key's column names as the deparser writes them
// (quoted where needed), in the order of `fk_attnums`.
bool covers_foreign_key(std::span<const int> fk_attnums, std::span<const std::string_view> fk_names,
                        const CoveringIndex& index) noexcept;

// True when `predicate` is a conjunction of "<column> IS NOT NULL" over
// columns among `names` only, as pg_get_expr deparses it.
bool predicate_only_requires_not_null(std::string_view predicate,
                                      std::span<const std::string_view> names) noexcept;

}  // namespace hastecrm_perf
