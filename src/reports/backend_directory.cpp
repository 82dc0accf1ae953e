#include "reports/backend_directory.hpp"

#include <algorithm>
#include <cstring>
#include <sys/socket.h>
#include <netdb.h>

#include "pg/call.hpp"

extern "C" {
#include "common/ip.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/wait_event.h"
}

namespace hastecrm_perf::reports {

namespace {

// The shared array of backend-status slots, found once per process by the
// name and size backend_status.c gives it; slot n − 1 belongs to backend id n.
const volatile PgBackendStatus* status_slots() {
    static const volatile PgBackendStatus* slots = nullptr;
    if (slots == nullptr)
        slots = pg::call([] {
            bool found = false;
            const Size size = mul_size(sizeof(PgBackendStatus), MaxBackends + NUM_AUXPROCTYPES);
            void* array = ShmemInitStruct("Backend Status Array", size, &found);
            if (!found)
                elog(ERROR, "the backend status array is missing from shared memory");
            return static_cast<const volatile PgBackendStatus*>(array);
        });
    return slots;
}

// An exact-size copy in the call's memory (kept between calls: no fresh pages).
char* copy_string(const char* text, Resource& resource) {
    const std::size_t size = std::strlen(text) + 1;
    return static_cast<char*>(std::memcpy(resource.allocate(size, 1), text, size));
}

// Copies one slot if it still belongs to `pid`, by the slot's change-count
// protocol (as pgstat_read_current_status does), its strings through
// `scratch` (pgstat_track_activity_query_size bytes) into exact-size copies.
// Raw: inside pg::call (it checks for interrupts).
bool copy_status(const volatile PgBackendStatus* slot, std::int32_t pid, char* scratch,
                 PgBackendStatus* out, Resource& resource) {
    NameData appname;
    bool same = false;
    for (;;) {
        int before = 0, after = 0;
        pgstat_begin_read_activity(slot, before);
        same = slot->st_procpid == pid;
        if (same) {
            std::memcpy(out, const_cast<const PgBackendStatus*>(slot), sizeof(PgBackendStatus));
            strlcpy(NameStr(appname), const_cast<const char*>(slot->st_appname), NAMEDATALEN);
            strlcpy(scratch, const_cast<const char*>(slot->st_activity_raw),
                    pgstat_track_activity_query_size);
        }
        pgstat_end_read_activity(slot, after);
        if (pgstat_read_activity_complete(before, after))
            break;
        CHECK_FOR_INTERRUPTS();
    }
    if (same) {
        out->st_appname = copy_string(NameStr(appname), resource);
        out->st_activity_raw = copy_string(scratch, resource);
        out->st_clienthostname = nullptr;
    }
    return same;
}

}  // namespace

BackendDirectory::BackendDirectory(const ProcTable& procs, std::span<const std::int32_t> pids,
                                   Resource& resource)
    : entries_(&resource) {
    const volatile PgBackendStatus* slots = status_slots();
    Vector<std::int32_t> sorted(pids.begin(), pids.end(), &resource);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    entries_.reserve(sorted.size());
    char* const scratch = static_cast<char*>(resource.allocate(pgstat_track_activity_query_size, 1));
    // One wrapper for all the slots (a wrapper costs more than a slot's copy).
    pg::call([&] {
        for (const std::int32_t pid : sorted) {
            PGPROC* proc = pid > 0 ? procs.find(pid) : nullptr;
            if (proc == nullptr)
                continue;
            const BackendId id = proc->backendId;
            if (id < 1 || id > MaxBackends)
                continue;  // an auxiliary process, or the slot changed hands
            Entry& entry = entries_.emplace_back();
            entry.proc = proc;
            if (!copy_status(&slots[id - 1], pid, scratch, &entry.status, resource))
                entries_.pop_back();
        }
    });
}

const BackendDirectory::Entry* BackendDirectory::find(std::int32_t pid) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), pid,
                               [](const Entry& e, std::int32_t p) { return e.status.st_procpid < p; });
    return it != entries_.end() && it->status.st_procpid == pid ? &*it : nullptr;
}

bool BackendDirectory::may_see(const PgBackendStatus& backend) const {
    return visibility_.may_see(backend.st_userid);
}

WaitEvent BackendDirectory::wait_event(const Entry& backend) {
    const volatile PGPROC* proc = backend.proc;
    if (proc->pid != backend.status.st_procpid)
        return WaitEvent{nullptr, nullptr};  // it has exited since
    // Both only look the event up in static tables: they cannot raise.
    const uint32 raw = proc->wait_event_info;
    return WaitEvent{pgstat_get_wait_event_type(raw), pgstat_get_wait_event(raw)};
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
    char host[NI_MAXHOST];
    if (pg_getnameinfo_all(&client.addr, client.salen, host, sizeof host, nullptr, 0,
                           NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return Datum(0);
    clean_ipv6_addr(family, host);
    *is_null = false;
    return DirectFunctionCall1(inet_in, CStringGetDatum(host));
}

Datum backend_query(const PgBackendStatus& backend) {
    // Writers store the text cut at the slot's size, perhaps inside a
    // multibyte character: only text that fills the slot needs clipping.
    const char* raw = backend.st_activity_raw;
    int length = static_cast<int>(strlen(raw));
    if (length >= pgstat_track_activity_query_size - 1)
        length = pg_mbcliplen(raw, length, pgstat_track_activity_query_size - 1);
    return PointerGetDatum(cstring_to_text_with_len(raw, length));
}

Datum role_name(Oid role, bool* is_null) {
    char* name = GetUserNameFromId(role, true);
    *is_null = name == nullptr;
    return name != nullptr ? CStringGetTextDatum(name) : Datum(0);
}

}  // namespace hastecrm_perf::reports
