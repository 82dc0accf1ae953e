#include "history/snapshot.hpp"

#include <algorithm>
#include <cstring>

#include "core/name_list.hpp"
#include "core/statement_delta.hpp"
#include "core/top_statements.hpp"
#include "history/history_partitions.hpp"
#include "history/history_shared.hpp"
#include "history/relation_files.hpp"
#include "history/statement_baseline.hpp"
#include "history/stored_histogram.hpp"
#include "pg/array_column.hpp"
#include "pg/call.hpp"
#include "pg/memory.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"
#include "settings.hpp"
#include "stats/latency_readings.hpp"
#include "stats/latency_table.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::history {
namespace {

constexpr double us_per_ms = 1000.0;
constexpr std::int64_t min_relation_bytes = 1024 * 1024;
constexpr std::size_t max_relations = 5000;

pg::SqlParam time_param(std::int64_t value) { return {TIMESTAMPTZOID, TimestampTzGetDatum(value)}; }
pg::SqlParam array_param(Oid type, const pg::ArrayColumn& column) { return {type, column.array()}; }
Datum int8_datum(std::uint64_t value) {
    return Int64GetDatum(static_cast<int64>(std::min<std::uint64_t>(value, PG_INT64_MAX)));
}

// The normalized texts of sorted, distinct keys (query_text_room bytes each).
class Texts {
public:
    Texts(const Vector<StatementKey>& keys, Resource& resource) : keys_(keys), texts_(&resource) {
        texts_.resize(keys.size() * stats::query_text_room);
        if (stats::LatencyTable::available())
            stats::copy_texts(keys.data(), keys.size(), texts_.data());
        else
            std::fill(texts_.begin(), texts_.end(), '\0');
    }
    // Empty when the entry is gone.
    const char* of(const StatementKey& key) const {
        auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
        if (it == keys_.end() || !(*it == key))
            return "";
        return texts_.data() + static_cast<std::size_t>(it - keys_.begin()) * stats::query_text_room;
    }

private:
    const Vector<StatementKey>& keys_;
    Vector<char> texts_;
};

void sort_unique(Vector<StatementKey>& keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

// The baseline is gone after a restart: the last snapshot's time is in the table.
std::optional<std::int64_t> last_snapshot_in_table(pg::Spi& spi) {
    if (spi.execute("SELECT last_snapshot FROM hastecrm_perf.history_state", {}) != 1)
        return std::nullopt;
    bool is_null = false;
    const Datum value = spi.value(0, 1, &is_null);
    if (is_null)
        return std::nullopt;
    return DatumGetTimestampTz(value);
}

// The statements: deltas against the baseline, the top ones and the rest
// per database, their texts. Returns the rows written.
struct StatementPass {
    std::size_t seen = 0;
    std::size_t rows = 0;
};

StatementPass write_statements(std::int64_t now, const StatementReading* readings, std::size_t count,
                               const StatementBaseline& baseline, Resource& resource) {
    StatementPass pass;
    pass.seen = count;
    pg::Spi spi;
    std::optional<std::int64_t> previous = baseline.taken_at();
    if (!previous)
        previous = last_snapshot_in_table(spi);
    if (!previous)
        return pass;  // the first snapshot: a baseline only

    Vector<StatementDelta> deltas(&resource);
    deltas.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        if (auto delta = statement_delta(baseline.find(readings[i].key), readings[i], previous))
            deltas.push_back(*delta);
    const Vector<KeptStatement> kept =
        keep_top_statements(deltas, static_cast<std::size_t>(settings::history_top), resource);
    if (kept.empty())
        return pass;

    Vector<StatementKey> keys(&resource);
    for (const KeptStatement& k : kept)
        if (!k.other)
            keys.push_back(k.delta.key);
    sort_unique(keys);
    const Texts texts(keys, resource);

    pg::ArrayColumn userid(OIDOID, resource), dbid(OIDOID, resource), queryid(INT8OID, resource),
        calls(INT8OID, resource), errors(INT8OID, resource), rows(INT8OID, resource),
        total_ms(FLOAT8OID, resource), max_ms(FLOAT8OID, resource), histogram(BYTEAOID, resource);
    pg::ArrayColumn text_userid(OIDOID, resource), text_dbid(OIDOID, resource),
        text_queryid(INT8OID, resource), text_query(TEXTOID, resource);
    for (const KeptStatement& k : kept) {
        const StatementDelta& d = k.delta;
        if (k.other) {
            userid.add_null();
            queryid.add_null();
        } else {
            userid.add(ObjectIdGetDatum(d.key.userid));
            queryid.add(Int64GetDatum(static_cast<int64>(d.key.queryid)));
            const char* text = texts.of(d.key);
            if (*text != '\0') {
                text_userid.add(ObjectIdGetDatum(d.key.userid));
                text_dbid.add(ObjectIdGetDatum(d.key.dbid));
                text_queryid.add(Int64GetDatum(static_cast<int64>(d.key.queryid)));
                text_query.add(pg::text_datum(text));
            }
        }
        dbid.add(ObjectIdGetDatum(d.key.dbid));
        calls.add(int8_datum(d.counts.calls));
        errors.add(int8_datum(d.counts.errors));
        rows.add(int8_datum(d.counts.rows));
        total_ms.add(Float8GetDatum(static_cast<double>(d.counts.total_us) / us_per_ms));
        if (d.max_us)
            max_ms.add(Float8GetDatum(static_cast<double>(*d.max_us) / us_per_ms));
        else
            max_ms.add_null();
        histogram.add(stored_histogram(d.counts.histogram));
    }
    spi.execute(
        "INSERT INTO hastecrm_perf.statement_history (snapshot_at, interval_start, userid, dbid, "
        "queryid, calls, errors, rows, total_ms, max_ms, histogram) "
        "SELECT $1, $2, u.* FROM unnest($3::pg_catalog.oid[], $4::pg_catalog.oid[], "
        "$5::pg_catalog.int8[], $6::pg_catalog.int8[], $7::pg_catalog.int8[], $8::pg_catalog.int8[], "
        "$9::pg_catalog.float8[], $10::pg_catalog.float8[], $11::pg_catalog.bytea[]) u",
        {time_param(now), time_param(*previous), array_param(OIDARRAYOID, userid),
         array_param(OIDARRAYOID, dbid), array_param(INT8ARRAYOID, queryid),
         array_param(INT8ARRAYOID, calls), array_param(INT8ARRAYOID, errors),
         array_param(INT8ARRAYOID, rows), array_param(FLOAT8ARRAYOID, total_ms),
         array_param(FLOAT8ARRAYOID, max_ms), array_param(BYTEAARRAYOID, histogram)},
        false);
    pass.rows = kept.size();
    // A text is rewritten at most once a day: that keeps it from being pruned.
    spi.execute(
        "INSERT INTO hastecrm_perf.statement_text AS t (userid, dbid, queryid, query, last_snapshot) "
        "SELECT u.userid, u.dbid, u.queryid, u.query, $1 FROM unnest("
        "$2::pg_catalog.oid[], $3::pg_catalog.oid[], $4::pg_catalog.int8[], $5::pg_catalog.text[]) "
        "AS u(userid, dbid, queryid, query) "
        // Texts written within the day are not even locked again.
        "WHERE NOT EXISTS (SELECT FROM hastecrm_perf.statement_text k WHERE k.userid = u.userid "
        "AND k.dbid = u.dbid AND k.queryid = u.queryid AND k.last_snapshot OPERATOR(pg_catalog.>=) "
        "($1 OPERATOR(pg_catalog.-) interval '1 day')) "
        "ON CONFLICT (userid, dbid, queryid) DO UPDATE SET query = excluded.query, "
        "last_snapshot = excluded.last_snapshot "
        "WHERE t.last_snapshot OPERATOR(pg_catalog.<) "
        "(excluded.last_snapshot OPERATOR(pg_catalog.-) interval '1 day')",
        {time_param(now), array_param(OIDARRAYOID, text_userid), array_param(OIDARRAYOID, text_dbid),
         array_param(INT8ARRAYOID, text_queryid), array_param(TEXTARRAYOID, text_query)},
        false);
    return pass;
}

constexpr const char* databases_sql = R"SQL(
INSERT INTO hastecrm_perf.database_history
SELECT $1, d.datid, d.datname, d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit,
       d.tup_returned, d.tup_fetched, d.tup_inserted, d.tup_updated, d.tup_deleted,
       d.temp_files, d.temp_bytes, d.deadlocks, d.stats_reset,
       coalesce(a.active, 0), coalesce(a.idle, 0), coalesce(a.idle_in_transaction, 0),
       coalesce(a.waiting, 0), coalesce(a.total, 0)
FROM pg_catalog.pg_stat_database d
LEFT JOIN (
  SELECT s.datid,
         count(*) FILTER (WHERE s.state = 'active') AS active,
         count(*) FILTER (WHERE s.state = 'idle') AS idle,
         count(*) FILTER (WHERE s.state LIKE 'idle in transaction%') AS idle_in_transaction,
         count(*) FILTER (WHERE s.wait_event_type = 'Lock') AS waiting,
         count(*) AS total
  FROM pg_catalog.pg_stat_activity s
  WHERE s.backend_type = 'client backend'
  GROUP BY s.datid) a ON a.datid = d.datid
WHERE d.datid <> 0
)SQL";

std::uint64_t write_databases(std::int64_t now) {
    pg::Spi spi;
    return spi.execute(databases_sql, {time_param(now)}, false);
}

// The files of every table and matview with its indexes and TOAST.
constexpr const char* relation_files_sql = R"SQL(
SELECT c.oid, c.oid, 'h'::"char" FROM pg_catalog.pg_class c
 WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND NOT c.relisshared
UNION ALL
SELECT c.oid, i.indexrelid, 'i' FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_index i ON i.indrelid = c.oid
 WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND NOT c.relisshared
UNION ALL
SELECT c.oid, c.reltoastrelid, 't' FROM pg_catalog.pg_class c
 WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND NOT c.relisshared
   AND c.reltoastrelid <> 0
UNION ALL
SELECT c.oid, i.indexrelid, 't' FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_index i ON i.indrelid = c.reltoastrelid
 WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND NOT c.relisshared
   AND c.reltoastrelid <> 0
ORDER BY 1
)SQL";

constexpr const char* relations_insert_sql = R"SQL(
INSERT INTO hastecrm_perf.relation_history
SELECT $1, u.relid, n.nspname, c.relname, c.relkind, u.heap, u.idx, u.toast,
       u.heap + u.idx + u.toast, s.n_live_tup, s.n_dead_tup, s.seq_scan, s.seq_tup_read,
       s.idx_scan, s.idx_tup_fetch, s.n_tup_ins, s.n_tup_upd, s.n_tup_del
FROM unnest($2::pg_catalog.oid[], $3::pg_catalog.int8[], $4::pg_catalog.int8[],
                       $5::pg_catalog.int8[]) AS u(relid, heap, idx, toast)
JOIN pg_catalog.pg_class c ON c.oid = u.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = u.relid
)SQL";

// One row per index of those tables, with its own scan counter (what the
// health check of unused indexes reads over a week): its size from
// pg_class.relpages, which needs no lock on it.
constexpr const char* index_rows_insert_sql = R"SQL(
INSERT INTO hastecrm_perf.relation_history
SELECT $1, i.indexrelid, n.nspname, ic.relname, ic.relkind, 0, ic.relpages::pg_catalog.int8 * 8192, 0,
       ic.relpages::pg_catalog.int8 * 8192, NULL, NULL, NULL, NULL, s.idx_scan, s.idx_tup_fetch, NULL, NULL, NULL
FROM unnest($2::pg_catalog.oid[]) AS u(relid)
JOIN pg_catalog.pg_index i ON i.indrelid = u.relid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
)SQL";

struct RelationSize {
    Oid relid;
    std::int64_t heap;
    std::int64_t indexes;
    std::int64_t toast;
    std::int64_t total() const { return heap + indexes + toast; }
};

// Once a day (UTC): false when today's sizes are written already.
bool relations_due(pg::Spi& spi, std::int64_t now) {
    spi.execute(
        "SELECT relations_day IS DISTINCT FROM ($1::pg_catalog.timestamptz AT TIME ZONE 'UTC')::pg_catalog.date "
        "FROM hastecrm_perf.history_state",
        {time_param(now)});
    bool is_null = false;
    return DatumGetBool(spi.value(0, 1, &is_null));
}

std::size_t write_relations(std::int64_t now, Resource& resource) {
    pg::Spi spi;
    if (!relations_due(spi, now))
        return 0;
    const std::uint64_t files = spi.execute(relation_files_sql, {});
    Vector<RelationSize> sizes(&resource);
    for (std::uint64_t row = 0; row < files; ++row) {
        bool is_null = false;
        const Oid relid = DatumGetObjectId(spi.value(row, 1, &is_null));
        const Oid file = DatumGetObjectId(spi.value(row, 2, &is_null));
        const char part = DatumGetChar(spi.value(row, 3, &is_null));
        if (sizes.empty() || sizes.back().relid != relid)
            sizes.push_back(RelationSize{relid, 0, 0, 0});
        const std::int64_t bytes = relation_file_bytes(file);
        RelationSize& size = sizes.back();
        (part == 'h' ? size.heap : part == 'i' ? size.indexes : size.toast) += bytes;
    }
    sizes.erase(std::remove_if(sizes.begin(), sizes.end(),
                               [](const RelationSize& s) { return s.total() < min_relation_bytes; }),
                sizes.end());
    std::sort(sizes.begin(), sizes.end(), [](const RelationSize& a, const RelationSize& b) {
        return a.total() != b.total() ? a.total() > b.total() : a.relid < b.relid;
    });
    if (sizes.size() > max_relations)
        sizes.resize(max_relations);
    pg::ArrayColumn relid(OIDOID, resource), heap(INT8OID, resource), indexes(INT8OID, resource),
        toast(INT8OID, resource);
    for (const RelationSize& s : sizes) {
        relid.add(ObjectIdGetDatum(s.relid));
        heap.add(Int64GetDatum(s.heap));
        indexes.add(Int64GetDatum(s.indexes));
        toast.add(Int64GetDatum(s.toast));
    }
    const std::uint64_t written = spi.execute(
        relations_insert_sql,
        {time_param(now), array_param(OIDARRAYOID, relid), array_param(INT8ARRAYOID, heap),
         array_param(INT8ARRAYOID, indexes), array_param(INT8ARRAYOID, toast)},
        false);
    spi.execute(index_rows_insert_sql, {time_param(now), array_param(OIDARRAYOID, relid)}, false);
    spi.execute("UPDATE hastecrm_perf.history_state SET relations_day = "
                "($1::pg_catalog.timestamptz AT TIME ZONE 'UTC')::pg_catalog.date",
                {time_param(now)}, false);
    return written;
}

constexpr const char* episodes_insert_sql = R"SQL(
INSERT INTO hastecrm_perf.lock_episodes
SELECT u.started_at, u.duration_ms, true, u.dbid, u.waiter_pid, u.waiter_userid,
       nullif(u.waiter_queryid, 0), nullif(u.waiter_query, ''), u.lock_type, u.lock_mode,
       nullif(u.relation, 0),
       CASE WHEN u.dbid = (SELECT d.oid FROM pg_catalog.pg_database d
                           WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
            THEN (SELECT c.oid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_class c
                  WHERE c.oid = u.relation) END,
       u.root_pid, nullif(u.root_userid, 0), nullif(u.root_state, ''),
       CASE WHEN u.root_xact_start IS NOT NULL THEN u.root_sampled_at - u.root_xact_start END,
       nullif(u.root_queryid, 0), nullif(u.root_query, '')
FROM unnest($1::pg_catalog.timestamptz[], $2::pg_catalog.float8[], $3::pg_catalog.oid[],
                       $4::pg_catalog.int4[], $5::pg_catalog.oid[], $6::pg_catalog.int8[],
                       $7::pg_catalog.text[], $8::pg_catalog.text[], $9::pg_catalog.text[],
                       $10::pg_catalog.oid[], $11::pg_catalog.int4[], $12::pg_catalog.oid[],
                       $13::pg_catalog.text[], $14::pg_catalog.timestamptz[],
                       $15::pg_catalog.timestamptz[], $16::pg_catalog.int8[], $17::pg_catalog.text[])
  AS u(started_at, duration_ms, dbid, waiter_pid, waiter_userid, waiter_queryid, waiter_query,
       lock_type, lock_mode, relation, root_pid, root_userid, root_state, root_xact_start,
       root_sampled_at, root_queryid, root_query)
)SQL";

std::size_t write_lock_episodes(Vector<std::uint64_t>& sequences, Resource& resource) {
    Vector<LockEpisode> ready(&resource);
    ready.reserve(lock_episode_capacity);
    with_lock_episodes([&ready](LockEpisode* ring) {
        for (int i = 0; i < lock_episode_capacity; ++i)
            if (ring[i].sequence != 0 && ring[i].ended && !ring[i].written)
                ready.push_back(ring[i]);  // capacity reserved: no allocation
    });
    if (ready.empty())
        return 0;
    Vector<StatementKey> keys(&resource);
    for (const LockEpisode& e : ready) {
        keys.push_back(StatementKey{e.waiter_userid, e.dbid, e.waiter_queryid});
        keys.push_back(StatementKey{e.root_userid, e.root_dbid, e.root_queryid});
    }
    sort_unique(keys);
    const Texts texts(keys, resource);

    pg::ArrayColumn started(TIMESTAMPTZOID, resource), duration(FLOAT8OID, resource),
        dbid(OIDOID, resource), waiter_pid(INT4OID, resource), waiter_userid(OIDOID, resource),
        waiter_queryid(INT8OID, resource), waiter_query(TEXTOID, resource),
        lock_type(TEXTOID, resource), lock_mode(TEXTOID, resource), relation(OIDOID, resource),
        root_pid(INT4OID, resource), root_userid(OIDOID, resource), root_state(TEXTOID, resource),
        root_xact_start(TIMESTAMPTZOID, resource), root_sampled_at(TIMESTAMPTZOID, resource),
        root_queryid(INT8OID, resource), root_query(TEXTOID, resource);
    for (const LockEpisode& e : ready) {
        started.add(TimestampTzGetDatum(e.started));
        duration.add(Float8GetDatum(static_cast<double>(e.last_seen - e.started) / us_per_ms));
        dbid.add(ObjectIdGetDatum(e.dbid));
        waiter_pid.add(Int32GetDatum(e.waiter_pid));
        waiter_userid.add(ObjectIdGetDatum(e.waiter_userid));
        waiter_queryid.add(Int64GetDatum(static_cast<int64>(e.waiter_queryid)));
        waiter_query.add(pg::text_datum(
            e.waiter_queryid ? texts.of(StatementKey{e.waiter_userid, e.dbid, e.waiter_queryid}) : ""));
        lock_type.add(pg::text_datum(e.lock_type <= LOCKTAG_LAST_TYPE ? LockTagTypeNames[e.lock_type] : "?"));
        lock_mode.add(pg::text_datum(pg::call([&e] { return GetLockmodeName(DEFAULT_LOCKMETHOD, e.lock_mode); })));
        relation.add(ObjectIdGetDatum(e.relation));
        root_pid.add(Int32GetDatum(e.root_pid));
        root_userid.add(ObjectIdGetDatum(e.root_userid));
        root_state.add(pg::text_datum(e.root_state));
        if (e.root_xact_start != 0)
            root_xact_start.add(TimestampTzGetDatum(e.root_xact_start));
        else
            root_xact_start.add_null();
        root_sampled_at.add(TimestampTzGetDatum(e.root_sampled_at));
        root_queryid.add(Int64GetDatum(static_cast<int64>(e.root_queryid)));
        root_query.add(pg::text_datum(
            e.root_queryid ? texts.of(StatementKey{e.root_userid, e.root_dbid, e.root_queryid}) : ""));
    }
    pg::Spi spi;
    spi.execute(episodes_insert_sql,
                {array_param(TIMESTAMPTZARRAYOID, started), array_param(FLOAT8ARRAYOID, duration),
                 array_param(OIDARRAYOID, dbid), array_param(INT4ARRAYOID, waiter_pid),
                 array_param(OIDARRAYOID, waiter_userid), array_param(INT8ARRAYOID, waiter_queryid),
                 array_param(TEXTARRAYOID, waiter_query), array_param(TEXTARRAYOID, lock_type),
                 array_param(TEXTARRAYOID, lock_mode), array_param(OIDARRAYOID, relation),
                 array_param(INT4ARRAYOID, root_pid), array_param(OIDARRAYOID, root_userid),
                 array_param(TEXTARRAYOID, root_state), array_param(TIMESTAMPTZARRAYOID, root_xact_start),
                 array_param(TIMESTAMPTZARRAYOID, root_sampled_at), array_param(INT8ARRAYOID, root_queryid),
                 array_param(TEXTARRAYOID, root_query)},
                false);
    for (const LockEpisode& e : ready)
        sequences.push_back(e.sequence);
    std::sort(sequences.begin(), sequences.end());
    return ready.size();
}

// Marks the episodes written (after their INSERT succeeded). Should the
// transaction still fail, they are lost rather than written twice.
void mark_written(const Vector<std::uint64_t>& sequences) {
    with_lock_episodes([&sequences](LockEpisode* ring) {
        for (int i = 0; i < lock_episode_capacity; ++i)
            if (ring[i].sequence != 0 &&
                std::binary_search(sequences.begin(), sequences.end(), ring[i].sequence))
                ring[i].written = true;
    });
}

// Hours that ended since the last rollup, merged per statement.
constexpr const char* rollup_sql = R"SQL(
WITH bounds AS (
  SELECT greatest(coalesce(s.rolled_up_to, '-infinity'),
                  pg_catalog.date_trunc('hour', $1::pg_catalog.timestamptz
                                         OPERATOR(pg_catalog.-) $2::pg_catalog.int4 * interval '1 day', 'UTC')) AS since,
         pg_catalog.date_trunc('hour', $1::pg_catalog.timestamptz, 'UTC') AS till
  FROM hastecrm_perf.history_state s),
merged AS (
  INSERT INTO hastecrm_perf.statement_history_hourly
  SELECT pg_catalog.date_trunc('hour', h.snapshot_at, 'UTC'), h.userid, h.dbid, h.queryid, count(*),
         sum(h.calls), sum(h.errors), sum(h.rows), sum(h.total_ms), max(h.max_ms),
         hastecrm_perf.histogram_merge(pg_catalog.array_agg(h.histogram))
  FROM hastecrm_perf.statement_history h, bounds b
  WHERE h.snapshot_at >= b.since AND h.snapshot_at < b.till
  GROUP BY 1, 2, 3, 4
  RETURNING 1)
UPDATE hastecrm_perf.history_state s SET rolled_up_to = b.till
FROM bounds b
WHERE b.till > coalesce(s.rolled_up_to, '-infinity')
RETURNING (SELECT count(*) FROM merged)
)SQL";

std::uint64_t roll_up(std::int64_t now) {
    pg::Spi spi;
    if (spi.execute(rollup_sql, {time_param(now), {INT4OID, Int32GetDatum(settings::history_days)}},
                    false) == 0)
        return 0;
    bool is_null = false;
    return static_cast<std::uint64_t>(DatumGetInt64(spi.value(0, 1, &is_null)));
}

void prune_texts(std::int64_t now) {
    pg::Spi spi;
    spi.execute("DELETE FROM hastecrm_perf.statement_text WHERE last_snapshot < $1::pg_catalog.timestamptz "
                "OPERATOR(pg_catalog.-) ($2::pg_catalog.int4 + 2) * interval '1 day'",
                {time_param(now), {INT4OID, Int32GetDatum(settings::history_hourly_days)}}, false);
}

}  // namespace

bool is_history_database() {
    if (settings::history_interval_s <= 0)
        return false;
    auto resource = pg::ContextResource::current();
    const char* configured = settings::history_database;
    const NameList list = parse_name_list(
        configured != nullptr && configured[0] != '\0' ? configured
        : settings::worker_databases != nullptr    ? settings::worker_databases
                                                   : "",
        resource);
    if (list.names.empty())
        return false;
    const char* here = pg::call([] { return get_database_name(MyDatabaseId); });
    return here != nullptr && list.names.front() == here;
}

SnapshotSummary take_snapshot(Resource& resource) {
    SnapshotSummary summary(resource);
    summary.action = "snapshot";
    const std::int64_t now = GetCurrentTimestamp();
    make_partitions(now);

    // The readings stay until the end: they become the next baseline.
    const std::size_t capacity = static_cast<std::size_t>(settings::max_queries);
    Vector<StatementReading> readings(&resource);
    std::size_t count = 0;
    if (stats::LatencyTable::available()) {
        readings.resize(capacity);
        count = stats::copy_readings(readings.data(), capacity);
        std::sort(readings.begin(), readings.begin() + static_cast<std::ptrdiff_t>(count),
                  [](const StatementReading& a, const StatementReading& b) { return a.key < b.key; });
    }
    StatementBaseline baseline;
    const StatementPass statements = write_statements(now, readings.data(), count, baseline, resource);
    const std::uint64_t databases = write_databases(now);
    const std::size_t relations = write_relations(now, resource);

    Vector<std::uint64_t> episode_sequences(&resource);
    const std::size_t episodes = write_lock_episodes(episode_sequences, resource);
    {
        pg::Spi spi;
        spi.execute("UPDATE hastecrm_perf.history_state SET last_snapshot = $1", {time_param(now)}, false);
    }
    const std::uint64_t rolled = roll_up(now);
    const Retired retired = retire_partitions(now);
    prune_texts(now);

    if (stats::LatencyTable::available())
        baseline.replace(readings.data(), count, capacity, now);
    if (episodes > 0)
        mark_written(episode_sequences);

    char detail[256];
    snprintf(detail, sizeof detail,
             "%zu statements (%zu rows), %llu databases, %zu relations, %zu lock episodes, "
             "%llu hourly rows; %d partitions expired, %d dropped for history_max_mb",
             statements.seen, statements.rows, static_cast<unsigned long long>(databases), relations,
             episodes, static_cast<unsigned long long>(rolled), retired.expired, retired.capped);
    summary.detail = detail;
    return summary;
}

}  // namespace hastecrm_perf::history
