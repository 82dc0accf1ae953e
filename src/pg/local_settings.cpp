#include "pg/local_settings.hpp"

#include <exception>

#include "pg/call.hpp"

extern "C" {
#include "postgres.h"
#include "utils/guc.h"
}

namespace hastecrm_perf::pg {

LocalSettings::LocalSettings()
    : nest_level_(call([] { return NewGUCNestLevel(); })),
      exceptions_at_start_(std::uncaught_exceptions()) {}

LocalSettings::~LocalSettings() {
    // Unwinding from an error: the abort restores the values; doing it here
    // could raise a second error mid-unwind.
    if (std::uncaught_exceptions() > exceptions_at_start_)
        return;
    const int level = nest_level_;
    try {
        call([level] { AtEOXact_GUC(false, level); });
    } catch (...) {
        // Nothing sane to do in a destructor; the transaction end cleans up.
    }
}

void LocalSettings::set(const char* name, const char* value) {
    call([name, value] {
        set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                          false);
    });
}

}  // namespace hastecrm_perf::pg
