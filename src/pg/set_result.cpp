#include "pg/set_result.hpp"

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

namespace hastecrm_perf::pg {

SetResult::SetResult(FunctionCallInfo fcinfo)
    : info_(reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo)), columns_(0) {
    call([fcinfo] { InitMaterializedSRF(fcinfo, 0); });
    columns_ = info_->setDesc->natts;
}

void SetResult::put(std::span<const Datum> values, std::span<const bool> nulls) {
    if (values.size() != static_cast<size_t>(columns_) || nulls.size() != values.size())
        throw Error(ERRCODE_INTERNAL_ERROR, "row does not match the function's result type");
    call([&] {
        tuplestore_putvalues(info_->setResult, info_->setDesc, const_cast<Datum*>(values.data()),
                             const_cast<bool*>(nulls.data()));
    });
}

Datum text_datum(std::string_view text) {
    return call([text] {
        return PointerGetDatum(cstring_to_text_with_len(text.data(), static_cast<int>(text.size())));
    });
}

}  // namespace hastecrm_perf::pg
