// A utility statement run the way a client's own top-level statement runs,
// for those that refuse a transaction block and an SPI call: REINDEX ...
// CONCURRENTLY and DROP INDEX CONCURRENTLY commit and start transactions of
// their own while they work. Only between transactions (a background worker
// between its jobs): the statement gets a fresh transaction with a snapshot,
// as exec_simple_query gives it, and may end it and start others.
#pragma once

namespace hastecrm_perf::pg {

// `sql` is one utility statement. `lock_timeout_ms` holds for every lock it
// waits for, in each of its transactions; the caller's value comes back
// afterwards. On error the open transaction is rolled back and the error
// thrown (PgError); what the statement committed before stays.
void run_top_level_statement(const char* sql, int lock_timeout_ms);

}  // namespace hastecrm_perf::pg
