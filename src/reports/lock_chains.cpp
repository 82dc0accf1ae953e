// hastecrm_perf.lock_chains(): one row per backend that waits on a heavyweight
// lock or blocks one that does, placed in a forest of blocking trees.
#include <array>
#include <cstdio>
#include <cstring>
#include <new>

#include "core/lock_graph.hpp"
#include "core/reusable_arena.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "reports/backend_directory.hpp"
#include "reports/lock_snapshot.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::reports {
namespace {

enum Column {
    pid, root_pid, depth, blocked_by, blocking_count, chain, lock_type, lock_mode, relation,
    waiting_for, state, wait_event_type, wait_event, xact_age, state_age, usename,
    application_name, client_addr, query, suggestion, column_count
};

// An int4[] laid out as construct_array() would, filled with one copy: the
// blocked_by arrays of a row-lock queue hold n²/2 pids in all, and going
// through a Datum per element doubled their cost. Raw: inside pg::call.
Datum pid_array(const Vector<std::int32_t>& pids) {
    if (pids.empty())
        return PointerGetDatum(construct_empty_array(INT4OID));
    const Size bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(int32) * pids.size();
    auto* array = static_cast<ArrayType*>(palloc(bytes));
    SET_VARSIZE(array, bytes);
    array->ndim = 1;
    array->dataoffset = 0;  // no null bitmap
    array->elemtype = INT4OID;
    ARR_DIMS(array)[0] = static_cast<int>(pids.size());
    ARR_LBOUND(array)[0] = 1;
    std::memcpy(ARR_DATA_PTR(array), pids.data(), sizeof(int32) * pids.size());
    return PointerGetDatum(array);
}

// Raw: inside pg::call.
Datum interval_since(TimestampTz start, TimestampTz now) {
    Interval* interval = static_cast<Interval*>(palloc0(sizeof(Interval)));
    interval->time = now - start;
    return IntervalPGetDatum(interval);
}

Datum text_of(const char* text) { return PointerGetDatum(cstring_to_text(text)); }

// "01:02:03" for a duration in microseconds (a day or more: "2 days 01:02:03").
void format_duration(char* out, std::size_t size, TimestampTz micros) {
    const long long seconds = micros > 0 ? micros / USECS_PER_SEC : 0;
    const long long days = seconds / 86400;
    const long long rest = seconds % 86400;
    if (days > 0)
        snprintf(out, size, "%lld day%s %02lld:%02lld:%02lld", days, days == 1 ? "" : "s",
                 rest / 3600, rest % 3600 / 60, rest % 60);
    else
        snprintf(out, size, "%02lld:%02lld:%02lld", rest / 3600, rest % 3600 / 60, rest % 60);
}

// Each row is built and stored under one error wrapper (SetResult::put_built):
// with hundreds of rows of twenty columns, a wrapper per datum cost more than
// the datums.
class RowWriter {
public:
    RowWriter(const LockSnapshot& snapshot, const BackendDirectory& backends, TimestampTz now)
        : snapshot_(snapshot), backends_(backends), now_(now) {}

    void write(const ForestNode& node, pg::SetResult& result) {
        const BackendDirectory::Entry* backend = node.pid > 0 ? backends_.find(node.pid) : nullptr;
        const PgBackendStatus* status = backend != nullptr ? &backend->status : nullptr;
        const char* advice =
            node.depth == 0 && node.blocking_count > 0 ? suggest(node, status) : nullptr;
        values_.fill(Datum(0));
        nulls_.fill(true);
        result.put_built(values_, nulls_, [&](Datum*, bool*) {
            // The row's datums are copied into the tuple and then dead: they
            // go to memory reset after each row, so the call's memory does
            // not grow by them (fresh pages cost a fault each).
            if (row_memory_ == nullptr)
                row_memory_ = AllocSetContextCreate(CurrentMemoryContext, "lock_chains row",
                                                    ALLOCSET_SMALL_SIZES);
            else
                MemoryContextReset(row_memory_);
            const MemoryContext call_memory = MemoryContextSwitchTo(row_memory_);
            set(pid, Int32GetDatum(node.pid));
            set(root_pid, Int32GetDatum(node.root_pid));
            set(depth, Int32GetDatum(node.depth));
            set(blocked_by, pid_array(node.blocked_by));
            set(blocking_count, Int32GetDatum(node.blocking_count));
            set(chain, pid_array(node.chain));
            if (node.lock >= 0)
                write_wait(node);
            if (backend != nullptr)
                write_backend(*backend);
            if (advice != nullptr)
                set(suggestion, text_of(advice));
            MemoryContextSwitchTo(call_memory);
        });
    }

private:
    void set(Column column, Datum value) {
        values_[column] = value;
        nulls_[column] = false;
    }

    // Raw, as all that follows: inside the row's wrapper.
    void write_wait(const ForestNode& node) {
        const LOCKTAG& tag = snapshot_.tags[node.lock];
        const LockMember& member = snapshot_.locks[node.lock].members[node.member];
        set(lock_type, text_of(LockTagTypeNames[tag.locktag_type]));
        set(lock_mode, text_of(GetLockmodeName(tag.locktag_lockmethodid, member.wait_mode)));
        const bool has_relation = tag.locktag_type == LOCKTAG_RELATION ||
                                  tag.locktag_type == LOCKTAG_PAGE ||
                                  tag.locktag_type == LOCKTAG_TUPLE;
        // regclass names resolve in this database, and shared catalogs (0) in any.
        if (has_relation && (tag.locktag_field1 == MyDatabaseId || tag.locktag_field1 == InvalidOid))
            set(relation, ObjectIdGetDatum(tag.locktag_field2));
        const TimestampTz start = snapshot_.wait_start[node.lock][node.member];
        if (start != 0)
            set(waiting_for, interval_since(start, now_));
    }

    void write_backend(const BackendDirectory::Entry& entry) {
        const PgBackendStatus& backend = entry.status;
        // Waiters mostly share a role: look its name up once.
        if (backend.st_userid != cached_role_) {
            cached_role_ = backend.st_userid;
            // Kept across rows: in the call's memory, not the row's.
            const MemoryContext row = MemoryContextSwitchTo(MemoryContextGetParent(row_memory_));
            cached_role_name_ = role_name(cached_role_, &cached_role_missing_);
            MemoryContextSwitchTo(row);
        }
        if (!cached_role_missing_)
            set(usename, cached_role_name_);
        set(application_name, text_of(backend.st_appname));
        if (!backends_.may_see(backend)) {
            set(query, text_of("<insufficient privilege>"));
            return;
        }
        if (const char* name_of_state = backend_state_name(backend.st_state))
            set(state, text_of(name_of_state));
        const WaitEvent wait = BackendDirectory::wait_event(entry);
        if (wait.type != nullptr)
            set(wait_event_type, text_of(wait.type));
        if (wait.name != nullptr)
            set(wait_event, text_of(wait.name));
        if (backend.st_xact_start_timestamp != 0)
            set(xact_age, interval_since(backend.st_xact_start_timestamp, now_));
        if (backend.st_state_start_timestamp != 0)
            set(state_age, interval_since(backend.st_state_start_timestamp, now_));
        bool is_null = false;
        const Datum address = backend_client_addr(backend, &is_null);
        if (!is_null)
            set(client_addr, address);
        set(query, backend_query(backend));
    }
    // What would free the tree under a root, and why.
    const char* suggest(const ForestNode& node, const PgBackendStatus* backend) {
        const int blocked = node.blocking_count;
        const char* sessions = blocked == 1 ? "session" : "sessions";
        if (node.pid == 0) {
            snprintf(text_, sizeof text_,
                     "a prepared transaction holds the lock and blocks %d %s: COMMIT PREPARED or "
                     "ROLLBACK PREPARED it (see pg_prepared_xacts)",
                     blocked, sessions);
        } else if (node.in_cycle_without_root) {
            snprintf(text_, sizeof text_,
                     "SELECT pg_cancel_backend(%d); -- deadlock: these sessions wait on each "
                     "other; the deadlock detector cancels one after deadlock_timeout",
                     node.pid);
        } else {
            // Without a transaction the root holds session-level locks
            // (advisory locks): there is nothing to roll back.
            const char* effect = backend != nullptr && backend->st_xact_start_timestamp == 0
                                     ? "releases its session-level locks"
                                     : "rolls back its transaction";
            const char* state_name = backend != nullptr && backends_.may_see(*backend)
                                         ? backend_state_name(backend->st_state)
                                         : nullptr;
            if (state_name != nullptr) {
                char age[48];
                format_duration(age, sizeof age, now_ - backend->st_state_start_timestamp);
                snprintf(text_, sizeof text_,
                         "SELECT pg_terminate_backend(%d); -- %s for %s, blocks %d %s; ending it "
                         "%s and frees them",
                         node.pid, state_name, age, blocked, sessions, effect);
            } else {
                snprintf(text_, sizeof text_,
                         "SELECT pg_terminate_backend(%d); -- blocks %d %s; ending it %s and "
                         "frees them",
                         node.pid, blocked, sessions, effect);
            }
        }
        return text_;
    }

    const LockSnapshot& snapshot_;
    const BackendDirectory& backends_;
    const TimestampTz now_;
    Oid cached_role_ = InvalidOid;
    Datum cached_role_name_ = Datum(0);
    bool cached_role_missing_ = true;
    MemoryContext row_memory_ = nullptr;  // child of the call's memory
    std::array<Datum, column_count> values_{};
    std::array<bool, column_count> nulls_{};
    char text_[512];
};

// The memory of one call's lock data and graph (a few hundred kB with
// hundreds of waiters), kept for the next call of the session: a poller every
// second then touches no fresh page (see core/reusable_arena). A call made
// while another is under way (it cannot happen today) uses its own memory.
class CallMemory {
public:
    explicit CallMemory(Resource& fallback) : resource_(&fallback) {
        if (taken_)
            return;
        if (arena_ == nullptr) {
            static pg::ContextResource top(TopMemoryContext);
            // The arena lives as long as the backend: never destroyed.
            alignas(ReusableArena) static unsigned char storage[sizeof(ReusableArena)];
            arena_ = new (storage) ReusableArena(top, kept_bytes);
        }
        arena_->reset();
        taken_ = true;
        resource_ = arena_;
    }
    ~CallMemory() {
        if (resource_ == arena_)
            taken_ = false;
    }
    CallMemory(const CallMemory&) = delete;
    CallMemory& operator=(const CallMemory&) = delete;
    Resource& resource() { return *resource_; }

private:
    static constexpr std::size_t kept_bytes = 4 << 20;
    static inline ReusableArena* arena_ = nullptr;
    static inline bool taken_ = false;
    Resource* resource_;
};

}  // namespace
}  // namespace hastecrm_perf::reports

HASTECRM_PERF_FUNCTION(lock_chains) {
    namespace hp = hastecrm_perf;
    return hp::pg::guard([&]() -> Datum {
        hp::pg::SetResult result(fcinfo, hp::pg::SetResult::RowType::expected);
        auto call_context = hp::pg::ContextResource::current();
        hp::reports::CallMemory memory(call_context);
        hp::Resource& resource = memory.resource();
        // The clock, not now(): inside a polling transaction now() is older than
        // the waits we read, and ages would come out negative.
        const TimestampTz now = GetCurrentTimestamp();
        const hp::reports::ProcTable procs(resource);
        const hp::reports::LockSnapshot snapshot = hp::reports::read_lock_snapshot(procs, resource);
        const hp::Vector<hp::ForestNode> forest = hp::build_lock_forest(snapshot.locks, resource);
        if (forest.empty())
            return Datum(0);
        // The status of the pids in the forest, read now: as fresh as the locks.
        hp::Vector<std::int32_t> pids(&resource);
        pids.reserve(forest.size());
        for (const hp::ForestNode& node : forest)
            pids.push_back(node.pid);
        const hp::reports::BackendDirectory backends(procs, {pids.data(), pids.size()}, resource);
        hp::reports::RowWriter writer(snapshot, backends, now);
        for (const hp::ForestNode& node : forest)
            writer.write(node, result);
        return Datum(0);
    });
}
