// A fixed-capacity hash index from keys to the slots of a table kept
// elsewhere (in shared memory, typically), in memory the caller provides:
// open addressing with linear probing, at most half full, and backward-shift
// deletion, so lookups, insertions and removals are constant time on average
// and churn leaves no tombstones to clean up.
//
// The index stores a slot number and the key's hash per bucket, never the key:
// callers pass a predicate that compares their slot with the key they want.
// It allocates nothing and never throws, so it may run under a spinlock or an
// LWLock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hastecrm_perf {

class SlotIndex {
public:
    struct Bucket {
        std::uint32_t slot_plus_one;  // 0: empty
        std::uint32_t hash;           // low bits of the key's hash
    };

    // Buckets for `capacity` slots: a power of two, at least twice the capacity.
    static std::size_t bucket_count_for(std::size_t capacity);

    // `buckets` holds bucket_count_for(capacity) zeroed buckets; all zero is
    // the empty index, so zeroed shared memory is ready to use.
    SlotIndex(Bucket* buckets, std::size_t bucket_count) noexcept
        : buckets_(buckets), mask_(bucket_count - 1) {}

    // The slot whose key has this hash and satisfies matches(slot), or -1.
    template <typename Matches>
    int find(std::uint64_t hash, Matches&& matches) const noexcept {
        const auto fragment = static_cast<std::uint32_t>(hash);
        for (std::size_t i = home(hash);; i = (i + 1) & mask_) {
            const Bucket& bucket = buckets_[i];
            if (bucket.slot_plus_one == 0)
                return -1;
            const int slot = static_cast<int>(bucket.slot_plus_one - 1);
            if (bucket.hash == fragment && matches(slot))
                return slot;
        }
    }

    // Adds a slot (whose key is not in the index yet).
    void insert(std::uint64_t hash, int slot) noexcept;

    // Removes the slot, known to be in the index under this hash.
    void erase(std::uint64_t hash, int slot) noexcept;

    // Empties the index.
    void clear() noexcept;

private:
    std::size_t home(std::uint64_t hash) const noexcept {
        return static_cast<std::size_t>(static_cast<std::uint32_t>(hash)) & mask_;
    }

    Bucket* buckets_;
    std::size_t mask_;
};

// A well-mixed 64-bit hash of up to four 64-bit words (splitmix64 steps).
std::uint64_t hash_words(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0,
                         std::uint64_t d = 0) noexcept;

// When a table is full: the least recently active of `sample` slots drawn at
// random from [0, capacity), skipping those for which keep(slot) is true (a
// slot in use right now). Constant time: no sort of the table, no scan; keep
// is asked about the best candidates only, usually once. Returns -1 only if
// every slot drawn had to be kept. `random_state` is a nonzero xorshift state.
inline constexpr int max_victim_sample = 16;

template <typename LastActive, typename Keep>
int choose_victim(int capacity, int sample, std::uint64_t& random_state, LastActive&& last_active,
                  Keep&& keep) noexcept {
    int candidates[max_victim_sample];
    const int drawn = sample < max_victim_sample ? sample : max_victim_sample;
    for (int i = 0; i < drawn; ++i) {
        std::uint64_t x = random_state;  // xorshift64
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random_state = x;
        candidates[i] = static_cast<int>(x % static_cast<std::uint64_t>(capacity));
    }
    for (int left = drawn; left > 0; --left) {
        int best = 0;
        for (int i = 1; i < left; ++i)
            if (last_active(candidates[i]) < last_active(candidates[best]))
                best = i;
        if (!keep(candidates[best]))
            return candidates[best];
        candidates[best] = candidates[left - 1];
    }
    return -1;
}

}  // namespace hastecrm_perf
