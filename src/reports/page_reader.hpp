// Reads one page of a heap or B-tree through the buffer manager, read-only:
// a share lock, a bulk-read buffer strategy, no pruning, and tuple states from
// hint bits and the commit log without setting hint bits.
//
// Plain C-style functions on purpose: they call into PostgreSQL freely, so a
// caller holding C++ objects runs them through pg::call.
#pragma once

#include "core/page_sample.hpp"

extern "C" {
#include "postgres.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"
}

namespace hastecrm_perf::reports {

HeapPageObservation read_heap_page(Relation rel, BlockNumber block, BufferAccessStrategy strategy);

// A leaf's items not marked LP_DEAD (every TID of a posting list counted),
// scaled by the share of a sample of its TIDs whose heap tuple is still live:
// entries of deleted rows stay in an index until VACUUM, and a REINDEX drops
// them. (pgstatindex counts them as used, and so under-reports bloat.)
IndexPageObservation read_btree_page(Relation index, Relation heap, BlockNumber heap_blocks,
                                     BlockNumber block, BufferAccessStrategy strategy);

// Mean MAXALIGNed size of the root page's items: the pivot tuples a rebuilt
// index would have (the leaf items when the root is the only leaf).
double btree_root_item_bytes(Relation index, BufferAccessStrategy strategy);

}  // namespace hastecrm_perf::reports
