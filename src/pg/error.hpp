// Errors that cross the C++ <-> PostgreSQL boundary.
//
// PgError carries a PostgreSQL error (caught by pg::call) through C++ frames so
// that destructors run; Error is one our own C++ code raises with a SQLSTATE.
// pg::guard turns either back into ereport(ERROR) at the function boundary.
#pragma once

#include <stdexcept>
#include <string>

struct ErrorData;

namespace hastecrm_perf::pg {

class PgError final : public std::exception {
public:
    // `data` comes from CopyErrorData() in the caller's memory context and is
    // freed with it: the exception only borrows it.
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    const char* what() const noexcept override;
    ErrorData* data() const noexcept { return data_; }

private:
    ErrorData* data_;
};

class Error final : public std::runtime_error {
public:
    // `sqlstate` is a MAKE_SQLSTATE code such as ERRCODE_INVALID_PARAMETER_VALUE.
    Error(int sqlstate, std::string message, std::string detail = {}, std::string hint = {})
        : std::runtime_error(std::move(message)), sqlstate_(sqlstate),
          detail_(std::move(detail)), hint_(std::move(hint)) {}
    int sqlstate() const noexcept { return sqlstate_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    int sqlstate_;
    std::string detail_;
    std::string hint_;
};

}  // namespace hastecrm_perf::pg
