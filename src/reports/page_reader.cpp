#include "reports/page_reader.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/transam.h"
#include "miscadmin.h"
#include "storage/bufpage.h"
#include "storage/procarray.h"
}

#include <algorithm>

namespace hastecrm_perf::reports {

namespace {

// Dead to every transaction once committed: deleted or updated by a committed
// transaction, or inserted by an aborted one. Unlike HeapTupleSatisfiesVacuum
// this sets no hint bit: the scan must not dirty pages.
bool tuple_is_dead(HeapTupleHeader tuple) {
    const uint16 mask = tuple->t_infomask;
    if (!HeapTupleHeaderXminCommitted(tuple) && !HeapTupleHeaderXminFrozen(tuple)) {
        if (HeapTupleHeaderXminInvalid(tuple))
            return true;
        const TransactionId xmin = HeapTupleHeaderGetRawXmin(tuple);
        if (TransactionIdIsNormal(xmin) && !TransactionIdIsInProgress(xmin) &&
            !TransactionIdDidCommit(xmin))
            return true;  // aborted (or crashed) insert
    }
    if ((mask & HEAP_XMAX_INVALID) != 0 || HEAP_XMAX_IS_LOCKED_ONLY(mask))
        return false;
    if ((mask & HEAP_XMAX_COMMITTED) != 0)
        return true;
    if ((mask & HEAP_XMAX_IS_MULTI) != 0)
        return false;  // an update inside a MultiXact: counted live (rare)
    const TransactionId xmax = HeapTupleHeaderGetRawXmax(tuple);
    return TransactionIdIsNormal(xmax) && !TransactionIdIsInProgress(xmax) &&
           TransactionIdDidCommit(xmax);
}

}  // namespace

// live: what a rewrite must place again (MAXALIGNed tuple and its line
// pointer), the basis of the reclaimable figure. dead and free as pgstattuple
// counts them (dead tuples' t_len, PageGetHeapFreeSpace), so the two tools
// agree where they overlap.
HeapPageObservation read_heap_page(Relation rel, BlockNumber block, BufferAccessStrategy strategy) {
    CHECK_FOR_INTERRUPTS();
    const double page_bytes = BLCKSZ;
    Buffer buffer = ReadBufferExtended(rel, MAIN_FORKNUM, block, RBM_NORMAL, strategy);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    HeapPageObservation seen{0, 0, 0, 0};
    if (PageIsNew(page)) {
        seen.free_fraction = (page_bytes - SizeOfPageHeaderData) / page_bytes;
    } else {
        double live = 0;
        double dead = 0;
        const OffsetNumber last = PageGetMaxOffsetNumber(page);
        for (OffsetNumber offset = FirstOffsetNumber; offset <= last; offset = OffsetNumberNext(offset)) {
            ItemId item = PageGetItemId(page, offset);
            if (!ItemIdIsNormal(item))
                continue;  // unused, or a line pointer left by pruning
            if (tuple_is_dead(reinterpret_cast<HeapTupleHeader>(PageGetItem(page, item)))) {
                dead += ItemIdGetLength(item);
            } else {
                live += MAXALIGN(ItemIdGetLength(item)) + sizeof(ItemIdData);
                seen.live_tuples += 1;
            }
        }
        seen.live_fraction = live / page_bytes;
        seen.dead_fraction = dead / page_bytes;
        seen.free_fraction = static_cast<double>(PageGetHeapFreeSpace(page)) / page_bytes;
    }
    UnlockReleaseBuffer(buffer);
    return seen;
}

namespace {

// TIDs checked against the heap per leaf page: enough for the page's share
// of live entries to within a few points, few enough to stay cheap.
constexpr int tids_checked_per_page = 16;

// Whether the heap tuple an index entry points to (following its HOT chain)
// is still live. Nothing is written: no pruning, no hint bits.
bool heap_entry_is_live(Relation heap, BlockNumber heap_blocks, ItemPointerData tid,
                        BufferAccessStrategy strategy) {
    const BlockNumber block = ItemPointerGetBlockNumber(&tid);
    if (block >= heap_blocks)
        return true;  // a row added since the scan began
    Buffer buffer = ReadBufferExtended(heap, MAIN_FORKNUM, block, RBM_NORMAL, strategy);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    OffsetNumber offset = ItemPointerGetOffsetNumber(&tid);
    bool live = false;
    TransactionId previous_xmax = InvalidTransactionId;
    for (int hops = 0; hops <= MaxHeapTuplesPerPage && !live; ++hops) {
        if (offset < FirstOffsetNumber || offset > PageGetMaxOffsetNumber(page))
            break;
        ItemId item = PageGetItemId(page, offset);
        if (ItemIdIsRedirected(item)) {
            offset = ItemIdGetRedirect(item);
            continue;
        }
        if (!ItemIdIsNormal(item))
            break;
        HeapTupleHeader tuple = reinterpret_cast<HeapTupleHeader>(PageGetItem(page, item));
        // A chain member must be the version its predecessor's update made;
        // else the slot was reused and the chain ended.
        if (TransactionIdIsValid(previous_xmax) &&
            !TransactionIdEquals(HeapTupleHeaderGetXmin(tuple), previous_xmax))
            break;
        live = !tuple_is_dead(tuple);
        if (live || !HeapTupleHeaderIsHotUpdated(tuple) ||
            ItemPointerGetBlockNumber(&tuple->t_ctid) != block)
            break;
        previous_xmax = HeapTupleHeaderGetUpdateXid(tuple);
        offset = ItemPointerGetOffsetNumber(&tuple->t_ctid);
    }
    UnlockReleaseBuffer(buffer);
    return live;
}

}  // namespace

IndexPageObservation read_btree_page(Relation index, Relation heap, BlockNumber heap_blocks,
                                     BlockNumber block, BufferAccessStrategy strategy) {
    CHECK_FOR_INTERRUPTS();
    Buffer buffer = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, strategy);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    IndexPageObservation seen{false, 0, 0, 0};
    ItemPointerData sample[tids_checked_per_page];
    int sampled = 0;
    if (!PageIsNew(page)) {
        BTPageOpaque opaque = BTPageGetOpaque(page);
        if (P_ISLEAF(opaque) && !P_IGNORE(opaque)) {
            seen.leaf = true;
            double bytes = 0;
            const OffsetNumber first = P_FIRSTDATAKEY(opaque);
            const OffsetNumber last = PageGetMaxOffsetNumber(page);
            for (OffsetNumber offset = first; offset <= last; offset = OffsetNumberNext(offset)) {
                ItemId item = PageGetItemId(page, offset);
                if (ItemIdIsDead(item))
                    continue;  // known dead: the next insert or VACUUM frees it
                IndexTuple tuple = reinterpret_cast<IndexTuple>(PageGetItem(page, item));
                seen.live_items += BTreeTupleIsPosting(tuple) ? BTreeTupleGetNPosting(tuple) : 1;
                bytes += MAXALIGN(IndexTupleSize(tuple)) + sizeof(ItemIdData);
            }
            // The TIDs to check: one from each of equal strata of the page's
            // TIDs, at a pseudo-random place inside it. TIDs, not items: a
            // posting list of a unique index holds versions of one row, the
            // oldest (dead) first. A fixed stride could fall in step with a
            // periodic pattern of dead and live entries.
            const auto tids = static_cast<std::uint32_t>(seen.live_items);
            const std::uint32_t strata = std::min<std::uint32_t>(tids, tids_checked_per_page);
            std::uint32_t random = block * 2654435761u + 1;
            auto draw = [&](std::uint32_t stratum) {
                random = random * 1664525u + 1013904223u;
                const auto begin = static_cast<std::uint32_t>(std::uint64_t{stratum} * tids / strata);
                const auto end = static_cast<std::uint32_t>(std::uint64_t{stratum + 1} * tids / strata);
                return begin + (random >> 8) % (end - begin);
            };
            std::uint32_t stratum = 0;
            std::uint32_t wanted = strata > 0 ? draw(0) : 0;
            std::uint32_t tid_index = 0;
            for (OffsetNumber offset = first; offset <= last && stratum < strata;
                 offset = OffsetNumberNext(offset)) {
                ItemId item = PageGetItemId(page, offset);
                if (ItemIdIsDead(item))
                    continue;
                IndexTuple tuple = reinterpret_cast<IndexTuple>(PageGetItem(page, item));
                const bool posting = BTreeTupleIsPosting(tuple);
                const std::uint32_t count = posting ? BTreeTupleGetNPosting(tuple) : 1;
                while (stratum < strata && wanted < tid_index + count) {
                    const int n = static_cast<int>(wanted - tid_index);
                    sample[sampled++] = posting ? *BTreeTupleGetPostingN(tuple, n) : tuple->t_tid;
                    if (++stratum < strata)
                        wanted = draw(stratum);
                }
                tid_index += count;
            }
            const PageHeader header = reinterpret_cast<PageHeader>(page);
            seen.live_fraction = bytes / BLCKSZ;
            seen.density = 1.0 - static_cast<double>(PageGetFreeSpace(page)) /
                                     (header->pd_special - SizeOfPageHeaderData);
        }
    }
    // The heap is read after the index page is released.
    UnlockReleaseBuffer(buffer);
    if (sampled > 0) {
        int live = 0;
        for (int i = 0; i < sampled; ++i)
            live += heap_entry_is_live(heap, heap_blocks, sample[i], strategy) ? 1 : 0;
        const double share = static_cast<double>(live) / sampled;
        seen.live_items *= share;
        seen.live_fraction *= share;
    }
    return seen;
}

double btree_root_item_bytes(Relation index, BufferAccessStrategy strategy) {
    Buffer meta_buffer = ReadBufferExtended(index, MAIN_FORKNUM, BTREE_METAPAGE, RBM_NORMAL, strategy);
    LockBuffer(meta_buffer, BUFFER_LOCK_SHARE);
    const BlockNumber root = BTPageGetMeta(BufferGetPage(meta_buffer))->btm_root;
    UnlockReleaseBuffer(meta_buffer);
    if (root == P_NONE)
        return 16;  // an empty index: any small pivot will do
    Buffer buffer = ReadBufferExtended(index, MAIN_FORKNUM, root, RBM_NORMAL, strategy);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    double bytes = 0;
    int items = 0;
    const OffsetNumber last = PageGetMaxOffsetNumber(page);
    for (OffsetNumber offset = P_FIRSTDATAKEY(BTPageGetOpaque(page)); offset <= last;
         offset = OffsetNumberNext(offset)) {
        bytes += MAXALIGN(ItemIdGetLength(PageGetItemId(page, offset)));
        ++items;
    }
    UnlockReleaseBuffer(buffer);
    return items > 0 ? bytes / items : 16;
}

}  // namespace hastecrm_perf::reports
