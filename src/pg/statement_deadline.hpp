// A statement_timeout for one piece of work run through SPI. SPI does not arm
// statement_timeout (the client protocol does), so a background worker has
// none, and a SQL function call only has the one of its caller's statement.
// The earlier of the two deadlines wins; the caller's is restored afterwards.
#pragma once

#include <cstdint>

namespace hastecrm_perf::pg {

class StatementDeadline {
public:
    // 0 ms: no limit of our own.
    explicit StatementDeadline(int timeout_ms);
    ~StatementDeadline();
    StatementDeadline(const StatementDeadline&) = delete;
    StatementDeadline& operator=(const StatementDeadline&) = delete;

    // Whether our own limit has passed (and so caused a statement timeout).
    bool expired() const;

private:
    bool armed_ = false;
    std::int64_t deadline_ = 0;
    bool caller_had_one_ = false;
    std::int64_t caller_deadline_ = 0;
};

}  // namespace hastecrm_perf::pg
