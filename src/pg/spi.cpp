#include "pg/spi.hpp"

#include <exception>

#include "pg/call.hpp"
#include "pg/error.hpp"

namespace hastecrm_perf::pg {
namespace {

// Outside Spi, whose text() member hides the type's name. Values read from a
// table may be compressed or stored out of line.
varlena* detoasted_text(Datum datum) { return pg_detoast_datum_packed(DatumGetTextPP(datum)); }

// Parameters as SPI takes them.
struct Arguments {
    explicit Arguments(std::initializer_list<SqlParam> params)
        : count(static_cast<int>(params.size())) {
        if (count > FUNC_MAX_ARGS)
            throw Error(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many SQL parameters");
        int i = 0;
        for (const SqlParam& param : params) {
            types[i] = param.type;
            values[i] = param.value;
            nulls[i] = param.is_null ? 'n' : ' ';
            ++i;
        }
    }
    int count;
    Oid types[FUNC_MAX_ARGS];
    Datum values[FUNC_MAX_ARGS];
    char nulls[FUNC_MAX_ARGS];
};

}  // namespace

Spi::Spi() : exceptions_at_start_(std::uncaught_exceptions()) {
    call([] {
        if (SPI_connect() != SPI_OK_CONNECT)
            elog(ERROR, "SPI_connect failed");
    });
    settings_.set("search_path", "pg_catalog, pg_temp");
}

Spi::~Spi() {
    // Unwinding from an error: the transaction abort releases SPI; doing it
    // here could raise a second error mid-unwind.
    if (std::uncaught_exceptions() > exceptions_at_start_)
        return;
    try {
        call([] { SPI_finish(); });
    } catch (...) {
        // Nothing sane to do in a destructor; the transaction end cleans up.
    }
}

std::uint64_t Spi::execute(const char* sql, std::initializer_list<SqlParam> params,
                           bool read_only, long max_rows) {
    Arguments args(params);
    const int status = call([&] {
        return SPI_execute_with_args(sql, args.count, args.types, args.values,
                                     args.nulls, read_only, max_rows);
    });
    if (status < 0)
        throw Error(ERRCODE_INTERNAL_ERROR, "SPI query failed", SPI_result_code_string(status));
    return SPI_processed;
}

std::uint64_t Spi::execute_kept(SPIPlanPtr* kept, const char* sql,
                                std::initializer_list<SqlParam> params, bool read_only) {
    Arguments args(params);
    if (*kept == nullptr)
        *kept = call([&] {
            SPIPlanPtr plan = SPI_prepare(sql, args.count, args.types);
            if (plan == nullptr || SPI_keepplan(plan) != 0)
                elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
            return plan;
        });
    const SPIPlanPtr plan = *kept;
    const int status =
        call([&] { return SPI_execute_plan(plan, args.values, args.nulls, read_only, 0); });
    if (status < 0)
        throw Error(ERRCODE_INTERNAL_ERROR, "SPI query failed", SPI_result_code_string(status));
    return SPI_processed;
}

Datum Spi::value(std::uint64_t row, int column, bool* is_null) const {
    if (SPI_tuptable == nullptr || row >= SPI_processed)
        throw Error(ERRCODE_INTERNAL_ERROR, "SPI row out of range");
    return call([&] {
        return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column, is_null);
    });
}

std::optional<String> Spi::text(std::uint64_t row, int column, Resource& resource) const {
    bool is_null = false;
    const Datum datum = value(row, column, &is_null);
    if (is_null)
        return std::nullopt;
    const varlena* contents = call([datum] { return detoasted_text(datum); });
    return String(VARDATA_ANY(contents), VARSIZE_ANY_EXHDR(contents), &resource);
}

}  // namespace hastecrm_perf::pg
