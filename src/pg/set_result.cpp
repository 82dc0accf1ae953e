#include "pg/set_result.hpp"

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

namespace hastecrm_perf::pg {

SetResult::SetResult(FunctionCallInfo fcinfo, RowType row_type)
    : info_(reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo)), columns_(0) {
    const bool expected = row_type == RowType::expected && info_ != nullptr &&
                          IsA(info_, ReturnSetInfo) && info_->expectedDesc != nullptr;
    call([fcinfo, expected] { InitMaterializedSRF(fcinfo, expected ? MAT_SRF_USE_EXPECTED_DESC : 0); });
    columns_ = info_->setDesc->natts;
}

void SetResult::check_width(std::size_t values, std::size_t nulls) const {
    if (values != static_cast<size_t>(columns_) || nulls != values)
        throw Error(ERRCODE_INTERNAL_ERROR, "row does not match the function's result type");
}

void SetResult::store(Datum* values, bool* nulls) {
    tuplestore_putvalues(info_->setResult, info_->setDesc, values, nulls);
}

void SetResult::put(std::span<const Datum> values, std::span<const bool> nulls) {
    check_width(values.size(), nulls.size());
    call([&] { store(const_cast<Datum*>(values.data()), const_cast<bool*>(nulls.data())); });
}

Datum text_datum(std::string_view text) {
    return call([text] {
        return PointerGetDatum(cstring_to_text_with_len(text.data(), static_cast<int>(text.size())));
    });
}

}  // namespace hastecrm_perf::pg
