// The previous reading of every statement, which the next snapshot subtracts.
//
// It lives in a dynamic shared memory segment made by the first snapshot and
// given back when history is turned off (the launcher unpins it), so the
// statement hooks never touch it and a server without history pays nothing.
// A restart or a crash takes it away with the rest of shared memory, which is
// right: the latency table restarts empty then too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/statement_delta.hpp"

extern "C" {
#include "postgres.h"
#include "storage/dsm.h"
}

namespace hastecrm_perf::history {

class StatementBaseline {
public:
    // Attaches to the baseline of this life of shared memory, if any. The
    // mapping belongs to the current resource owner: an error detaches it.
    StatementBaseline();
    ~StatementBaseline();
    StatementBaseline(const StatementBaseline&) = delete;
    StatementBaseline& operator=(const StatementBaseline&) = delete;

    // When the previous reading was taken; nothing when there is none.
    std::optional<std::int64_t> taken_at() const;
    // The previous reading of `key`, or nullptr.
    const StatementReading* find(const StatementKey& key) const;

    // Replaces the baseline with `readings` (sorted by key, at most
    // `capacity` of them), making the segment when there is none yet.
    void replace(const StatementReading* readings, std::size_t count, std::size_t capacity,
                 std::int64_t taken_at);

private:
    struct Header;
    Header* header() const;
    const StatementReading* readings() const;

    dsm_segment* segment_ = nullptr;
};

// The launcher's part: when history is off, the segment is unpinned (and
// freed once no snapshot is attached).
void release_baseline_when_off();

}  // namespace hastecrm_perf::history
