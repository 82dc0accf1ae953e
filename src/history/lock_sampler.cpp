#include "history/lock_sampler.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include "core/lock_episode_ring.hpp"
#include "core/lock_graph.hpp"
#include "history/history_shared.hpp"
#include "history/statement_baseline.hpp"
#include "pg/call.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "settings.hpp"

extern "C" {
#include "pgstat.h"
#include "storage/lock.h"
#include "utils/backend_status.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::history {
namespace {

constexpr long sample_interval_ms = 1000;
MemoryContext sample_context = nullptr;
TimestampTz next_sample = 0;

bool same_tag(const LOCKTAG& a, const LOCKTAG& b) { return std::memcmp(&a, &b, sizeof(LOCKTAG)) == 0; }

struct Backend {
    int pid;
    Oid dbid;
    Oid userid;
    char state[32];
    TimestampTz xact_start;
    TimestampTz statement_start;
    std::uint64_t queryid;
};

const char* state_name(BackendState state) {
    switch (state) {
        case STATE_IDLE: return "idle";
        case STATE_RUNNING: return "active";
        case STATE_IDLEINTRANSACTION: return "idle in transaction";
        case STATE_FASTPATH: return "fastpath function call";
        case STATE_IDLEINTRANSACTION_ABORTED: return "idle in transaction (aborted)";
        case STATE_DISABLED: return "disabled";
        default: return "";
    }
}

// The status of the backends involved (pid 0, a prepared transaction, has none).
Vector<Backend> read_backends(const Vector<int>& pids, Resource& resource) {
    Vector<Backend> out(&resource);
    pg::call([] { pgstat_clear_backend_activity_snapshot(); });
    const int count = pg::call([] { return pgstat_fetch_stat_numbackends(); });
    for (int i = 1; i <= count; ++i) {
        const LocalPgBackendStatus* local = pg::call([i] { return pgstat_fetch_stat_local_beentry(i); });
        if (local == nullptr)
            continue;
        const PgBackendStatus& status = local->backendStatus;
        if (!std::binary_search(pids.begin(), pids.end(), status.st_procpid))
            continue;
        Backend& b = out.emplace_back();
        b.pid = status.st_procpid;
        b.dbid = status.st_databaseid;
        b.userid = status.st_userid;
        snprintf(b.state, sizeof b.state, "%s", state_name(status.st_state));
        b.xact_start = status.st_xact_start_timestamp;
        b.statement_start = status.st_activity_start_timestamp;
        b.queryid = status.st_query_id;
    }
    std::sort(out.begin(), out.end(), [](const Backend& a, const Backend& b) { return a.pid < b.pid; });
    return out;
}

const Backend* find_backend(const Vector<Backend>& backends, int pid) {
    auto it = std::lower_bound(backends.begin(), backends.end(), pid,
                               [](const Backend& b, int p) { return b.pid < p; });
    return it != backends.end() && it->pid == pid ? &*it : nullptr;
}

// Builds the episodes seen now (sequence, ended and written not set yet).
Vector<LockEpisode> observe(TimestampTz now, Resource& resource) {
    Vector<LockEpisode> seen(&resource);
    const LockData* data = pg::call([] { return GetLockStatusData(); });
    const TimestampTz threshold = static_cast<TimestampTz>(settings::lock_episode_ms) * 1000;

    // The locks somebody has waited on long enough, with all their members.
    Vector<const LockInstanceData*> entries(&resource);
    for (int i = 0; i < data->nelements; ++i)
        entries.push_back(&data->locks[i]);
    std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) {
        return std::memcmp(&a->locktag, &b->locktag, sizeof(LOCKTAG)) < 0;
    });
    Vector<AwaitedLock> locks(&resource);
    Vector<const LockInstanceData*> waits(&resource);  // the long waits
    for (std::size_t begin = 0; begin < entries.size();) {
        std::size_t end = begin + 1;
        while (end < entries.size() && same_tag(entries[end]->locktag, entries[begin]->locktag))
            ++end;
        bool awaited = false;
        for (std::size_t i = begin; i < end; ++i)
            awaited = awaited || entries[i]->waitLockMode != NoLock;
        if (awaited) {
            AwaitedLock& lock = locks.emplace_back(
                AwaitedLock{Vector<LockMember>(&resource), Vector<std::int32_t>(&resource), {}});
            const LockMethod method = pg::call([&] { return GetLockTagsMethodTable(&entries[begin]->locktag); });
            for (int mode = 1; mode <= method->numLockModes && mode < max_lock_modes; ++mode)
                lock.conflicts[mode] = static_cast<std::uint32_t>(method->conflictTab[mode]);
            Vector<const LockInstanceData*> queue(&resource);
            for (std::size_t i = begin; i < end; ++i) {
                const LockInstanceData& e = *entries[i];
                lock.members.push_back(LockMember{e.pid, e.leaderPid,
                                                  static_cast<std::uint32_t>(e.holdMask), e.waitLockMode});
                if (e.waitLockMode != NoLock) {
                    queue.push_back(&e);
                    if (e.waitStart != 0 && now - e.waitStart >= threshold)
                        waits.push_back(&e);
                }
            }
            // Queue order approximated by wait start: exact queue order only
            // matters for soft blockers, which rarely change the root.
            std::stable_sort(queue.begin(), queue.end(),
                             [](auto* a, auto* b) { return a->waitStart < b->waitStart; });
            for (auto* e : queue)
                lock.wait_queue.push_back(e->pid);
        }
        begin = end;
    }
    if (waits.empty())
        return seen;

    const Vector<ForestNode> forest = build_lock_forest(locks, resource);
    auto root_of = [&forest](int pid, int leader) {
        for (const ForestNode& node : forest)
            if (node.pid == leader || node.pid == pid)
                return node.root_pid;
        return leader;
    };
    Vector<int> pids(&resource);
    for (const LockInstanceData* w : waits) {
        pids.push_back(w->pid);
        pids.push_back(root_of(w->pid, w->leaderPid));
    }
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    const Vector<Backend> backends = read_backends(pids, resource);

    for (const LockInstanceData* w : waits) {
        LockEpisode e{};
        e.started = w->waitStart;
        e.last_seen = now;
        e.waiter_pid = w->pid;
        e.lock_type = w->locktag.locktag_type;
        e.lock_mode = static_cast<std::uint8_t>(w->waitLockMode);
        if (w->locktag.locktag_type == LOCKTAG_RELATION || w->locktag.locktag_type == LOCKTAG_PAGE ||
            w->locktag.locktag_type == LOCKTAG_TUPLE || w->locktag.locktag_type == LOCKTAG_RELATION_EXTEND)
            e.relation = w->locktag.locktag_field2;
        if (const Backend* b = find_backend(backends, w->pid)) {
            e.dbid = b->dbid;
            e.waiter_userid = b->userid;
            e.waiter_queryid = b->queryid;
            e.waiter_statement_start = b->statement_start;
        }
        e.root_pid = root_of(w->pid, w->leaderPid);
        e.root_sampled_at = now;
        if (const Backend* r = find_backend(backends, e.root_pid)) {
            e.root_dbid = r->dbid;
            e.root_userid = r->userid;
            std::memcpy(e.root_state, r->state, sizeof e.root_state);
            e.root_xact_start = r->xact_start;
            e.root_queryid = r->queryid;
        } else if (e.root_pid == 0) {
            snprintf(e.root_state, sizeof e.root_state, "prepared");
        }
        seen.push_back(e);
    }
    return seen;
}

// A statement that waits for a lock while it is parsed has no query id yet;
// once the wait is over, the same statement (same start) has one.
struct LaterQueryid {
    std::int32_t pid;
    TimestampTz statement_start;
    std::uint64_t queryid;
};

// The query ids of waiters that had none, read now.
Vector<LaterQueryid> later_queryids(Resource& resource) {
    Vector<LaterQueryid> later(&resource);
    later.reserve(lock_episode_capacity);
    with_lock_episodes([&later](LockEpisode* ring) {
        for (int i = 0; i < lock_episode_capacity; ++i)
            if (ring[i].sequence != 0 && !ring[i].ended && ring[i].waiter_queryid == 0)
                later.push_back(LaterQueryid{ring[i].waiter_pid, ring[i].waiter_statement_start, 0});
    });
    if (later.empty())
        return later;
    Vector<int> pids(&resource);
    for (const LaterQueryid& l : later)
        pids.push_back(l.pid);
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    const Vector<Backend> backends = read_backends(pids, resource);
    for (LaterQueryid& l : later)
        if (const Backend* b = find_backend(backends, l.pid); b != nullptr && b->statement_start == l.statement_start)
            l.queryid = b->queryid;
    return later;
}

void sample(TimestampTz now) {
    if (sample_context == nullptr)
        sample_context = AllocSetContextCreate(TopMemoryContext, "hastecrm_perf lock sampler",
                                               ALLOCSET_SMALL_SIZES);
    MemoryContextReset(sample_context);
    const MemoryContext previous = MemoryContextSwitchTo(sample_context);
    pg::guard([now] {
        pg::ContextResource resource(sample_context);
        const Vector<LockEpisode> seen = observe(now, resource);
        const Vector<LaterQueryid> later = later_queryids(resource);
        with_lock_episodes([&](LockEpisode* ring) {
            merge_episode_sample<lock_episode_capacity>(ring, seen.data(), seen.size(), later.data(),
                                                        later.size());
        });
        return 0;
    });
    MemoryContextSwitchTo(previous);
}

}  // namespace

long history_launcher_tick() {
    pg::guard([] {
        release_baseline_when_off();
        return 0;
    });
    // No snapshot would ever write the episodes without a history database.
    const auto empty = [](const char* text) { return text == nullptr || text[0] == '\0'; };
    if (settings::history_interval_s <= 0 || settings::lock_episode_ms <= 0 ||
        (empty(settings::history_database) && empty(settings::worker_databases)))
        return LONG_MAX;
    const TimestampTz now = GetCurrentTimestamp();
    if (now >= next_sample) {
        sample(now);
        next_sample = TimestampTzPlusMilliseconds(now, sample_interval_ms);
    }
    return std::max(1L, TimestampDifferenceMilliseconds(GetCurrentTimestamp(), next_sample));
}

}  // namespace hastecrm_perf::history
