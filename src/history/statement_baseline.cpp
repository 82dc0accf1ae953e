#include "history/statement_baseline.hpp"

#include <algorithm>
#include <cstring>

#include "history/history_shared.hpp"
#include "pg/call.hpp"
#include "settings.hpp"
#include "worker/shared_state.hpp"

namespace hastecrm_perf::history {

struct StatementBaseline::Header {
    std::int64_t epoch;     // the life of shared memory it belongs to
    std::int64_t taken_at;  // 0: empty
    std::uint64_t count;
    std::uint64_t capacity;
};

namespace {

constexpr std::size_t readings_offset = MAXALIGN(sizeof(std::int64_t) * 4);

}  // namespace

StatementBaseline::StatementBaseline() {
    const dsm_handle handle = baseline_handle();
    if (handle == DSM_HANDLE_INVALID)
        return;
    segment_ = pg::call([handle] { return dsm_attach(handle); });  // nullptr: given back meanwhile
    if (segment_ != nullptr && header()->epoch != worker::shared_memory_epoch())
        header()->taken_at = 0;  // from before a crash restart: never subtract it
}

StatementBaseline::~StatementBaseline() {
    // On an error the transaction abort detaches it: leave it alone then.
    if (segment_ != nullptr && std::uncaught_exceptions() == 0)
        pg::call([this] { dsm_detach(segment_); });
}

StatementBaseline::Header* StatementBaseline::header() const {
    return static_cast<Header*>(dsm_segment_address(segment_));
}

const StatementReading* StatementBaseline::readings() const {
    return reinterpret_cast<const StatementReading*>(static_cast<char*>(dsm_segment_address(segment_)) +
                                                     readings_offset);
}

std::optional<std::int64_t> StatementBaseline::taken_at() const {
    if (segment_ == nullptr || header()->taken_at == 0)
        return std::nullopt;
    return header()->taken_at;
}

const StatementReading* StatementBaseline::find(const StatementKey& key) const {
    if (!taken_at())
        return nullptr;
    const StatementReading* begin = readings();
    const StatementReading* end = begin + header()->count;
    const StatementReading* found = std::lower_bound(
        begin, end, key, [](const StatementReading& r, const StatementKey& k) { return r.key < k; });
    return found != end && found->key == key ? found : nullptr;
}

void StatementBaseline::replace(const StatementReading* source, std::size_t count,
                                std::size_t capacity, std::int64_t taken_at) {
    if (segment_ != nullptr && header()->capacity < capacity) {
        pg::call([this] { dsm_detach(segment_); });
        segment_ = nullptr;
    }
    if (segment_ == nullptr) {
        const Size bytes = readings_offset + capacity * sizeof(StatementReading);
        segment_ = pg::call([bytes] {
            dsm_segment* made = dsm_create(bytes, 0);
            dsm_pin_segment(made);
            return made;
        });
        const dsm_handle previous = baseline_handle();
        set_baseline_handle(dsm_segment_handle(segment_));
        if (previous != DSM_HANDLE_INVALID)
            pg::call([previous] { dsm_unpin_segment(previous); });
        header()->capacity = capacity;
    }
    count = std::min(count, static_cast<std::size_t>(header()->capacity));
    Header* h = header();
    h->taken_at = 0;  // a reader never sees a half-written baseline as valid
    std::memcpy(static_cast<void*>(const_cast<StatementReading*>(readings())), source,
                count * sizeof(StatementReading));
    h->count = count;
    h->epoch = worker::shared_memory_epoch();
    h->taken_at = taken_at;
}

void release_baseline_when_off() {
    const dsm_handle handle = baseline_handle();
    if (handle == DSM_HANDLE_INVALID || settings::history_interval_s != 0)
        return;
    set_baseline_handle(DSM_HANDLE_INVALID);
    pg::call([handle] { dsm_unpin_segment(handle); });
}

}  // namespace hastecrm_perf::history
