#include "history/stored_histogram.hpp"

#include <cstring>

#include "core/histogram_codec.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/memory.hpp"

extern "C" {
#include "fmgr.h"
}

namespace hastecrm_perf::history {

void add_stored_histogram(Datum bytea_value, LatencyHistogram& into) {
    const bytea* value = pg::call([bytea_value] { return DatumGetByteaPP(bytea_value); });
    const auto* data = reinterpret_cast<const std::uint8_t*>(VARDATA_ANY(value));
    if (!add_encoded_histogram(data, VARSIZE_ANY_EXHDR(value), into))
        throw pg::Error(ERRCODE_INVALID_BINARY_REPRESENTATION,
                        "not a hastecrm_perf latency histogram",
                        "Histograms come from the history tables (statement_history.histogram).");
}

Datum stored_histogram(const LatencyHistogram& histogram) {
    auto resource = pg::ContextResource::current();
    Vector<std::uint8_t> bytes(&resource);
    bytes.reserve(64);
    encode_histogram(histogram, bytes);
    const std::size_t size = bytes.size();
    bytea* out = static_cast<bytea*>(pg::call([size] { return palloc(VARHDRSZ + size); }));
    SET_VARSIZE(out, VARHDRSZ + size);
    std::memcpy(VARDATA(out), bytes.data(), size);
    return PointerGetDatum(out);
}

}  // namespace hastecrm_perf::history
