// The boundary guard every SQL-callable function and worker entry point runs in.
//
// A C++ exception must never escape into PostgreSQL (it would abort the backend
// and restart the cluster), and ereport() must never unwind C++ frames (it is a
// longjmp that skips destructors). guard() runs the body, catches every C++
// exception, copies what it needs into palloc'd memory, leaves the catch block
// and only then raises the PostgreSQL error.
#pragma once

#include <type_traits>

#include "pg/error.hpp"

namespace hastecrm_perf::pg {

namespace detail {

// Trivially destructible on purpose: it is alive while ereport() longjmps.
struct CaughtError {
    ::ErrorData* postgres;  // a PostgreSQL error to re-throw as is
    int sqlstate;
    const char* message;            // palloc'd copies
    const char* detail;
    const char* hint;
};

// Call only inside a catch block: describes the exception being handled.
CaughtError capture_current_exception() noexcept;

[[noreturn]] void raise(const CaughtError& caught);

}  // namespace detail

template <typename Body>
auto guard(Body&& body) -> decltype(body()) {
    detail::CaughtError caught{};
    try {
        return body();
    } catch (...) {
        caught = detail::capture_current_exception();
    }
    detail::raise(caught);
}

}  // namespace hastecrm_perf::pg
