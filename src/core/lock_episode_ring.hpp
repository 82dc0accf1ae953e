// The bounded ring of lock episodes: what one sample of the lock manager does
// to it. An episode is one waiter and one wait (its pid and wait start): a
// wait seen again updates its episode, a new one takes a free slot (else one
// already written, else the oldest), and an episode no longer seen has ended
// and waits for a snapshot to write it. A waiter that had no query id (it
// waited while its statement was parsed) takes the one its statement had
// once the wait was over, if that statement (same start) is still its latest.
//
// Works on the shared ring under its lock: no allocation, nothing that throws.
// Episode needs: sequence (0 = free), ended, written, waiter_pid, started,
// waiter_queryid, waiter_statement_start. Later: pid, statement_start, queryid.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace hastecrm_perf {

template <std::size_t Capacity, typename Episode, typename Later>
void merge_episode_sample(Episode* ring, const Episode* seen, std::size_t seen_count,
                          const Later* later, std::size_t later_count) {
    std::uint64_t next_sequence = 1;
    for (std::size_t i = 0; i < Capacity; ++i)
        next_sequence = std::max<std::uint64_t>(next_sequence, ring[i].sequence + 1);
    bool matched[Capacity] = {};
    for (std::size_t s = 0; s < seen_count; ++s) {
        const Episode& e = seen[s];
        std::size_t slot = Capacity;
        for (std::size_t i = 0; i < Capacity && slot == Capacity; ++i)
            if (ring[i].sequence != 0 && !ring[i].ended && ring[i].waiter_pid == e.waiter_pid &&
                ring[i].started == e.started)
                slot = i;
        if (slot != Capacity) {
            const std::uint64_t sequence = ring[slot].sequence;
            ring[slot] = e;
            ring[slot].sequence = sequence;
            matched[slot] = true;
            continue;
        }
        std::size_t oldest = 0;
        for (std::size_t i = 0; i < Capacity && slot == Capacity; ++i) {
            if (ring[i].sequence == 0)
                slot = i;
            else if (ring[i].sequence < ring[oldest].sequence)
                oldest = i;
        }
        for (std::size_t i = 0; i < Capacity && slot == Capacity; ++i)
            if (ring[i].written)
                slot = i;
        if (slot == Capacity)
            slot = oldest;
        ring[slot] = e;
        ring[slot].sequence = next_sequence++;
        ring[slot].ended = false;
        ring[slot].written = false;
        matched[slot] = true;
    }
    for (std::size_t i = 0; i < Capacity; ++i) {
        Episode& e = ring[i];
        if (e.sequence == 0 || e.ended || matched[i])
            continue;
        e.ended = true;
        for (std::size_t l = 0; l < later_count; ++l)
            if (e.waiter_queryid == 0 && later[l].pid == e.waiter_pid &&
                later[l].statement_start == e.waiter_statement_start)
                e.waiter_queryid = later[l].queryid;
    }
}

}  // namespace hastecrm_perf
