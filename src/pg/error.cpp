#include "pg/error.hpp"

extern "C" {
#include "postgres.h"
#include "utils/elog.h"
}

namespace hastecrm_perf::pg {

const char* PgError::what() const noexcept {
    return data_ != nullptr && data_->message != nullptr ? data_->message : "PostgreSQL error";
}

}  // namespace hastecrm_perf::pg
