#include "pg/ownership.hpp"

#include <string>

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace hastecrm_perf::pg {

Oid relation_owner(Oid relation) {
    const Oid owner = call([relation] {
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relation));
        if (!HeapTupleIsValid(tuple))
            return InvalidOid;
        const Oid found = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
        ReleaseSysCache(tuple);
        return found;
    });
    if (owner == InvalidOid)
        throw Error(ERRCODE_UNDEFINED_TABLE,
                    "relation with OID " + std::to_string(relation) + " does not exist");
    return owner;
}

void require_owner(Oid relation) {
    relation_owner(relation);  // exists
    if (call([relation] { return pg_class_ownercheck(relation, GetUserId()); }))
        return;
    const char* name = call([relation] { return get_rel_name(relation); });
    throw Error(ERRCODE_INSUFFICIENT_PRIVILEGE,
                "must be owner of relation \"" + std::string(name ? name : "?") + "\"",
                "Maintenance jobs run as the owner of their target.");
}

}  // namespace hastecrm_perf::pg
