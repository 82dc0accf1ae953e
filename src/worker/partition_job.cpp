#include "worker/partition_job.hpp"

#include <climits>
#include <string>

#include "core/partition_calendar.hpp"
#include "pg/call.hpp"
#include "pg/error.hpp"
#include "pg/identifiers.hpp"
#include "pg/memory.hpp"
#include "pg/isolation.hpp"
#include "pg/local_settings.hpp"
#include "pg/run_as.hpp"
#include "pg/spi.hpp"
#include "pg/time_zone.hpp"
#include "settings.hpp"

extern "C" {
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/tablespace.h"
#include "mb/pg_wchar.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

namespace hastecrm_perf::worker {
namespace {

// What the relation cache says of the parent; plain data, filled under pg::call.
struct RawTable {
    char relkind;
    char persistence;
    char strategy;
    int key_columns;
    AttrNumber key_attnum;
    Oid key_type;
    Oid namespace_oid;
    Oid tablespace;
    int ranges;
    Oid* partitions;
    std::int64_t* lower;
    std::int64_t* upper;
    Oid default_partition;
};

bool supported_key_type(Oid type) {
    return type == DATEOID || type == TIMESTAMPOID || type == TIMESTAMPTZOID;
}

std::int64_t key_value(Oid type, Datum datum, PartitionRangeDatumKind kind) {
    if (kind == PARTITION_RANGE_DATUM_MINVALUE)
        return INT64_MIN;
    if (kind == PARTITION_RANGE_DATUM_MAXVALUE)
        return INT64_MAX;
    if (type == DATEOID) {
        const DateADT day = DatumGetDateADT(datum);
        if (DATE_IS_NOBEGIN(day))
            return INT64_MIN;
        if (DATE_IS_NOEND(day))
            return INT64_MAX;
        return static_cast<std::int64_t>(day) * micros_per_day;
    }
    return DatumGetInt64(datum);  // -infinity and infinity are the int64 limits already
}

// Runs inside pg::call: plain C, palloc'd results.
RawTable read_raw(Oid parent) {
    RawTable raw{};
    Relation rel = relation_open(parent, AccessShareLock);
    raw.relkind = rel->rd_rel->relkind;
    raw.persistence = rel->rd_rel->relpersistence;
    raw.namespace_oid = rel->rd_rel->relnamespace;
    raw.tablespace = rel->rd_rel->reltablespace;
    raw.default_partition = InvalidOid;
    if (raw.relkind == RELKIND_PARTITIONED_TABLE) {
        PartitionKey key = RelationGetPartitionKey(rel);
        raw.strategy = key->strategy;
        raw.key_columns = key->partnatts;
        raw.key_attnum = key->partattrs[0];
        raw.key_type = key->parttypid[0];
        // Partitions being detached concurrently still hold their range.
        PartitionDesc desc = RelationGetPartitionDesc(rel, false);
        PartitionBoundInfo bounds = desc->boundinfo;
        if (raw.strategy == PARTITION_STRATEGY_RANGE && raw.key_columns == 1 && bounds != nullptr &&
            supported_key_type(raw.key_type)) {
            raw.partitions = static_cast<Oid*>(palloc(sizeof(Oid) * (desc->nparts + 1)));
            raw.lower = static_cast<std::int64_t*>(palloc(sizeof(std::int64_t) * (desc->nparts + 1)));
            raw.upper = static_cast<std::int64_t*>(palloc(sizeof(std::int64_t) * (desc->nparts + 1)));
            // indexes[i] is the partition whose upper bound is datums[i]; its
            // lower bound is the datum before.
            for (int i = 1; i < bounds->ndatums; ++i) {
                const int index = bounds->indexes[i];
                if (index < 0)
                    continue;
                raw.partitions[raw.ranges] = desc->oids[index];
                raw.lower[raw.ranges] =
                    key_value(raw.key_type, bounds->datums[i - 1][0], bounds->kind[i - 1][0]);
                raw.upper[raw.ranges] =
                    key_value(raw.key_type, bounds->datums[i][0], bounds->kind[i][0]);
                ++raw.ranges;
            }
            if (bounds->default_index >= 0)
                raw.default_partition = desc->oids[bounds->default_index];
        }
    }
    relation_close(rel, NoLock);
    return raw;
}

struct PartitionedTable {
    explicit PartitionedTable(Resource& resource)
        : name(&resource), qualified(&resource), schema(&resource), key_column(&resource),
          ranges(&resource), partitions(&resource) {}

    String name;        // plain, for partition names
    String qualified;   // quoted, for SQL
    String schema;      // quoted
    String key_column;  // quoted
    Oid namespace_oid = InvalidOid;
    KeyKind kind = KeyKind::timestamptz;
    Oid tablespace = InvalidOid;
    Oid default_partition = InvalidOid;
    Vector<KeyRange> ranges;
    Vector<Oid> partitions;  // parallel to ranges
};

std::string display_name(Oid relation) {
    const char* name = pg::call([relation] { return get_rel_name(relation); });
    return name ? name : std::to_string(relation);
}

PartitionedTable read_table(Oid parent, Resource& resource) {
    if (pg::call([parent] { return get_rel_name(parent); }) == nullptr)
        throw pg::Error(ERRCODE_UNDEFINED_TABLE,
                        "relation with OID " + std::to_string(parent) + " does not exist");
    const RawTable raw = pg::call([parent] { return read_raw(parent); });
    const std::string shown = "\"" + display_name(parent) + "\"";
    const char* hint = "manage_partitions() maintains tables created with "
                       "PARTITION BY RANGE (column) on a timestamptz, timestamp or date column.";
    if (raw.relkind != RELKIND_PARTITIONED_TABLE)
        throw pg::Error(ERRCODE_WRONG_OBJECT_TYPE, shown + " is not a partitioned table", {}, hint);
    if (raw.persistence == RELPERSISTENCE_TEMP)
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED, shown + " is a temporary table",
                        "The maintenance worker cannot see another session's temporary tables.");
    if (raw.strategy != PARTITION_STRATEGY_RANGE)
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED,
                        shown + " is partitioned by " +
                            (raw.strategy == PARTITION_STRATEGY_LIST ? "LIST" : "HASH") +
                            ", not by RANGE",
                        {}, hint);
    if (raw.key_columns != 1)
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED,
                        "the partition key of " + shown + " has " +
                            std::to_string(raw.key_columns) + " columns",
                        {}, hint);
    if (raw.key_attnum == 0)
        throw pg::Error(ERRCODE_FEATURE_NOT_SUPPORTED,
                        "the partition key of " + shown + " is an expression", {}, hint);
    const char* column = pg::call([&] { return get_attname(parent, raw.key_attnum, false); });
    if (!supported_key_type(raw.key_type)) {
        const char* type = pg::call([&] { return format_type_be(raw.key_type); });
        throw pg::Error(ERRCODE_DATATYPE_MISMATCH,
                        "the partition key column \"" + std::string(column) + "\" of " + shown +
                            " is of type " + type,
                        {}, hint);
    }

    PartitionedTable table(resource);
    table.name = pg::relation_name(parent, resource);
    table.qualified = pg::qualified_relation_name(parent, resource);
    table.schema = pg::quoted_identifier(
        pg::call([&] { return get_namespace_name(raw.namespace_oid); }), resource);
    table.key_column = pg::quoted_identifier(column, resource);
    table.kind = raw.key_type == DATEOID        ? KeyKind::date
                 : raw.key_type == TIMESTAMPOID ? KeyKind::timestamp
                                                : KeyKind::timestamptz;
    table.tablespace = raw.tablespace;
    table.namespace_oid = raw.namespace_oid;
    table.default_partition = raw.default_partition;
    for (int i = 0; i < raw.ranges; ++i) {
        table.ranges.push_back(KeyRange{raw.lower[i], raw.upper[i]});
        table.partitions.push_back(raw.partitions[i]);
    }
    return table;
}

std::size_t clip_name(std::string_view name, std::size_t max_bytes) {
    return static_cast<std::size_t>(
        pg_mbcliplen(name.data(), static_cast<int>(name.size()), static_cast<int>(max_bytes)));
}

const char* type_name(KeyKind kind) {
    switch (kind) {
        case KeyKind::date: return "pg_catalog.date";
        case KeyKind::timestamp: return "pg_catalog.timestamp";
        case KeyKind::timestamptz: return "pg_catalog.timestamptz";
    }
    return "pg_catalog.timestamptz";
}

// now() - retention, computed on the wall clock of the partition time zone
// (a month back is a calendar month back), in key units.
std::int64_t retention_cutoff(KeyKind kind, const IntervalValue& retention,
                              const pg::PgTimeZone& zone) {
    const std::int64_t local_now = zone.local_time(GetCurrentTransactionStartTimestamp());
    const std::int64_t local_cutoff = pg::call([local_now, &retention] {
        Interval interval{retention.micros, retention.days, retention.months};
        return DatumGetTimestamp(DirectFunctionCall2(timestamp_mi_interval,
                                                     TimestampGetDatum(local_now),
                                                     IntervalPGetDatum(&interval)));
    });
    return kind == KeyKind::timestamptz ? zone.instant_at(local_cutoff) : local_cutoff;
}

// The insertable columns of the parent, quoted, for moving rows out of the default.
String column_list(pg::Spi& spi, Oid parent, Resource& resource) {
    spi.execute(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum) "
        "FROM pg_catalog.pg_attribute "
        "WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
        {{OIDOID, ObjectIdGetDatum(parent)}});
    return *spi.text(0, 1, resource);
}

// Moving rows out of the default partition is a DELETE there and an INSERT
// into a table not attached yet: foreign keys that reference the parent would
// see the rows deleted (ON DELETE CASCADE would delete theirs), and row
// triggers would see half a move. Such a move is left to the DBA.
void refuse_unsafe_move(pg::Spi& spi, Oid parent, Oid default_partition, const String& name) {
    spi.execute(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_constraint c "
        "               WHERE c.contype = 'f' AND c.confrelid IN "
        "                 (SELECT relid FROM pg_catalog.pg_partition_tree($1))), "
        "       EXISTS (SELECT FROM pg_catalog.pg_trigger t "
        "               WHERE t.tgrelid = $2 AND NOT t.tgisinternal AND t.tgenabled <> 'D' "
        "                 AND (t.tgtype & 1) <> 0 AND (t.tgtype & 12) <> 0)",
        {{REGCLASSOID, ObjectIdGetDatum(parent)}, {OIDOID, ObjectIdGetDatum(default_partition)}});
    bool is_null = false;
    const bool referenced = DatumGetBool(spi.value(0, 1, &is_null));
    const bool triggered = DatumGetBool(spi.value(0, 2, &is_null));
    if (!referenced && !triggered)
        return;
    throw pg::Error(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "the default partition of \"" + std::string(name.c_str()) +
                        "\" holds rows of a new partition's range",
                    referenced ? "Foreign keys reference the table: moving the rows would delete "
                                 "them from the referenced side first."
                               : "The default partition has row triggers on INSERT or DELETE: "
                                 "they would see the rows deleted but never inserted.",
                    "Move those rows out of the default partition by hand (or create the "
                    "partition yourself); the job retries on every cycle.");
}

// Returns the number of rows moved out of the default partition.
std::uint64_t create_partition(const PartitionedTable& table, Oid parent,
                               const PlannedPartition& planned, Resource& resource) {
    pg::Spi spi;
    const String partition = concat(
        resource, {table.schema, ".", pg::quoted_identifier(planned.name.c_str(), resource)});
    const String lower = key_literal(table.kind, planned.range.lower, resource);
    const String upper = key_literal(table.kind, planned.range.upper, resource);
    const char* type = type_name(table.kind);
    const String& key = table.key_column;
    const String in_range = concat(resource, {key, " >= '", lower, "'::", type, " AND ", key,
                                              " < '", upper, "'::", type});

    String sql = concat(resource, {"CREATE TABLE ", partition, " (LIKE ", table.qualified,
                                   " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED"
                                   " INCLUDING STORAGE INCLUDING COMPRESSION)"});
    if (table.tablespace != InvalidOid) {
        const Oid tablespace = table.tablespace;
        sql += " TABLESPACE ";
        sql += pg::quoted_identifier(
            pg::call([tablespace] { return get_tablespace_name(tablespace); }), resource);
    }
    spi.execute(sql.c_str(), {}, false);
    // The constraint proves the bounds, so ATTACH skips its validation scan.
    sql = concat(resource, {"ALTER TABLE ", partition, " ADD CONSTRAINT hastecrm_perf_bounds CHECK (",
                            key, " IS NOT NULL AND ", in_range, ")"});
    spi.execute(sql.c_str(), {}, false);

    std::uint64_t moved = 0;
    if (table.default_partition != InvalidOid) {
        const String default_partition =
            pg::qualified_relation_name(table.default_partition, resource);
        sql = concat(resource, {"LOCK TABLE ", default_partition, " IN ACCESS EXCLUSIVE MODE"});
        spi.execute(sql.c_str(), {}, false);
        sql = concat(resource, {"SELECT FROM ", default_partition, " WHERE ", in_range, " LIMIT 1"});
        if (spi.execute(sql.c_str(), {}, false) > 0)
            refuse_unsafe_move(spi, parent, table.default_partition, table.name);
        const String columns = column_list(spi, parent, resource);
        sql = concat(resource, {"WITH moved AS (DELETE FROM ", default_partition, " WHERE ",
                                in_range, " RETURNING ", columns, ") INSERT INTO ", partition,
                                " (", columns, ") SELECT ", columns, " FROM moved"});
        moved = spi.execute(sql.c_str(), {}, false);
    }
    sql = concat(resource, {"ALTER TABLE ", table.qualified, " ATTACH PARTITION ", partition,
                            " FOR VALUES FROM ('", lower, "') TO ('", upper, "')"});
    spi.execute(sql.c_str(), {}, false);
    // Once attached the partition constraint says the same: checking both on
    // every insert would be waste.
    sql = concat(resource, {"ALTER TABLE ", partition, " DROP CONSTRAINT hastecrm_perf_bounds"});
    spi.execute(sql.c_str(), {}, false);
    return moved;
}

void retire_partition(const PartitionedTable& table, Oid partition, bool drop, Resource& resource) {
    pg::Spi spi;
    const String name = pg::qualified_relation_name(partition, resource);
    const String sql =
        drop ? concat(resource, {"DROP TABLE ", name})
             : concat(resource, {"ALTER TABLE ", table.qualified, " DETACH PARTITION ", name});
    spi.execute(sql.c_str(), {}, false);
}

// One action's result, folded into the job's outcome.
void note_failure(JobOutcome& outcome, const pg::Failure& failure, const String& what) {
    const bool timed_out = failure.sqlstate == ERRCODE_LOCK_NOT_AVAILABLE;
    if (timed_out && outcome.status != JobStatus::error)
        outcome.status = JobStatus::lock_timeout;
    if (!timed_out)
        outcome.status = JobStatus::error;
    if (!timed_out || outcome.sqlstate == 0)
        outcome.sqlstate = failure.sqlstate;
    if (!outcome.detail.empty())
        outcome.detail += "; ";
    outcome.detail += what;
    outcome.detail += ": ";
    outcome.detail += failure.message;
}

void note_done(JobOutcome& outcome, const char* verb, const String& name) {
    if (!outcome.detail.empty())
        outcome.detail += "; ";
    outcome.detail += verb;
    outcome.detail += " ";
    outcome.detail += name;
}

template <typename Action>
std::optional<pg::Failure> run_action(const PartitionRequest& request, Resource& resource,
                                      Action&& action) {
    if (!request.contain_failures) {
        action();
        return std::nullopt;
    }
    return pg::run_isolated(pg::Isolation::subtransaction, resource, action);
}

// A piece of a period ("_2") may find its name taken by a piece an earlier
// step or zone left: the next free number is used.
void name_piece_freely(const PartitionedTable& table, PartitionStep step, PlannedPartition& planned,
                       Resource& resource) {
    const Oid namespace_oid = table.namespace_oid;
    const auto taken = [&](const String& name) {
        return pg::call([&] { return get_relname_relid(name.c_str(), namespace_oid); }) !=
               InvalidOid;
    };
    for (int number = planned.piece + 1; planned.piece > 0 && taken(planned.name) && number < 100;
         ++number) {
        planned.name = partition_name(table.name, step, planned.period, clip_name, resource,
                                      "_" + std::to_string(number));
        planned.piece = number;
    }
}

}  // namespace

void check_manageable(Oid parent) {
    auto resource = pg::ContextResource::current();
    read_table(parent, resource);
}

JobOutcome maintain_partitions(const PartitionRequest& request, Resource& resource, int* created) {
    JobOutcome outcome(resource);
    const PartitionSettings& settings = *request.settings;
    // Every lock of the job, from reading the parent on, waits at most this.
    pg::LocalSettings local;
    local.set("lock_timeout", std::to_string(settings::lock_timeout_ms).c_str());
    const PartitionedTable table = read_table(request.parent, resource);
    const pg::PgTimeZone zone(settings::partition_timezone);
    const PartitionPlanRequest plan{settings.step,
                                    table.kind,
                                    &zone,
                                    GetCurrentTransactionStartTimestamp(),
                                    settings.premake,
                                    table.name,
                                    clip_name};
    const Vector<PlannedPartition> missing = missing_partitions(plan, table.ranges, resource);
    Vector<std::size_t> expired(&resource);
    if (request.retire && settings.retention)
        expired = expired_partitions(
            table.ranges, retention_cutoff(table.kind, *settings.retention, zone), resource);
    if (created)
        *created = 0;
    if (missing.empty() && expired.empty()) {
        outcome.action = "none";
        return outcome;
    }

    pg::RunAs owner(request.owner, true);
    int made = 0;
    std::uint64_t moved = 0;
    for (const PlannedPartition& proposed : missing) {
        PlannedPartition planned{proposed.period, proposed.range,
                                 String(proposed.name.data(), proposed.name.size(), &resource),
                                 proposed.piece};
        name_piece_freely(table, settings.step, planned, resource);
        const auto failure = run_action(request, resource, [&] {
            moved += create_partition(table, request.parent, planned, resource);
        });
        if (failure) {
            // Later partitions can wait for the next cycle; the nearest comes first.
            note_failure(outcome, *failure, concat(resource, {"create ", planned.name}));
            break;
        }
        ++made;
        note_done(outcome, "created", planned.name);
    }
    int retired = 0;
    for (const std::size_t index : expired) {
        const Oid partition = table.partitions[index];
        const String name = pg::relation_name(partition, resource);
        const auto failure = run_action(request, resource, [&] {
            retire_partition(table, partition, settings.drop, resource);
        });
        if (failure) {
            note_failure(outcome, *failure,
                         concat(resource, {settings.drop ? "drop " : "detach ", name}));
            // The parent is busy: the next ones would wait as long, each.
            if (failure->sqlstate == ERRCODE_LOCK_NOT_AVAILABLE)
                break;
            continue;
        }
        ++retired;
        note_done(outcome, settings.drop ? "dropped" : "detached", name);
    }
    if (moved > 0) {
        outcome.detail += "; moved ";
        outcome.detail += std::to_string(moved).c_str();
        outcome.detail += " rows out of the default partition";
    }
    outcome.did_something = made > 0 || retired > 0;
    outcome.action = concat(resource, {"create ", std::to_string(made)});
    if (request.retire && settings.retention) {
        outcome.action += settings.drop ? ", drop " : ", detach ";
        outcome.action += std::to_string(retired).c_str();
    }
    if (created)
        *created = made;
    return outcome;
}

}  // namespace hastecrm_perf::worker
