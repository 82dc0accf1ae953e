// Settings changed for a scope only, the way a function's SET clause changes
// them: set() applies a value, and the destructor brings back every value
// changed since construction, by us or by code run inside the scope (a
// trigger's set_config(..., false) included: unlike a function's SET clause,
// nothing set inside survives). When an error unwinds the scope, the
// (sub)transaction abort restores them instead.
#pragma once

namespace hastecrm_perf::pg {

class LocalSettings {
public:
    LocalSettings();
    ~LocalSettings();
    LocalSettings(const LocalSettings&) = delete;
    LocalSettings& operator=(const LocalSettings&) = delete;

    void set(const char* name, const char* value);

private:
    int nest_level_ = 0;
    int exceptions_at_start_ = 0;
};

}  // namespace hastecrm_perf::pg
