// N+1 detection, one detector per backend: a statement that runs many times
// with the same queryid inside one unit of work is probably a loop in the
// application that one query with a join or an IN list would replace.
//
// A unit of work is one explicit transaction block (BEGIN .. COMMIT/ROLLBACK),
// or a burst of autocommit statements, each starting at most burst_gap_us
// after the previous one ended (at most max_burst_statements of them). A unit
// closes at the end of its block, at a gap, at that length, or when the
// backend switches between autocommit and a block; then every
// queryid executed at least `threshold` times in it is reported as a suspect.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hastecrm_perf {

// 100 ms: an application loop issues its next query within a few ms of the
// previous result, while a person or a scheduler rarely comes back that fast.
inline constexpr std::int64_t default_burst_gap_us = 100'000;

// A burst ends after this many statements even without a pause: a connection
// pool's stream of unrelated requests never pauses. A longer loop is reported
// in parts of this size.
inline constexpr std::uint64_t max_burst_statements = 1000;

// hastecrm_perf.n_plus_one_threshold: default, and the least that makes sense.
inline constexpr int default_n_plus_one_threshold = 10;
inline constexpr int min_n_plus_one_threshold = 2;

// A queryid repeated in one unit of work.
struct NPlusOneSuspect {
    std::uint64_t queryid;
    // The statement just before this queryid's first execution in the unit
    // (the query whose rows the loop walks, typically); 0 when there is none.
    std::uint64_t parent_queryid;
    std::uint64_t repeats;     // executions in the unit
    double wasted_ms;          // time of every execution after the first
    std::int64_t last_end_us;  // when its last execution ended
};

class NPlusOneDetector {
public:
    // Distinct queryids followed per unit; later ones are ignored, so memory
    // stays fixed (about 5 KB) and lookups stay a short linear scan.
    static constexpr std::size_t max_tracked_queries = 64;

    // A threshold below min_n_plus_one_threshold is raised to it.
    explicit NPlusOneDetector(int threshold = default_n_plus_one_threshold,
                              std::int64_t burst_gap_us = default_burst_gap_us);

    // For a change of the setting; applies when the open unit closes.
    void set_threshold(int threshold);

    // The returned suspects belong to the unit the call closed (none if it
    // closed none); they stay valid until the next call on the detector.

    // A top-level statement finished. queryid 0 (query ids not computed) still
    // delimits units but is neither counted nor named as a parent.
    std::span<const NPlusOneSuspect> statement(std::uint64_t queryid, double duration_ms,
                                               std::int64_t end_time_us, bool in_transaction_block);

    // A transaction ended (commit or abort). Closes a transaction block; an
    // autocommit burst ignores it, as each of its statements commits alone.
    std::span<const NPlusOneSuspect> end_of_transaction();

    // Closes whatever unit is open: at backend exit, so a last burst is not lost.
    std::span<const NPlusOneSuspect> close_unit();

private:
    enum class Unit { none, transaction_block, autocommit_burst };

    void add_to_unit(std::uint64_t queryid, double duration_ms, std::int64_t end_time_us);

    int threshold_;
    std::int64_t burst_gap_us_;
    Unit unit_ = Unit::none;
    std::uint64_t previous_queryid_ = 0;   // last statement of the open unit
    std::int64_t previous_end_us_ = 0;
    std::uint64_t unit_statements_ = 0;      // statements in the open unit
    std::size_t tracked_count_ = 0;        // queries_[0 .. tracked_count_), in first-seen order
    std::array<NPlusOneSuspect, max_tracked_queries> queries_;
    std::array<NPlusOneSuspect, max_tracked_queries> suspects_;  // of the last closed unit
};

}  // namespace hastecrm_perf
