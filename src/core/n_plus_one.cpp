#include "core/n_plus_one.hpp"

#include <algorithm>
#include <cmath>

namespace hastecrm_perf {

NPlusOneDetector::NPlusOneDetector(int threshold, std::int64_t burst_gap_us)
    : threshold_(std::max(threshold, min_n_plus_one_threshold)), burst_gap_us_(burst_gap_us) {}

void NPlusOneDetector::set_threshold(int threshold) {
    threshold_ = std::max(threshold, min_n_plus_one_threshold);
}

std::span<const NPlusOneSuspect> NPlusOneDetector::statement(std::uint64_t queryid,
                                                             double duration_ms,
                                                             std::int64_t end_time_us,
                                                             bool in_transaction_block) {
    const Unit kind = in_transaction_block ? Unit::transaction_block : Unit::autocommit_burst;
    const std::int64_t start_time_us = end_time_us - std::llround(duration_ms * 1000.0);
    // A block lasts until its end is reported; a burst until a longer pause,
    // or max_burst_statements: a pooled connection busy with unrelated
    // requests never pauses, and one endless burst would report nothing
    // until the connection closes.
    const bool same_unit =
        unit_ == kind &&
        (kind == Unit::transaction_block ||
         (start_time_us - previous_end_us_ <= burst_gap_us_ && unit_statements_ < max_burst_statements));
    std::span<const NPlusOneSuspect> closed;
    if (!same_unit) {
        closed = close_unit();
        unit_statements_ = 0;
    }
    ++unit_statements_;
    unit_ = kind;
    add_to_unit(queryid, duration_ms, end_time_us);
    return closed;
}

std::span<const NPlusOneSuspect> NPlusOneDetector::end_of_transaction() {
    if (unit_ != Unit::transaction_block)
        return {};
    return close_unit();
}

std::span<const NPlusOneSuspect> NPlusOneDetector::close_unit() {
    const auto end = std::copy_if(queries_.begin(), queries_.begin() + tracked_count_, suspects_.begin(),
                                  [this](const NPlusOneSuspect& query) {
                                      return query.repeats >= static_cast<std::uint64_t>(threshold_);
                                  });
    unit_ = Unit::none;
    previous_queryid_ = 0;
    tracked_count_ = 0;
    return {suspects_.begin(), end};
}

void NPlusOneDetector::add_to_unit(std::uint64_t queryid, double duration_ms, std::int64_t end_time_us) {
    const std::uint64_t parent = previous_queryid_;
    previous_queryid_ = queryid;
    previous_end_us_ = end_time_us;
    if (queryid == 0)
        return;
    const auto tracked = queries_.begin() + tracked_count_;
    const auto query = std::find_if(queries_.begin(), tracked, [queryid](const NPlusOneSuspect& seen) {
        return seen.queryid == queryid;
    });
    if (query != tracked) {
        ++query->repeats;
        query->wasted_ms += duration_ms;
        query->last_end_us = end_time_us;
    } else if (tracked_count_ < max_tracked_queries) {
        *tracked = NPlusOneSuspect{queryid, parent, 1, 0.0, end_time_us};
        ++tracked_count_;
    }
}

}  // namespace hastecrm_perf
