#include "health/sources.hpp"

#include "health/sql_row.hpp"
#include "pg/set_result.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
}

namespace hastecrm_perf::health {
namespace {

bool ask(pg::Spi& spi, const char* sql, const char* argument) {
    const Datum text = pg::text_datum(argument);
    spi.execute(sql, {{TEXTOID, text}});
    bool is_null = false;
    const Datum answer = spi.value(0, 1, &is_null);
    return !is_null && DatumGetBool(answer);
}

}  // namespace

bool function_exists(pg::Spi& spi, const char* signature) {
    return ask(spi, "SELECT pg_catalog.to_regprocedure($1) IS NOT NULL", signature);
}

bool relation_exists(pg::Spi& spi, const char* name) {
    return ask(spi, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", name);
}

std::optional<String> first_column(pg::Spi& spi, const char* relation,
                                   std::initializer_list<const char*> candidates, Resource& resource) {
    for (const char* candidate : candidates) {
        const Datum rel = pg::text_datum(relation), column = pg::text_datum(candidate);
        spi.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute a "
                    "WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = $2 "
                    "AND a.attnum > 0 AND NOT a.attisdropped)",
                    {{TEXTOID, rel}, {TEXTOID, column}});
        bool is_null = false;
        if (DatumGetBool(spi.value(0, 1, &is_null)))
            return String(candidate, &resource);
    }
    return std::nullopt;
}

bool statement_tables_loaded(pg::Spi& spi) {
    return ask(spi,
               "SELECT $1 = ANY (pg_catalog.string_to_array(pg_catalog.replace("
               "pg_catalog.current_setting('shared_preload_libraries'), ' ', ''), ','))",
               "hastecrm_perf");
}

}  // namespace hastecrm_perf::health
