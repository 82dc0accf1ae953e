// Calling PostgreSQL from code that holds C++ objects.
//
// pg::call(fn) runs fn under PG_TRY. If PostgreSQL raises an error, the error is
// copied into the caller's memory context, the error state is flushed and a
// PgError is thrown, so the C++ frames above unwind normally and guard() raises
// the error again at the boundary (where the transaction aborts).
//
// fn itself must hold no objects with destructors: a longjmp may leave it.
// A PgError must travel up to guard(); swallowing it without a subtransaction
// would continue a transaction that PostgreSQL considers failed.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "pg/error.hpp"

namespace hastecrm_perf::pg {

namespace detail {
// Runs invoke(arg) under PG_TRY; returns the copied error or nullptr.
::ErrorData* run_catching(void (*invoke)(void*), void* arg) noexcept;
}  // namespace detail

template <typename Fn>
auto call(Fn&& fn) -> decltype(fn()) {
    using Result = decltype(fn());
    static_assert(std::is_void_v<Result> || std::is_trivially_destructible_v<Result>,
                  "pg::call returns PostgreSQL values (Datum, pointers, scalars)");

    struct Invocation {
        Fn* fn;
        std::conditional_t<std::is_void_v<Result>, bool, Result> result{};
        // A C++ exception thrown by fn must not cross PG_TRY's frame either.
        std::exception_ptr failure;
    } invocation{&fn};

    auto invoke = [](void* arg) {
        auto* self = static_cast<Invocation*>(arg);
        try {
            if constexpr (std::is_void_v<Result>)
                (*self->fn)();
            else
                self->result = (*self->fn)();
        } catch (...) {
            self->failure = std::current_exception();
        }
    };

    if (::ErrorData* error = detail::run_catching(invoke, &invocation))
        throw PgError(error);
    if (invocation.failure)
        std::rethrow_exception(invocation.failure);
    if constexpr (!std::is_void_v<Result>)
        return invocation.result;
}

}  // namespace hastecrm_perf::pg
