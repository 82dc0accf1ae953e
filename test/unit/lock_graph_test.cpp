#include "core/lock_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <random>
#include <set>
#include <map>
#include <ostream>
#include <vector>

#include "core/reusable_arena.hpp"
#include "heap_resource.hpp"

namespace hastecrm_perf {
namespace {

testing::HeapResource heap;

// PostgreSQL's lock modes and their conflict table (lock.c, documented in
// "Explicit Locking": table-level lock modes).
enum Mode {
    AccessShare = 1, RowShare, RowExclusive, ShareUpdateExclusive, Share,
    ShareRowExclusive, Exclusive, AccessExclusive
};
constexpr std::uint32_t bit(int mode) { return 1u << mode; }
const LockConflicts conflicts = {
    0,
    bit(AccessExclusive),
    bit(Exclusive) | bit(AccessExclusive),
    bit(Share) | bit(ShareRowExclusive) | bit(Exclusive) | bit(AccessExclusive),
    bit(ShareUpdateExclusive) | bit(Share) | bit(ShareRowExclusive) | bit(Exclusive) |
        bit(AccessExclusive),
    bit(RowExclusive) | bit(ShareUpdateExclusive) | bit(ShareRowExclusive) | bit(Exclusive) |
        bit(AccessExclusive),
    bit(RowExclusive) | bit(ShareUpdateExclusive) | bit(Share) | bit(ShareRowExclusive) |
        bit(Exclusive) | bit(AccessExclusive),
    bit(RowShare) | bit(RowExclusive) | bit(ShareUpdateExclusive) | bit(Share) |
        bit(ShareRowExclusive) | bit(Exclusive) | bit(AccessExclusive),
    bit(AccessShare) | bit(RowShare) | bit(RowExclusive) | bit(ShareUpdateExclusive) |
        bit(Share) | bit(ShareRowExclusive) | bit(Exclusive) | bit(AccessExclusive),
    0,
};

LockMember holds(std::int32_t pid, int mode, std::int32_t leader = -1) {
    return {pid, leader < 0 ? pid : leader, bit(mode), 0};
}
LockMember waits(std::int32_t pid, int mode, std::int32_t leader = -1) {
    return {pid, leader < 0 ? pid : leader, 0, mode};
}
LockMember holds_and_waits(std::int32_t pid, int held, int wanted) {
    return {pid, pid, bit(held), wanted};
}

class Snapshot {
public:
    // Members in lock-table order; the queue lists waiting pids, front first.
    Snapshot& lock(std::initializer_list<LockMember> members, std::initializer_list<std::int32_t> queue) {
        locks_.push_back(AwaitedLock{Vector<LockMember>(members.begin(), members.end(), &heap),
                                     Vector<std::int32_t>(queue.begin(), queue.end(), &heap),
                                     conflicts});
        return *this;
    }

    // Nodes by pid (they point into this snapshot: keep it alive).
    std::map<std::int32_t, const ForestNode&> forest() {
        nodes_ = build_lock_forest(locks_, heap);
        std::map<std::int32_t, const ForestNode&> by_pid;
        for (const ForestNode& node : nodes_)
            by_pid.emplace(node.pid, node);
        return by_pid;
    }

    std::vector<std::int32_t> order() const {
        std::vector<std::int32_t> pids;
        for (const ForestNode& node : nodes_)
            pids.push_back(node.pid);
        return pids;
    }

private:
    Vector<AwaitedLock> locks_{&heap};
    Vector<ForestNode> nodes_{&heap};
};

std::vector<std::int32_t> v(const Vector<std::int32_t>& pids) { return {pids.begin(), pids.end()}; }
using Pids = std::vector<std::int32_t>;

TEST(LockGraph, RowLockChainBehindIdleTransaction) {
    // 100 updated a row and sits idle in transaction; 200 waits for its xid
    // and holds the tuple lock; 300 queues on the tuple lock.
    Snapshot s;
    s.lock({holds(100, Exclusive), waits(200, Share)}, {200})        // transactionid 100
     .lock({holds(200, Exclusive), waits(300, Exclusive)}, {300});   // tuple
    auto f = s.forest();
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(v(f.at(100).blocked_by), Pids{});
    EXPECT_EQ(v(f.at(200).blocked_by), Pids{100});
    EXPECT_EQ(v(f.at(300).blocked_by), Pids{200});
    EXPECT_EQ(f.at(300).depth, 2);
    EXPECT_EQ(f.at(300).root_pid, 100);
    EXPECT_EQ(v(f.at(300).chain), (Pids{100, 200, 300}));
    EXPECT_EQ(f.at(100).blocking_count, 2);
    EXPECT_EQ(f.at(200).blocking_count, 1);
    EXPECT_EQ(f.at(300).blocking_count, 0);
    EXPECT_EQ(f.at(100).lock, -1);  // a root waits on nothing
    EXPECT_EQ(f.at(300).lock, 1);
    EXPECT_EQ(s.order(), (Pids{100, 200, 300}));
}

TEST(LockGraph, ReadersQueuedBehindWaitingAlterAreBlamedOnTheAlter) {
    // 10 reads (AccessShare held); ALTER TABLE 20 waits for AccessExclusive;
    // SELECTs 30 and 40 queue behind it. They conflict with no held lock:
    // only the ALTER ahead of them blocks them (soft).
    Snapshot s;
    s.lock({holds(10, AccessShare), waits(20, AccessExclusive), waits(30, AccessShare),
            waits(40, AccessShare)},
           {20, 30, 40});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(20).blocked_by), Pids{10});
    EXPECT_EQ(v(f.at(30).blocked_by), Pids{20});
    EXPECT_EQ(v(f.at(40).blocked_by), Pids{20});  // 30 ahead does not conflict
    EXPECT_EQ(f.at(40).depth, 2);
    EXPECT_EQ(f.at(10).blocking_count, 3);
    EXPECT_EQ(f.at(20).blocking_count, 2);
}

TEST(LockGraph, UpgradeQueuedAheadOfEarlierWaiters) {
    // 1 and 3 hold Share. 2 arrived first wanting RowExclusive (blocked by both).
    // Then 1 asked for Exclusive: 2's request conflicts with the Share 1 holds,
    // so the lock manager queued 1 ahead of 2. 2 does not block 1.
    Snapshot s;
    s.lock({holds_and_waits(1, Share, Exclusive), waits(2, RowExclusive), holds(3, Share)},
           {1, 2});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(1).blocked_by), Pids{3});
    EXPECT_EQ(v(f.at(2).blocked_by), (Pids{1, 3}));
    EXPECT_EQ(f.at(3).depth, 0);
    EXPECT_EQ(f.at(1).depth, 1);
    EXPECT_EQ(f.at(2).depth, 1);        // blocked by root 3 directly
    EXPECT_EQ(f.at(2).root_pid, 3);
    EXPECT_EQ(f.at(3).blocking_count, 2);

    // With arrival order instead (2 ahead of 1) 2 would block 1: a false cycle.
    Snapshot arrival;
    arrival.lock({holds_and_waits(1, Share, Exclusive), waits(2, RowExclusive), holds(3, Share)},
                 {2, 1});
    EXPECT_EQ(v(arrival.forest().at(1).blocked_by), (Pids{2, 3}));
}

TEST(LockGraph, WaiterBlockedBySeveralHoldersHangsFromLowestPid) {
    Snapshot s;
    s.lock({holds(7, AccessShare), holds(5, AccessShare), holds(9, RowShare),
            waits(8, AccessExclusive)},
           {8});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(8).blocked_by), (Pids{5, 7, 9}));
    EXPECT_EQ(f.at(8).root_pid, 5);
    EXPECT_EQ(v(f.at(8).chain), (Pids{5, 8}));
    for (int root : {5, 7, 9}) {
        EXPECT_EQ(f.at(root).depth, 0);
        EXPECT_EQ(f.at(root).blocking_count, 1);
    }
    EXPECT_EQ(s.order(), (Pids{5, 8, 7, 9}));
}

TEST(LockGraph, ParentIsTheBlockerOfLeastDepth) {
    // 1 -> 2 -> 3, and 3 is also blocked directly by root 4.
    Snapshot s;
    s.lock({holds(1, Exclusive), waits(2, Exclusive)}, {2})
     .lock({holds(2, Exclusive), holds(4, Share), waits(3, Exclusive)}, {3});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(3).blocked_by), (Pids{2, 4}));
    EXPECT_EQ(f.at(3).depth, 1);
    EXPECT_EQ(f.at(3).root_pid, 4);
    EXPECT_EQ(v(f.at(3).chain), (Pids{4, 3}));
}

TEST(LockGraph, LockGroupsFoldToTheirLeader) {
    // Parallel worker 51 of leader 50 waits; worker 61 of leader 60 holds the
    // conflicting lock. Members of one group never block each other.
    Snapshot s;
    s.lock({holds(61, AccessExclusive, 60), holds(50, AccessShare), waits(51, AccessShare, 50),
            holds(60, AccessShare)},
           {51});
    auto f = s.forest();
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(v(f.at(50).blocked_by), Pids{60});
    EXPECT_EQ(f.at(50).member, 2);  // the worker's wait is the group's
    EXPECT_EQ(f.count(51), 0u);
    EXPECT_EQ(f.count(61), 0u);

    Snapshot same_group;
    same_group.lock({holds(70, AccessExclusive), waits(71, AccessShare, 70)}, {71});
    auto g = same_group.forest();
    EXPECT_EQ(v(g.at(70).blocked_by), Pids{});
    EXPECT_EQ(g.at(70).blocking_count, 0);
}

TEST(LockGraph, LeadersOwnWaitWinsOverItsWorkers) {
    Snapshot s;
    s.lock({holds(9, Exclusive), waits(41, Exclusive, 40)}, {41})
     .lock({holds(8, Exclusive), waits(40, Exclusive)}, {40});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(40).blocked_by), (Pids{8, 9}));
    EXPECT_EQ(f.at(40).lock, 1);
}

TEST(LockGraph, PreparedTransactionIsPidZero) {
    Snapshot s;
    s.lock({holds(0, RowExclusive), waits(70, AccessExclusive)}, {70});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(70).blocked_by), Pids{0});
    EXPECT_EQ(f.at(70).root_pid, 0);
    EXPECT_EQ(f.at(0).blocking_count, 1);
}

TEST(LockGraph, CycleWithoutRootIsRootedAtItsLowestPid) {
    // Deadlock before detection: 12 waits for 11, 11 for 12; 13 waits for 12.
    Snapshot s;
    s.lock({holds(11, Exclusive), waits(12, Exclusive)}, {12})
     .lock({holds(12, Exclusive), waits(11, Exclusive)}, {11})
     .lock({holds(12, Exclusive), waits(13, Exclusive)}, {13});
    auto f = s.forest();
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f.at(11).root_pid, 11);
    EXPECT_EQ(f.at(11).depth, 0);
    EXPECT_EQ(v(f.at(11).blocked_by), Pids{12});
    EXPECT_EQ(f.at(12).depth, 1);
    EXPECT_EQ(f.at(13).depth, 2);
    EXPECT_EQ(v(f.at(13).chain), (Pids{11, 12, 13}));
    EXPECT_TRUE(f.at(13).in_cycle_without_root);
    EXPECT_EQ(f.at(11).blocking_count, 2);  // 12 and 13
    EXPECT_EQ(f.at(12).blocking_count, 2);  // 11 and 13
    EXPECT_EQ(f.at(13).blocking_count, 0);
}

TEST(LockGraph, CycleReachedFromARootStaysInThatTree) {
    // Root 1 blocks 2; 2 and 3 wait on each other.
    Snapshot s;
    s.lock({holds(1, Exclusive), holds(3, Exclusive), waits(2, Exclusive)}, {2})
     .lock({holds(2, Exclusive), waits(3, Exclusive)}, {3});
    auto f = s.forest();
    EXPECT_EQ(f.at(2).root_pid, 1);
    EXPECT_EQ(f.at(3).root_pid, 1);
    EXPECT_EQ(f.at(3).depth, 2);
    EXPECT_FALSE(f.at(3).in_cycle_without_root);
    EXPECT_EQ(f.at(1).blocking_count, 2);
}

TEST(LockGraph, RootsOfBothKindsAreEqualParents) {
    // 1 and 3 wait on each other (nothing else blocks them); 8 is an ordinary
    // root; 5 waits for a lock that 1 and 8 both hold. Both blockers have
    // depth 0, so 5 hangs from the lower pid, 1, inside the deadlock's tree.
    Snapshot s;
    s.lock({holds(3, Exclusive), waits(1, Exclusive)}, {1})
     .lock({holds(1, Exclusive), waits(3, Exclusive)}, {3})
     .lock({holds(1, Share), holds(8, Share), waits(5, Exclusive)}, {5});
    auto f = s.forest();
    EXPECT_EQ(f.at(5).depth, 1);
    EXPECT_EQ(f.at(5).root_pid, 1);
    EXPECT_EQ(v(f.at(5).chain), (Pids{1, 5}));
    EXPECT_TRUE(f.at(1).in_cycle_without_root);
    EXPECT_EQ(f.at(8).blocking_count, 1);
    EXPECT_EQ(f.at(1).blocking_count, 2);
}

TEST(LockGraph, BlockingCountCountsDistinctPidsThroughDiamonds) {
    Snapshot s;
    s.lock({holds(1, Share), waits(2, Exclusive), waits(3, Exclusive)}, {2, 3})
     .lock({holds(2, Share), holds(3, Share), waits(4, Exclusive)}, {4});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(3).blocked_by), (Pids{1, 2}));  // 2 is ahead, same request
    EXPECT_EQ(f.at(1).blocking_count, 3);
    EXPECT_EQ(f.at(4).root_pid, 1);
}

TEST(LockGraph, HoldersThatBlockNobodyAreNotRows) {
    Snapshot s;
    s.lock({holds(1, AccessShare), holds(2, RowExclusive), holds(3, Share),
            waits(4, RowExclusive)},
           {4});
    auto f = s.forest();
    EXPECT_EQ(f.size(), 2u);
    EXPECT_EQ(v(f.at(4).blocked_by), Pids{3});
}

TEST(LockGraph, TwoIndependentTreesBiggestFirst) {
    Snapshot s;
    s.lock({holds(90, Exclusive), waits(91, Exclusive)}, {91})
     .lock({holds(20, Exclusive), waits(21, Exclusive), waits(22, Exclusive)}, {21, 22});
    auto f = s.forest();
    EXPECT_EQ(s.order(), (Pids{20, 21, 22, 90, 91}));
    EXPECT_EQ(v(f.at(22).blocked_by), (Pids{20, 21}));
}

TEST(LockGraph, HundredsQueuedOnOneRow) {
    // Holder 1 idle in transaction; 2 waits for its xid holding the tuple
    // lock; 3..251 queue on the tuple lock behind each other.
    std::vector<LockMember> tuple = {holds(2, Exclusive)};
    std::vector<std::int32_t> queue;
    for (int pid = 3; pid <= 251; ++pid) {
        tuple.push_back(waits(pid, Exclusive));
        queue.push_back(pid);
    }
    Vector<AwaitedLock> locks(&heap);
    const LockMember xid[] = {holds(1, Exclusive), waits(2, Share)};
    const std::int32_t xid_queue[] = {2};
    locks.push_back(AwaitedLock{Vector<LockMember>(std::begin(xid), std::end(xid), &heap),
                                Vector<std::int32_t>(std::begin(xid_queue), std::end(xid_queue), &heap),
                                conflicts});
    locks.push_back(AwaitedLock{Vector<LockMember>(tuple.begin(), tuple.end(), &heap),
                                Vector<std::int32_t>(queue.begin(), queue.end(), &heap), conflicts});
    auto nodes = build_lock_forest(locks, heap);
    ASSERT_EQ(nodes.size(), 251u);
    EXPECT_EQ(nodes[0].pid, 1);
    EXPECT_EQ(nodes[0].blocking_count, 250);
    for (const ForestNode& node : nodes) {
        if (node.pid < 3)
            continue;
        EXPECT_EQ(node.depth, 2) << node.pid;
        EXPECT_EQ(node.blocked_by.size(), static_cast<std::size_t>(node.pid - 2)) << node.pid;
        EXPECT_EQ(node.blocking_count, 251 - node.pid) << node.pid;
    }
}

TEST(LockGraph, GroupWaitingOnTwoLocksMergesItsBlockers) {
    // Leader 40 waits on one lock held by 9 and 12; its worker 41 waits on
    // another held by 9 and 8: the group is blocked by 8, 9 and 12, once each.
    Snapshot s;
    s.lock({holds(12, Exclusive), holds(9, Exclusive), waits(40, Exclusive)}, {40})
     .lock({holds(9, Exclusive), holds(8, Exclusive), waits(41, Exclusive, 40)}, {41});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(40).blocked_by), (Pids{8, 9, 12}));
    EXPECT_EQ(f.at(40).depth, 1);
    EXPECT_EQ(f.at(40).root_pid, 8);
}

TEST(LockGraph, GroupHoldingTogetherIsOneBlocker) {
    // Leader 30 and its worker 31 both hold the lock 5 waits for.
    Snapshot s;
    s.lock({holds(31, Share, 30), waits(5, Exclusive), holds(30, Share)}, {5});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(5).blocked_by), Pids{30});
    EXPECT_EQ(f.at(30).blocking_count, 1);
}

TEST(LockGraph, QueueBlockersAreEveryConflictingWaiterAhead) {
    // A holder of AccessShare; queued: 2 AccessExclusive, 3 AccessShare,
    // 4 RowExclusive, 5 AccessShare, 6 Exclusive. Each waiter is blocked by
    // the held mode it conflicts with and by every conflicting request ahead.
    Snapshot s;
    s.lock({holds(1, AccessShare), waits(2, AccessExclusive), waits(3, AccessShare),
            waits(4, RowExclusive), waits(5, AccessShare), waits(6, Exclusive)},
           {2, 3, 4, 5, 6});
    auto f = s.forest();
    EXPECT_EQ(v(f.at(2).blocked_by), Pids{1});
    EXPECT_EQ(v(f.at(3).blocked_by), Pids{2});
    EXPECT_EQ(v(f.at(4).blocked_by), Pids{2});
    EXPECT_EQ(v(f.at(5).blocked_by), Pids{2});
    EXPECT_EQ(v(f.at(6).blocked_by), (Pids{2, 4}));
    EXPECT_EQ(f.at(1).blocking_count, 5);
}

TEST(LockGraph, SameForestFromReusedMemory) {
    // lock_chains() builds each call's graph in memory kept from the last
    // call: the second build on the reset arena gives the same forest.
    std::vector<LockMember> tuple = {holds(2, Exclusive)};
    std::vector<std::int32_t> queue;
    for (int pid = 3; pid <= 60; ++pid) {
        tuple.push_back(waits(pid, Exclusive));
        queue.push_back(pid);
    }
    ReusableArena arena(heap, 1 << 20);
    std::vector<std::vector<std::int32_t>> first;
    for (int use = 0; use < 2; ++use) {
        arena.reset();
        Vector<AwaitedLock> locks(&arena);
        locks.push_back(AwaitedLock{Vector<LockMember>(tuple.begin(), tuple.end(), &arena),
                                    Vector<std::int32_t>(queue.begin(), queue.end(), &arena), conflicts});
        const Vector<ForestNode> nodes = build_lock_forest(locks, arena);
        ASSERT_EQ(nodes.size(), 59u);
        std::vector<std::vector<std::int32_t>> rows;
        for (const ForestNode& node : nodes) {
            rows.push_back(v(node.blocked_by));
            Pids ahead;
            for (int pid = 2; pid < node.pid; ++pid)
                ahead.push_back(pid);
            EXPECT_EQ(v(node.blocked_by), ahead) << node.pid;
        }
        if (use == 0)
            first = rows;
        else
            EXPECT_EQ(rows, first);
    }
}

// --- the forest computed the slow, obvious way, to check the fast one ------
//
// Straight from the definitions (SPEC §2, pg_blocking_pids): every pair of
// members is tested, depth is a breadth-first search from the roots, and
// blocking_count a search from each node.
struct ReferenceRow {
    std::int32_t pid, root_pid;
    int depth;
    Pids blocked_by;
    int blocking_count;
    Pids chain;
    int lock, member;
    bool in_cycle_without_root;
    bool operator==(const ReferenceRow&) const = default;
};

void PrintTo(const ReferenceRow& r, std::ostream* out) {
    auto list = [out](const Pids& pids) {
        *out << '{';
        for (std::int32_t pid : pids)
            *out << pid << ' ';
        *out << '}';
    };
    *out << "pid " << r.pid << " root " << r.root_pid << " depth " << r.depth << " blocked_by ";
    list(r.blocked_by);
    *out << " count " << r.blocking_count << " chain ";
    list(r.chain);
    *out << " wait " << r.lock << '/' << r.member << (r.in_cycle_without_root ? " cyclic" : "");
}

std::vector<ReferenceRow> reference_forest(const std::vector<std::vector<LockMember>>& locks,
                                           const std::vector<Pids>& queues) {
    auto valid = [](int mode) { return mode > 0 && mode < max_lock_modes; };
    std::map<std::int32_t, std::set<std::int32_t>> blockers, waiters;
    std::map<std::int32_t, std::pair<int, int>> wait;
    for (std::size_t l = 0; l < locks.size(); ++l)
        for (std::size_t m = 0; m < locks[l].size(); ++m) {
            const LockMember& member = locks[l][m];
            blockers[member.leader_pid];
            waiters[member.leader_pid];
        }
    auto position = [&](std::size_t l, std::int32_t pid) {
        const Pids& q = queues[l];
        return static_cast<std::size_t>(std::find(q.begin(), q.end(), pid) - q.begin());
    };
    for (std::size_t l = 0; l < locks.size(); ++l)
        for (std::size_t m = 0; m < locks[l].size(); ++m) {
            const LockMember& w = locks[l][m];
            if (!valid(w.wait_mode))
                continue;
            // A group reports the leader's own wait, else its first member's.
            const auto seen = wait.find(w.leader_pid);
            if (seen == wait.end() || w.pid == w.leader_pid)
                wait[w.leader_pid] = {static_cast<int>(l), static_cast<int>(m)};
            for (const LockMember& o : locks[l]) {
                if (o.leader_pid == w.leader_pid)
                    continue;
                const bool hard = (conflicts[w.wait_mode] & o.hold_mask) != 0;
                const bool soft = valid(o.wait_mode) && (conflicts[w.wait_mode] & bit(o.wait_mode)) &&
                                  position(l, o.pid) < position(l, w.pid);
                if (hard || soft) {
                    blockers[w.leader_pid].insert(o.leader_pid);
                    waiters[o.leader_pid].insert(w.leader_pid);
                }
            }
        }
    std::map<std::int32_t, int> depth;
    std::map<std::int32_t, bool> cyclic;
    auto search = [&](Pids sources) {
        Pids frontier = sources;
        for (std::int32_t s : sources)
            depth[s] = 0;
        for (std::size_t head = 0; head < frontier.size(); ++head)
            for (std::int32_t w : waiters[frontier[head]])
                if (!depth.count(w)) {
                    depth[w] = depth[frontier[head]] + 1;
                    frontier.push_back(w);
                }
    };
    Pids roots;
    for (auto& [pid, set] : blockers)
        if (set.empty())
            roots.push_back(pid);
    search(roots);
    auto reachable = [&](std::int32_t from) {
        std::set<std::int32_t> seen;
        Pids todo{from};
        while (!todo.empty()) {
            const std::int32_t u = todo.back();
            todo.pop_back();
            for (std::int32_t w : waiters[u])
                if (seen.insert(w).second)
                    todo.push_back(w);
        }
        return seen;
    };
    // Unreached: each cycle that nothing outside it blocks is rooted at its lowest pid.
    Pids cycle_roots;
    for (auto& [pid, set] : blockers) {
        if (depth.count(pid))
            continue;
        const auto down = reachable(pid);
        if (!down.count(pid))
            continue;  // not on a cycle
        bool lowest = true, from_outside = false;
        for (std::int32_t other : down) {
            if (!reachable(other).count(pid))
                continue;  // downstream, not in the cycle
            lowest = lowest && pid <= other;
            for (std::int32_t b : blockers[other])
                from_outside = from_outside || !(down.count(b) && reachable(b).count(pid));
        }
        if (lowest && !from_outside) {
            cycle_roots.push_back(pid);
            cyclic[pid] = true;
        }
    }
    // Depth: the distance from the nearest root of either kind.
    depth.clear();
    Pids sources = roots;
    sources.insert(sources.end(), cycle_roots.begin(), cycle_roots.end());
    std::sort(sources.begin(), sources.end());
    search(sources);
    std::map<std::int32_t, std::int32_t> parent;
    for (auto& [pid, set] : blockers)
        for (std::int32_t b : set)
            if (depth.at(pid) > 0 && (!parent.count(pid) || depth.at(b) < depth.at(parent[pid])))
                parent[pid] = b;
    std::map<std::int32_t, int> count;
    for (auto& [pid, set] : blockers) {
        auto down = reachable(pid);
        down.erase(pid);
        count[pid] = static_cast<int>(down.size());
    }
    Pids tops;
    for (auto& [pid, set] : blockers)
        if (depth.at(pid) == 0 && (!waiters[pid].empty() || wait.count(pid)))
            tops.push_back(pid);
    std::stable_sort(tops.begin(), tops.end(), [&](auto a, auto b) { return count[a] > count[b]; });
    std::vector<ReferenceRow> rows;
    std::function<void(std::int32_t, std::int32_t, Pids)> visit = [&](std::int32_t pid, std::int32_t root,
                                                                     Pids chain) {
        chain.push_back(pid);
        const auto w = wait.count(pid) ? wait[pid] : std::pair<int, int>{-1, -1};
        rows.push_back({pid, root, depth.at(pid), Pids(blockers[pid].begin(), blockers[pid].end()),
                        count[pid], chain, w.first, w.second, cyclic[root]});
        for (std::int32_t child : waiters[pid])  // ascending pids
            if (depth.at(child) > 0 && parent[child] == pid)
                visit(child, root, chain);
    };
    for (std::int32_t top : tops)
        visit(top, top, {});
    return rows;
}

std::vector<ReferenceRow> rows_of(const Vector<ForestNode>& nodes) {
    std::vector<ReferenceRow> rows;
    for (const ForestNode& n : nodes)
        rows.push_back({n.pid, n.root_pid, n.depth, v(n.blocked_by), n.blocking_count, v(n.chain),
                        n.lock, n.member, n.in_cycle_without_root});
    return rows;
}

TEST(LockGraph, RandomSnapshotsMatchTheDefinitions) {
    // Random lock tables: up to 4 locks, 14 backends, lock groups, several held
    // modes, upgrades, queues in any order, cycles, now and then a waiter
    // missing from its queue. Each backend waits on at most one lock, as in
    // PostgreSQL.
    std::mt19937 random(20261202);
    int cycles = 0;
    for (int round = 0; round < 4000; ++round) {
        const int backends = 2 + static_cast<int>(random() % 13);
        std::vector<std::int32_t> leader(backends + 1);
        for (int pid = 1; pid <= backends; ++pid)
            leader[pid] = random() % 5 == 0 ? 1 + static_cast<int>(random() % pid) : pid;
        for (int pid = 1; pid <= backends; ++pid)
            leader[pid] = leader[leader[pid]];  // a leader leads itself
        const int lock_count = 1 + static_cast<int>(random() % 4);
        std::vector<std::vector<LockMember>> members(lock_count);
        std::vector<Pids> queues(lock_count);
        std::vector<bool> waiting(backends + 1, false);
        for (int l = 0; l < lock_count; ++l) {
            // Often one mode for every waiter, as in a row-lock queue.
            const int queue_mode = random() % 2 == 0 ? 1 + static_cast<int>(random() % 8) : 0;
            for (int pid = 1; pid <= backends; ++pid) {
                if (random() % 3 != 0)
                    continue;
                LockMember m{pid, leader[pid], 0, 0};
                if (random() % 2 == 0)
                    m.hold_mask = bit(1 + static_cast<int>(random() % 8)) |
                                  (random() % 4 == 0 ? bit(1 + static_cast<int>(random() % 8)) : 0);
                if (!waiting[pid] && (m.hold_mask == 0 || random() % 3 == 0)) {
                    m.wait_mode = queue_mode > 0 ? queue_mode : 1 + static_cast<int>(random() % 8);
                    waiting[pid] = true;
                    queues[l].push_back(pid);
                }
                members[l].push_back(m);
            }
            std::shuffle(members[l].begin(), members[l].end(), random);
            std::shuffle(queues[l].begin(), queues[l].end(), random);
            if (!queues[l].empty() && random() % 10 == 0)
                queues[l].pop_back();  // a waiter the queue read missed
        }
        Vector<AwaitedLock> locks(&heap);
        for (int l = 0; l < lock_count; ++l)
            locks.push_back(AwaitedLock{Vector<LockMember>(members[l].begin(), members[l].end(), &heap),
                                        Vector<std::int32_t>(queues[l].begin(), queues[l].end(), &heap),
                                        conflicts});
        const auto expected = reference_forest(members, queues);
        const auto got = rows_of(build_lock_forest(locks, heap));
        ASSERT_EQ(got, expected) << "round " << round;
        for (const auto& row : expected)
            cycles += row.in_cycle_without_root;
    }
    EXPECT_GT(cycles, 0);  // the rounds did reach the cycle code
}

}  // namespace
}  // namespace hastecrm_perf
