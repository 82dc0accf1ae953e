#include "reports/backend_directory.hpp"

#include <algorithm>
#include <sys/socket.h>
#include <netdb.h>

#include "pg/call.hpp"
#include "pg/set_result.hpp"

extern "C" {
#include "common/ip.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/wait_event.h"
}

namespace hastecrm_perf::reports {

BackendDirectory::BackendDirectory(Resource& resource) : by_pid_(&resource) {
    const int count = pg::call([] { return pgstat_fetch_stat_numbackends(); });
    by_pid_.reserve(count);
    for (int id = 1; id <= count; ++id) {
        LocalPgBackendStatus* local = pg::call([id] { return pgstat_fetch_stat_local_beentry(id); });
        if (local != nullptr && local->backendStatus.st_procpid > 0)
            by_pid_.push_back(&local->backendStatus);
    }
    std::sort(by_pid_.begin(), by_pid_.end(),
              [](auto* a, auto* b) { return a->st_procpid < b->st_procpid; });
}

const PgBackendStatus* BackendDirectory::find(std::int32_t pid) const {
    auto it = std::lower_bound(by_pid_.begin(), by_pid_.end(), pid,
                               [](auto* entry, std::int32_t p) { return entry->st_procpid < p; });
    return it != by_pid_.end() && (*it)->st_procpid == pid ? *it : nullptr;
}

bool BackendDirectory::may_see(const PgBackendStatus& backend) const {
    return visibility_.may_see(backend.st_userid);
}

const char* backend_state_name(BackendState state) {
    switch (state) {
        case STATE_IDLE: return "idle";
        case STATE_RUNNING: return "active";
        case STATE_IDLEINTRANSACTION: return "idle in transaction";
        case STATE_FASTPATH: return "fastpath function call";
        case STATE_IDLEINTRANSACTION_ABORTED: return "idle in transaction (aborted)";
        case STATE_DISABLED: return "disabled";
        case STATE_UNDEFINED: break;
    }
    return nullptr;
}

Datum backend_client_addr(const PgBackendStatus& backend, bool* is_null) {
    const SockAddr& client = backend.st_clientaddr;
    const int family = client.addr.ss_family;
    *is_null = true;
    if (family != AF_INET && family != AF_INET6)
        return Datum(0);  // a Unix socket or a background process
    return pg::call([&]() -> Datum {
        char host[NI_MAXHOST];
        if (pg_getnameinfo_all(&client.addr, client.salen, host, sizeof host, nullptr, 0,
                               NI_NUMERICHOST | NI_NUMERICSERV) != 0)
            return Datum(0);
        clean_ipv6_addr(family, host);
        *is_null = false;
        return DirectFunctionCall1(inet_in, CStringGetDatum(host));
    });
}

Datum backend_query(const PgBackendStatus& backend) {
    return pg::call([&] {
        char* clipped = pgstat_clip_activity(backend.st_activity_raw);
        return CStringGetTextDatum(clipped);
    });
}

Datum role_name(Oid role, bool* is_null) {
    return pg::call([role, is_null]() -> Datum {
        char* name = GetUserNameFromId(role, true);
        *is_null = name == nullptr;
        return name != nullptr ? CStringGetTextDatum(name) : Datum(0);
    });
}

WaitEvent backend_wait_event(std::int32_t pid) {
    return pg::call([pid] {
        PGPROC* proc = BackendPidGetProc(pid);
        if (proc == nullptr)
            return WaitEvent{nullptr, nullptr};
        const uint32 raw = *static_cast<volatile uint32*>(&proc->wait_event_info);
        return WaitEvent{pgstat_get_wait_event_type(raw), pgstat_get_wait_event(raw)};
    });
}

}  // namespace hastecrm_perf::reports
