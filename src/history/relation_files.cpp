#include "history/relation_files.hpp"

#include <cerrno>
#include <sys/stat.h>

#include "pg/call.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_tablespace_d.h"
#include "common/relpath.h"
#include "miscadmin.h"
#include "storage/relfilenode.h"
#include "utils/relmapper.h"
#include "utils/syscache.h"
}

namespace hastecrm_perf::history {
namespace {

// Plain C under pg::call: the syscache may raise (out of memory).
std::int64_t file_bytes(Oid relation) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relation));
    if (!HeapTupleIsValid(tuple))
        return 0;
    const auto* form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
    RelFileNode node;
    node.spcNode = form->relisshared ? GLOBALTABLESPACE_OID
                   : OidIsValid(form->reltablespace) ? form->reltablespace
                                                     : MyDatabaseTableSpace;
    node.dbNode = form->relisshared ? InvalidOid : MyDatabaseId;
    node.relNode = OidIsValid(form->relfilenode) ? form->relfilenode
                                                 : RelationMapOidToFilenode(relation, form->relisshared);
    const bool temporary = form->relpersistence == RELPERSISTENCE_TEMP;
    ReleaseSysCache(tuple);
    if (temporary || !OidIsValid(node.relNode))
        return 0;
    std::int64_t total = 0;
    for (int fork = 0; fork <= MAX_FORKNUM; ++fork) {
        char* path = relpathbackend(node, InvalidBackendId, static_cast<ForkNumber>(fork));
        char segment[MAXPGPATH];
        for (unsigned number = 0;; ++number) {
            if (number == 0)
                snprintf(segment, sizeof segment, "%s", path);
            else
                snprintf(segment, sizeof segment, "%s.%u", path, number);
            struct stat info;
            if (stat(segment, &info) != 0)
                break;  // no more segments, or dropped meanwhile
            total += info.st_size;
        }
        pfree(path);
    }
    return total;
}

}  // namespace

std::int64_t relation_file_bytes(Oid relation) {
    return pg::call([relation] { return file_bytes(relation); });
}

}  // namespace hastecrm_perf::history
