#include "core/histogram_codec.hpp"

#include <limits>

namespace hastecrm_perf {
namespace {

void put_varint(std::uint64_t value, Vector<std::uint8_t>& out) {
    while (value >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(value | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(value));
}

bool get_varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p == end)
            return false;
        const std::uint8_t byte = *p++;
        const std::uint64_t bits = byte & 0x7F;
        if (shift == 63 && bits > 1)
            return false;  // more than 64 bits
        value |= bits << shift;
        if ((byte & 0x80) == 0)
            return true;
    }
    return false;
}

}  // namespace

void encode_histogram(const LatencyHistogram& histogram, Vector<std::uint8_t>& out) {
    out.push_back(histogram_codec_version);
    std::size_t next = 0;  // the bucket after the previous non-empty one
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i) {
        if (histogram.counts[i] == 0)
            continue;
        put_varint(i - next, out);
        put_varint(histogram.counts[i], out);
        next = i + 1;
    }
}

bool add_encoded_histogram(const std::uint8_t* data, std::size_t size, LatencyHistogram& into) {
    if (size == 0 || data[0] != histogram_codec_version)
        return false;
    LatencyHistogram decoded{};
    const std::uint8_t* p = data + 1;
    const std::uint8_t* end = data + size;
    std::uint64_t next = 0;
    while (p != end) {
        std::uint64_t gap = 0;
        std::uint64_t count = 0;
        if (!get_varint(p, end, gap) || !get_varint(p, end, count) || count == 0 ||
            gap >= LatencyHistogram::bucket_count - next)
            return false;
        const std::size_t bucket = static_cast<std::size_t>(next + gap);
        decoded.counts[bucket] = count;
        next = bucket + 1;
    }
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i)
        if (decoded.counts[i] > std::numeric_limits<std::uint64_t>::max() - into.counts[i])
            return false;
    merge_latency(into, decoded);
    return true;
}

double window_max_us(const LatencyHistogram& histogram, std::optional<double> known_max_us) {
    std::size_t top = 0;
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count; ++i)
        if (histogram.counts[i] != 0)
            top = i;
    const double lower = static_cast<double>(LatencyHistogram::bucket_lower_us(top));
    if (known_max_us && *known_max_us >= lower)
        return *known_max_us;
    if (top == LatencyHistogram::overflow_bucket)
        return lower;
    return static_cast<double>(LatencyHistogram::bucket_upper_us(top));
}

}  // namespace hastecrm_perf
