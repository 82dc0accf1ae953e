#include "stats/latency_readings.hpp"

#include <algorithm>
#include <cstring>

#include "stats/latency_table.hpp"

namespace hastecrm_perf::stats {
namespace {

StatementKey key_of(const QueryEntry& entry) {
    return StatementKey{entry.key.userid, entry.key.dbid, entry.key.queryid};
}

}  // namespace

std::size_t copy_readings(StatementReading* out, std::size_t room) {
    std::size_t count = 0;
    LatencyTable::for_each([&](QueryEntry& entry) {
        if (count == room)
            return;
        StatementReading& r = out[count];
        r.counts.calls = read_counter(entry.calls);
        r.counts.errors = read_counter(entry.errors);
        if (r.counts.calls == 0 && r.counts.errors == 0)
            return;
        r.key = key_of(entry);
        r.first_seen = entry.first_seen;
        r.max_us = read_counter(entry.max_us);
        r.counts.rows = read_counter(entry.rows);
        r.counts.total_us = read_counter(entry.total_us);
        r.counts.histogram = snapshot_latency(entry.histogram);
        ++count;
    });
    return count;
}

void copy_texts(const StatementKey* keys, std::size_t count, char* texts) {
    for (std::size_t i = 0; i < count; ++i)
        texts[i * query_text_room] = '\0';
    LatencyTable::for_each([&](QueryEntry& entry) {
        const StatementKey key = key_of(entry);
        const StatementKey* found = std::lower_bound(keys, keys + count, key);
        if (found == keys + count || !(*found == key))
            return;
        const std::size_t length = std::min<std::size_t>(entry.query_length, query_text_room - 1);
        char* text = texts + static_cast<std::size_t>(found - keys) * query_text_room;
        std::memcpy(text, entry.query, length);
        text[length] = '\0';
    });
}

}  // namespace hastecrm_perf::stats
