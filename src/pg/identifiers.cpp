#include "pg/identifiers.hpp"

#include <string>

#include "pg/call.hpp"
#include "pg/error.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace hastecrm_perf::pg {
namespace {

[[noreturn]] void no_such_relation(Oid relation) {
    throw Error(ERRCODE_UNDEFINED_TABLE,
                "relation with OID " + std::to_string(relation) + " does not exist");
}

}  // namespace

String quoted_identifier(const char* name, Resource& resource) {
    return String(call([name] { return quote_identifier(name); }), &resource);
}

String qualified_relation_name(Oid relation, Resource& resource) {
    const char* schema = call([relation] { return get_namespace_name(get_rel_namespace(relation)); });
    const char* name = call([relation] { return get_rel_name(relation); });
    if (schema == nullptr || name == nullptr)
        no_such_relation(relation);
    return String(call([schema, name] { return quote_qualified_identifier(schema, name); }),
                  &resource);
}

String relation_name(Oid relation, Resource& resource) {
    const char* name = call([relation] { return get_rel_name(relation); });
    if (name == nullptr)
        no_such_relation(relation);
    return String(name, &resource);
}

}  // namespace hastecrm_perf::pg
