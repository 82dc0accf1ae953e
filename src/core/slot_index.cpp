#include "core/slot_index.hpp"

#include <bit>
#include <cstring>

namespace hastecrm_perf {

std::size_t SlotIndex::bucket_count_for(std::size_t capacity) {
    return std::bit_ceil(capacity < 4 ? std::size_t{8} : 2 * capacity);
}

void SlotIndex::insert(std::uint64_t hash, int slot) noexcept {
    std::size_t i = home(hash);
    while (buckets_[i].slot_plus_one != 0)
        i = (i + 1) & mask_;
    buckets_[i] = Bucket{static_cast<std::uint32_t>(slot) + 1, static_cast<std::uint32_t>(hash)};
}

void SlotIndex::erase(std::uint64_t hash, int slot) noexcept {
    const auto wanted = static_cast<std::uint32_t>(slot) + 1;
    std::size_t hole = home(hash);
    while (buckets_[hole].slot_plus_one != wanted) {
        if (buckets_[hole].slot_plus_one == 0)
            return;  // not there: nothing to do
        hole = (hole + 1) & mask_;
    }
    // Backward shift: move up every later bucket of the run whose home is not
    // between the hole and itself, so no lookup ever meets a gap too early.
    for (std::size_t next = (hole + 1) & mask_; buckets_[next].slot_plus_one != 0;
         next = (next + 1) & mask_) {
        const std::size_t next_home = home(buckets_[next].hash);
        const bool stays = hole <= next ? (hole < next_home && next_home <= next)
                                        : (hole < next_home || next_home <= next);
        if (stays)
            continue;
        buckets_[hole] = buckets_[next];
        hole = next;
    }
    buckets_[hole] = Bucket{0, 0};
}

void SlotIndex::clear() noexcept {
    std::memset(static_cast<void*>(buckets_), 0, (mask_ + 1) * sizeof(Bucket));
}

std::uint64_t hash_words(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) noexcept {
    auto mix = [](std::uint64_t h, std::uint64_t word) {
        h += word + 0x9E3779B97F4A7C15ull;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
        return h ^ (h >> 31);
    };
    return mix(mix(mix(mix(0, a), b), c), d);
}

}  // namespace hastecrm_perf
