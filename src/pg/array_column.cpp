#include "pg/array_column.hpp"

#include "pg/call.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/lsyscache.h"
}

namespace hastecrm_perf::pg {

Datum ArrayColumn::array() const {
    return call([this] {
        const int count = static_cast<int>(values_.size());
        bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * (count + 1)));
        for (int i = 0; i < count; ++i)
            nulls[i] = nulls_[i];
        int16 length = 0;
        bool by_value = false;
        char align = 0;
        get_typlenbyvalalign(type_, &length, &by_value, &align);
        int dims[1] = {count};
        int lower_bounds[1] = {1};
        return PointerGetDatum(construct_md_array(const_cast<Datum*>(values_.data()), nulls,
                                                  count == 0 ? 0 : 1, dims, lower_bounds, type_,
                                                  length, by_value, align));
    });
}

}  // namespace hastecrm_perf::pg
