// Containing a failure: a job runs in a transaction of its own (in the
// background worker, between transactions) or in a subtransaction (inside a
// SQL function call). When the body throws, the unit is rolled back and the
// failure is handed back, described, so that the caller carries on.
#pragma once

#include <optional>
#include <utility>

#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
#include "utils/palloc.h"
#include "utils/resowner.h"
}

namespace hastecrm_perf::pg {

enum class Isolation { transaction, subtransaction };

struct Failure {
    int sqlstate;
    String message;
    // Apart: a detail may quote row data ("Key (id)=(42) ..."), which must
    // not reach tables that readers without rights on the rows can read.
    String detail;
    // A PostgreSQL query cancel: the user's Ctrl-C or statement_timeout. A
    // caller that contains failures may still owe it to the user to stop.
    bool canceled = false;
};

// Call only inside a catch block: the exception being handled, copied into
// `resource` (the error's own memory goes away with the rollback).
Failure describe_current_exception(Resource& resource);

// One transaction or subtransaction, begun by the constructor. Leaving scope
// without commit() rolls it back.
class Unit {
public:
    explicit Unit(Isolation isolation);
    ~Unit();
    Unit(const Unit&) = delete;
    Unit& operator=(const Unit&) = delete;

    void commit();
    void rollback();
    bool open() const noexcept { return open_; }

private:
    void restore_caller() noexcept;

    Isolation isolation_;
    bool open_ = true;
    MemoryContext caller_context_;
    ResourceOwner caller_owner_;
};

// Runs `body` in a unit; commits it, or rolls it back and returns the failure.
template <typename Body>
std::optional<Failure> run_isolated(Isolation isolation, Resource& resource, Body&& body) {
    std::optional<Failure> failure;
    {
        Unit unit(isolation);
        try {
            body();
            unit.commit();  // a deferred constraint may fail here, too
        } catch (...) {
            failure.emplace(describe_current_exception(resource));
        }
        if (unit.open())
            unit.rollback();
    }
    return failure;
}

}  // namespace hastecrm_perf::pg
