#include "worker/job.hpp"

namespace hastecrm_perf::worker {

const char* kind_name(JobKind kind) {
    switch (kind) {
        case JobKind::partitions: return "partitions";
        case JobKind::refresh: return "refresh";
        case JobKind::snapshot: return "snapshot";
        case JobKind::analyze: return "analyze";
        case JobKind::reindex: return "reindex";
    }
    return "?";
}

const char* status_name(JobStatus status) {
    switch (status) {
        case JobStatus::ok: return "ok";
        case JobStatus::skipped: return "skipped";
        case JobStatus::error: return "error";
        case JobStatus::lock_timeout: return "lock_timeout";
    }
    return "error";
}

}  // namespace hastecrm_perf::worker
