#include "core/index_candidate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hastecrm_perf {
namespace {

bool has_key(const Vector<SortKey>& keys, int attnum) {
    return std::any_of(keys.begin(), keys.end(), [attnum](const SortKey& k) { return k.attnum == attnum; });
}

bool has_column(const Vector<int>& columns, int attnum) {
    return std::find(columns.begin(), columns.end(), attnum) != columns.end();
}

// Most selective first; unknown selectivity last; ties by column order.
void by_selectivity(Vector<ColumnUse>& columns) {
    std::stable_sort(columns.begin(), columns.end(), [](const ColumnUse& a, const ColumnUse& b) {
        if (a.distinct != b.distinct)
            return a.distinct > b.distinct;
        return a.attnum < b.attnum;
    });
}

// The same column named twice (a = $1 AND a = $2) counts once.
void without_repeats(Vector<ColumnUse>& columns) {
    Vector<ColumnUse> kept(columns.get_allocator().resource());
    for (const ColumnUse& c : columns)
        if (std::none_of(kept.begin(), kept.end(), [&](const ColumnUse& k) { return k.attnum == c.attnum; }))
            kept.push_back(c);
    columns.swap(kept);
}

bool narrow(const ColumnUse& column) {
    return column.fixed_width ? column.width <= 16 : column.width <= max_include_width;
}

bool same_direction(const SortKey& a, const SortKey& b) {
    return a.descending == b.descending && a.nulls_first == b.nulls_first;
}

bool reversed(const SortKey& a, const SortKey& b) {
    return a.descending != b.descending && a.nulls_first != b.nulls_first;
}

}  // namespace

Vector<Candidate> index_candidates(const TableUse& use, Resource& resource) {
    Vector<Candidate> out(&resource);
    out.reserve(2);
    Candidate& plain = out.emplace_back(resource);

    Vector<ColumnUse> equality(use.equality.begin(), use.equality.end(), &resource);
    without_repeats(equality);
    by_selectivity(equality);
    for (const ColumnUse& c : equality)
        plain.keys.push_back(SortKey{c.attnum, false, false});
    plain.equality_keys = static_cast<int>(plain.keys.size());

    if (!use.sort.empty()) {
        // ORDER BY ... LIMIT: the index hands rows over in order and the scan
        // stops at the limit. Keys already fixed by equality need no place.
        for (const SortKey& k : use.sort)
            if (!has_key(plain.keys, k.attnum))
                plain.keys.push_back(k);
        plain.ordered = plain.keys.size() > static_cast<std::size_t>(plain.equality_keys);
    } else if (!use.range.empty()) {
        // One range column: a B-tree narrows on the first range key only.
        Vector<ColumnUse> range(use.range.begin(), use.range.end(), &resource);
        without_repeats(range);
        by_selectivity(range);
        for (const ColumnUse& c : range)
            if (!has_key(plain.keys, c.attnum)) {
                plain.keys.push_back(SortKey{c.attnum, false, false});
                break;
            }
    }
    if (plain.keys.empty()) {
        out.clear();
        return out;
    }

    // Covering: the rest of what the statement reads, when it is little.
    Candidate& covering = out.emplace_back(resource);
    covering.keys = plain.keys;
    covering.equality_keys = plain.equality_keys;
    covering.ordered = plain.ordered;
    bool coverable = !use.reads_whole_row;
    for (const ColumnUse& c : use.read) {
        if (has_key(plain.keys, c.attnum) || has_column(covering.include, c.attnum))
            continue;
        if (!narrow(c) || covering.include.size() == max_include_columns) {
            coverable = false;
            break;
        }
        covering.include.push_back(c.attnum);
    }
    if (coverable && !covering.include.empty())
        std::sort(covering.include.begin(), covering.include.end());
    else
        out.pop_back();
    return out;
}

bool serves(const ExistingIndex& index, const Candidate& candidate) {
    if (!index.usable || index.keys.size() < candidate.keys.size())
        return false;
    if (!index.btree) {
        // A hash (or other) index serves a single equality lookup on its column.
        return candidate.keys.size() == 1 && candidate.equality_keys == 1 && index.keys.size() == 1 &&
               index.keys[0].attnum == candidate.keys[0].attnum && candidate.include.empty();
    }
    // Equality columns may stand in any order among the leading keys.
    const auto eq = static_cast<std::size_t>(candidate.equality_keys);
    for (std::size_t i = 0; i < eq; ++i) {
        const int attnum = index.keys[i].attnum;
        bool found = false;
        for (std::size_t j = 0; j < eq; ++j)
            found = found || candidate.keys[j].attnum == attnum;
        if (!found)
            return false;
    }
    // The ordered keys after them: same order, all in the same or all in the
    // reversed direction (a B-tree is scanned backwards as well).
    bool all_same = true, all_reversed = true;
    for (std::size_t i = eq; i < candidate.keys.size(); ++i) {
        if (index.keys[i].attnum != candidate.keys[i].attnum)
            return false;
        all_same = all_same && same_direction(index.keys[i], candidate.keys[i]);
        all_reversed = all_reversed && reversed(index.keys[i], candidate.keys[i]);
    }
    if (candidate.ordered && !all_same && !all_reversed)
        return false;
    for (int attnum : candidate.include)
        if (!has_key(index.keys, attnum) && !has_column(index.include, attnum))
            return false;
    return true;
}

bool absorbs(const Candidate& wider, const Candidate& narrower) {
    if (wider.keys.size() < narrower.keys.size())
        return false;
    bool all_same = true, all_reversed = true;
    for (std::size_t i = 0; i < narrower.keys.size(); ++i) {
        if (wider.keys[i].attnum != narrower.keys[i].attnum)
            return false;
        all_same = all_same && same_direction(wider.keys[i], narrower.keys[i]);
        all_reversed = all_reversed && reversed(wider.keys[i], narrower.keys[i]);
    }
    if (narrower.ordered && !all_same && !all_reversed)
        return false;
    for (int attnum : narrower.include)
        if (!has_key(wider.keys, attnum) && !has_column(wider.include, attnum))
            return false;
    return true;
}

std::uint64_t btree_size_bytes(double rows, double entry_bytes) {
    constexpr double page = 8192, page_header = 24, special = 16, line_pointer = 4, tuple_header = 8;
    const double tuple = tuple_header + std::ceil(std::max(entry_bytes, 1.0) / 8.0) * 8.0 + line_pointer;
    const double usable = (page - page_header - special) * 0.90;
    const double leaves = std::max(1.0, std::ceil(std::max(rows, 0.0) * tuple / usable));
    // Inner pages hold one downlink per page below: a few percent more.
    const double inner = leaves > 1 ? std::ceil(leaves * (tuple / usable)) + 1 : 0;
    return static_cast<std::uint64_t>((1 + leaves + inner) * page);  // + the metapage
}

int btree_height(std::uint64_t pages) {
    int height = 0;
    for (double level = static_cast<double>(pages); level > 1; level /= 256)
        ++height;
    return height;
}

String write_penalty(double inserts, double updates, double hot_updates, double deletes,
                     double seconds, double entry_bytes, Resource& resource) {
    const double span = std::max(seconds, 1.0);
    const double cold_updates = std::max(updates - hot_updates, 0.0);
    char text[320];
    if (inserts + updates + deletes <= 0) {
        snprintf(text, sizeof text, "no writes in the last %.0f s: maintaining it costs nothing now", span);
    } else {
        snprintf(text, sizeof text,
                 "%.2f inserts/s and %.2f non-HOT updates/s over the last %.0f s each write one more "
                 "index entry of about %.0f bytes; updates of its columns can no longer be HOT "
                 "(%.0f%% of updates are HOT now); %.2f deletes/s leave entries for VACUUM",
                 inserts / span, cold_updates / span, span, entry_bytes,
                 updates > 0 ? 100.0 * hot_updates / updates : 0.0, deletes / span);
    }
    return String(text, &resource);
}

}  // namespace hastecrm_perf
