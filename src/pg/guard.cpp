#include "pg/guard.hpp"

#include <cstring>
#include <new>

extern "C" {
#include "postgres.h"
#include "utils/elog.h"
}

namespace hastecrm_perf::pg::detail {

namespace {

// Copies into the current memory context without ever raising: we are inside a
// catch block, where a longjmp would skip the exception's cleanup.
const char* copy_text(const char* text) noexcept {
    if (text == nullptr || *text == '\0')
        return nullptr;
    const size_t length = std::strlen(text);
    auto* copy = static_cast<char*>(palloc_extended(length + 1, MCXT_ALLOC_NO_OOM));
    if (copy == nullptr)
        return "out of memory while reporting an error";
    std::memcpy(copy, text, length + 1);
    return copy;
}

CaughtError ours(int sqlstate, const char* message, const char* detail = nullptr,
                 const char* hint = nullptr) noexcept {
    return CaughtError{nullptr, sqlstate, copy_text(message), copy_text(detail), copy_text(hint)};
}

}  // namespace

CaughtError capture_current_exception() noexcept {
    try {
        throw;
    } catch (const PgError& error) {
        return CaughtError{error.data(), 0, nullptr, nullptr, nullptr};
    } catch (const Error& error) {
        return ours(error.sqlstate(), error.what(), error.detail().c_str(), error.hint().c_str());
    } catch (const std::bad_alloc&) {
        return ours(ERRCODE_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& error) {
        return ours(ERRCODE_INTERNAL_ERROR, error.what());
    } catch (...) {
        return ours(ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
    }
}

void raise(const CaughtError& caught) {
    if (caught.postgres != nullptr)
        ReThrowError(caught.postgres);
    ereport(ERROR,
            (errcode(caught.sqlstate),
             errmsg_internal("%s", caught.message ? caught.message : "C++ exception"),
             caught.detail ? errdetail_internal("%s", caught.detail) : 0,
             caught.hint ? errhint("%s", caught.hint) : 0));
    pg_unreachable();
}

}  // namespace hastecrm_perf::pg::detail
