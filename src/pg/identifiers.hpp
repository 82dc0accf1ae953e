// Names in SQL we build: always quoted by PostgreSQL's own rules, so that a
// hostile name ("x; DROP TABLE y", quotes, spaces, unicode) stays one name.
#pragma once

#include "core/containers.hpp"

extern "C" {
#include "postgres.h"
}

namespace hastecrm_perf::pg {

String quoted_identifier(const char* name, Resource& resource);
// "schema"."name" of a relation; throws Error 42P01 when it does not exist.
String qualified_relation_name(Oid relation, Resource& resource);
// The plain name of a relation (unquoted); throws Error 42P01 when it does not exist.
String relation_name(Oid relation, Resource& resource);

}  // namespace hastecrm_perf::pg
