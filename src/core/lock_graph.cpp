#include "core/lock_graph.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace hastecrm_perf {

namespace {

constexpr int unreached = std::numeric_limits<int>::max();
constexpr std::size_t not_queued = std::numeric_limits<std::size_t>::max();

bool valid_mode(int mode) { return mode > 0 && mode < max_lock_modes; }

struct Wait {
    int lock;
    int member;
};

// pid -> a small number, by open addressing: a binary search per lock member
// cost more than the rest of reading the lock (its branches are a coin toss).
class PidIndex {
public:
    explicit PidIndex(Resource& resource) : slots_(&resource) {}

    void reset(std::size_t count) {
        std::size_t size = 16;
        while (size < 2 * count)
            size *= 2;
        slots_.assign(size, Slot{0, -1});
        mask_ = size - 1;
    }
    // The first value given for a pid stays.
    void insert(std::int32_t pid, int value) {
        for (std::size_t i = hash(pid);; i = (i + 1) & mask_) {
            if (slots_[i].value < 0) {
                slots_[i] = Slot{pid, value};
                return;
            }
            if (slots_[i].pid == pid)
                return;
        }
    }
    int find(std::int32_t pid) const {  // -1: absent
        for (std::size_t i = hash(pid);; i = (i + 1) & mask_) {
            if (slots_[i].value < 0 || slots_[i].pid == pid)
                return slots_[i].value;
        }
    }

private:
    std::size_t hash(std::int32_t pid) const {
        return (static_cast<std::uint32_t>(pid) * 2654435761u >> 7) & mask_;
    }
    struct Slot {
        std::int32_t pid;
        int value;
    };
    Vector<Slot> slots_;
    std::size_t mask_ = 0;
};

// A row-lock queue of n makes n²/2 edges (the k-th waiter is blocked by
// everyone ahead), so every pass over the edges counts: edges are built by
// merging sorted lists, an acyclic graph (the usual case: the deadlock
// detector breaks cycles within deadlock_timeout) is placed in one
// depth-first pass and counted in one more, both along the blockers, and the
// inner loops run over raw pointers.
class ForestBuilder {
public:
    ForestBuilder(const Vector<AwaitedLock>& locks, Resource& resource)
        : locks_(locks), resource_(resource), pids_(&resource), node_index_(resource),
          blockers_(&resource), waiters_(&resource), waits_(&resource), depth_(&resource),
          parent_(&resource), cyclic_root_(&resource), component_(&resource),
          blocking_count_(&resource), member_node_(&resource), positions_(&resource),
          member_index_(resource), by_position_(&resource), waits_seen_(&resource),
          like_(&resource), holders_(&resource), ahead_(&resource) {}

    Vector<ForestNode> build() {
        collect_nodes();
        collect_edges();
        if (!place_acyclic()) {
            like_.assign(pids_.size(), -1);  // the cycle passes walk every edge
            index_waiters();
            place_with_cycles();
        }
        count_blocked();
        return emit();
    }

private:
    // --- nodes: every leader that waits or blocks ---------------------------

    void collect_nodes() {
        for (const AwaitedLock& lock : locks_)
            for (const LockMember& member : lock.members)
                pids_.push_back(member.leader_pid);
        std::sort(pids_.begin(), pids_.end());
        pids_.erase(std::unique(pids_.begin(), pids_.end()), pids_.end());
        const std::size_t n = pids_.size();
        node_index_.reset(n);
        for (std::size_t v = 0; v < n; ++v)
            node_index_.insert(pids_[v], static_cast<int>(v));
        blockers_.reserve(n);
        waiters_.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            blockers_.emplace_back();  // inner vectors take the outer resource
            waiters_.emplace_back();
        }
        waits_.assign(n, Wait{-1, -1});
    }

    int node_of(std::int32_t pid) const { return node_index_.find(pid); }

    // --- edges, as pg_blocking_pids() draws them ------------------------------

    void collect_edges() {
        waits_seen_.assign(pids_.size(), 0);
        like_.assign(pids_.size(), -1);
        for (int mode = 0; mode < max_lock_modes; ++mode) {
            holders_.emplace_back();
            ahead_.emplace_back();
        }
        for (int l = 0; l < static_cast<int>(locks_.size()); ++l)
            add_lock_edges(l);
        // A node that waits twice (a lock group) has two merged lists to unite.
        for (std::size_t v = 0; v < blockers_.size(); ++v) {
            if (waits_seen_[v] < 2)
                continue;
            auto& list = blockers_[v];
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
        }
        // "Blocked by what u is blocked by, and by u" holds for lists from a
        // single wait each.
        for (std::size_t v = 0; v < like_.size(); ++v)
            if (like_[v] >= 0 && (waits_seen_[v] > 1 || waits_seen_[like_[v]] > 1))
                like_[v] = -1;
    }

    // A waiter in mode M is blocked by the members holding a mode M conflicts
    // with (holders_[M], fixed for the lock) and by the members queued ahead
    // of it requesting such a mode (ahead_[M], growing as the queue is walked
    // front to back): its blockers are the merge of two sorted node lists.
    //
    // When the last one added to ahead_[M] waited in mode M too, this waiter
    // is blocked by exactly what that one is blocked by, plus that one: the
    // graph passes then follow that single edge (like_) instead of the list.
    // In a row-lock queue that holds for every waiter but the first, and the
    // n²/2 edges are walked only to be output.
    void add_lock_edges(int l) {
        const AwaitedLock& lock = locks_[l];
        index_members(lock);
        const std::size_t count = lock.members.size();
        for (std::size_t m = 0; m < count; ++m)
            if (valid_mode(lock.members[m].wait_mode))
                remember_wait(member_node_[m], lock.members[m], Wait{l, static_cast<int>(m)});

        std::uint32_t requested = 0;  // modes some member waits for
        for (const LockMember& member : lock.members)
            if (valid_mode(member.wait_mode))
                requested |= 1u << member.wait_mode;
        for (int mode = 1; mode < max_lock_modes; ++mode) {
            if ((requested & (1u << mode)) == 0)
                continue;
            Vector<int>& holders = holders_[mode];
            holders.clear();
            for (std::size_t m = 0; m < count; ++m)
                if ((lock.conflicts[mode] & lock.members[m].hold_mask) != 0)
                    holders.push_back(member_node_[m]);
            std::sort(holders.begin(), holders.end());
            holders.erase(std::unique(holders.begin(), holders.end()), holders.end());
            ahead_[mode].clear();
            latest_ahead_[mode] = Ahead{-1, 0};
        }

        for (const int m : by_position_) {
            const LockMember& waiter = lock.members[m];
            const int mode = waiter.wait_mode;
            const int node = member_node_[m];
            ++waits_seen_[node];  // a second wait (a lock group) needs a merge
            const Ahead latest = latest_ahead_[mode];
            if (latest.node >= 0 && latest.mode == mode && latest.node != node &&
                !std::binary_search(holders_[mode].begin(), holders_[mode].end(), node) &&
                !std::binary_search(ahead_[mode].begin(), ahead_[mode].end(), node))
                like_[node] = latest.node;
            append_merged(blockers_[node], holders_[mode], ahead_[mode], node);
            if (positions_[m] == not_queued)
                continue;  // never ahead of anyone
            for (int other = 1; other < max_lock_modes; ++other)
                if ((requested & (1u << other)) != 0 && (lock.conflicts[other] & (1u << mode)) != 0) {
                    insert_sorted(ahead_[other], node);
                    latest_ahead_[other] = Ahead{node, mode};
                }
        }
    }

    // Appends the union of two sorted lists to `out`, without `own` (a
    // backend never blocks itself or its own lock group). The longer list is
    // copied in runs between the elements of the shorter: in a row-lock queue
    // one list holds the single holder, the other everyone queued ahead.
    static void append_merged(Vector<int>& out, const Vector<int>& a, const Vector<int>& b, int own) {
        const Vector<int>& longer = a.size() >= b.size() ? a : b;
        const Vector<int>& shorter = a.size() >= b.size() ? b : a;
        const std::size_t start = out.size();
        out.resize(start + a.size() + b.size(), boost::container::default_init);
        int* const first = out.data() + start;
        int* to = first;
        const int* from = longer.data();
        const int* const end = from + longer.size();
        for (const int x : shorter) {
            const int* const at = std::lower_bound(from, end, x);
            to = std::copy(from, at, to);
            from = at;
            if (from == end || *from != x)
                *to++ = x;  // else it comes with the next run
        }
        to = std::copy(from, end, to);
        int* const mine = std::lower_bound(first, to, own);
        if (mine != to && *mine == own)
            to = std::copy(mine + 1, to, mine);
        out.resize(start + static_cast<std::size_t>(to - first));
    }

    static void insert_sorted(Vector<int>& list, int node) {
        const auto at = std::lower_bound(list.begin(), list.end(), node);
        if (at == list.end() || *at != node)
            list.insert(at, node);
    }

    // A group reports the leader's own wait when the leader waits.
    void remember_wait(int node, const LockMember& waiter, Wait wait) {
        Wait& current = waits_[node];
        if (current.lock < 0 || waiter.pid == waiter.leader_pid)
            current = wait;
    }

    // Per member of the lock: its node and its place in the wait queue; the
    // waiting members in queue order (any not in the queue last).
    void index_members(const AwaitedLock& lock) {
        const std::size_t count = lock.members.size();
        member_node_.clear();
        for (const LockMember& member : lock.members)
            member_node_.push_back(node_of(member.leader_pid));
        member_index_.reset(count);
        for (std::size_t m = 0; m < count; ++m)
            member_index_.insert(lock.members[m].pid, static_cast<int>(m));
        positions_.assign(count, not_queued);
        for (std::size_t q = 0; q < lock.wait_queue.size(); ++q)
            if (const int m = member_index_.find(lock.wait_queue[q]); m >= 0 && positions_[m] == not_queued)
                positions_[m] = q;
        by_position_.clear();
        for (std::size_t m = 0; m < count; ++m)
            if (valid_mode(lock.members[m].wait_mode))
                by_position_.push_back(static_cast<int>(m));
        std::stable_sort(by_position_.begin(), by_position_.end(),
                         [this](int a, int b) { return positions_[a] < positions_[b]; });
    }

    // Each waiters_ list sized first, then filled in place; visiting waiters
    // in ascending order keeps each list sorted.
    void index_waiters() {
        const std::size_t n = blockers_.size();
        Vector<int> filled(n, 0, &resource_);
        for (std::size_t v = 0; v < n; ++v)
            for (int b : blockers_[v])
                ++filled[b];
        for (std::size_t b = 0; b < n; ++b) {
            waiters_[b].resize(filled[b]);
            filled[b] = 0;
        }
        for (int v = 0; v < static_cast<int>(n); ++v)
            for (int b : blockers_[v])
                waiters_[b][filled[b]++] = v;
    }

    // --- trees: depth from the nearest root, parent of least depth ------------

    // Without cycles, a depth-first walk along the blockers finishes each
    // node after all of its blockers: its depth and parent come from them on
    // the way back, in one pass over the edges. Returns false, having placed
    // nothing, when it meets a cycle.
    bool place_acyclic() {
        const int n = static_cast<int>(pids_.size());
        enum : char { unseen, open, finished };
        Vector<char> state(n, unseen, &resource_);
        struct Frame {
            int node;
            int best;          // the blocker of least depth so far (-1: none)
            std::size_t next;  // the next blocker to look at
        };
        Vector<Frame> stack(&resource_);
        Vector<int> finish_order(&resource_);
        finish_order.reserve(n);
        depth_.assign(n, 0);
        parent_.assign(n, -1);
        int* const depth = depth_.data();
        for (int start = 0; start < n; ++start) {
            if (state[start] != unseen)
                continue;
            state[start] = open;
            stack.push_back(Frame{start, -1, 0});
            while (!stack.empty()) {
                Frame& frame = stack.back();
                const auto [list, count] = dependencies(frame.node);
                while (frame.next < count && state[list[frame.next]] == finished) {
                    // Blockers ascend by pid: the first of least depth wins ties.
                    const int b = list[frame.next++];
                    if (frame.best < 0 || depth[b] < depth[frame.best])
                        frame.best = b;
                }
                if (frame.next < count) {
                    const int b = list[frame.next];
                    if (state[b] == open)
                        return false;  // a cycle
                    state[b] = open;
                    stack.push_back(Frame{b, -1, 0});
                    continue;
                }
                const int v = frame.node;
                if (const int u = like_[v]; u >= 0) {
                    // Blocked by u's blockers and u: u's parent is of least
                    // depth among them, unless u is a root.
                    parent_[v] = parent_[u] >= 0 ? parent_[u] : u;
                    depth[v] = parent_[u] >= 0 ? depth[u] : 1;
                } else if (frame.best >= 0) {
                    parent_[v] = frame.best;
                    depth[v] = depth[frame.best] + 1;
                }
                state[v] = finished;
                finish_order.push_back(v);
                stack.pop_back();
            }
        }
        cyclic_root_.assign(n, false);
        // Blockers finish first: numbered from the end, every edge leads from
        // a component to a lower-numbered one (see count_blocked).
        component_.resize(n);
        for (int i = 0; i < n; ++i)
            component_[finish_order[i]] = n - 1 - i;
        components_ = n;
        return true;
    }

    // What a node's depth and reach follow: its blockers, or the one it is like.
    std::pair<const int*, std::size_t> dependencies(int v) const {
        if (like_[v] >= 0)
            return {&like_[v], 1};
        return {blockers_[v].data(), blockers_[v].size()};
    }

    // The blocker of least depth, lowest pid on ties (blockers ascend by pid).
    void choose_parent(int v, int* depth) {
        const Vector<int>& blockers = blockers_[v];
        if (blockers.empty())
            return;
        int best = blockers[0];
        for (int b : blockers)
            if (depth[b] < depth[best])
                best = b;
        parent_[v] = best;
        depth[v] = depth[best] + 1;
    }

    // With cycles: what no root reaches hangs from a cycle, and each cycle
    // that nothing else blocks is rooted at its lowest pid. Depth is then the
    // distance from the nearest root of either kind.
    void place_with_cycles() {
        const int n = static_cast<int>(pids_.size());
        cyclic_root_.assign(n, false);
        Vector<int> roots(&resource_);
        for (int v = 0; v < n; ++v)
            if (blockers_[v].empty())
                roots.push_back(v);
        breadth_first(roots);

        find_components();
        Vector<int> lowest(components_, -1, &resource_);
        Vector<bool> blocked_from_outside(components_, false, &resource_);
        for (int v = 0; v < n; ++v) {
            const int c = component_[v];
            if (lowest[c] < 0)
                lowest[c] = v;  // nodes ascend by pid
            for (int b : blockers_[v])
                if (component_[b] != c)
                    blocked_from_outside[c] = true;
        }
        bool any = false;
        for (int c = 0; c < components_; ++c) {
            const int v = lowest[c];
            if (depth_[v] != unreached || blocked_from_outside[c])
                continue;
            roots.push_back(v);
            cyclic_root_[v] = true;
            any = true;
        }
        if (any) {
            std::sort(roots.begin(), roots.end());
            breadth_first(roots);
        }
        parent_.assign(n, -1);
        int* const depth = depth_.data();
        for (int v = 0; v < n; ++v)
            if (depth[v] != 0)
                choose_parent(v, depth);  // keeps the search's distance
    }

    void breadth_first(const Vector<int>& sources) {
        depth_.assign(pids_.size(), unreached);
        Vector<int> frontier(&resource_);
        for (int s : sources) {
            depth_[s] = 0;
            frontier.push_back(s);
        }
        for (std::size_t head = 0; head < frontier.size(); ++head) {
            const int u = frontier[head];
            for (int w : waiters_[u]) {
                if (depth_[w] != unreached)
                    continue;
                depth_[w] = depth_[u] + 1;
                frontier.push_back(w);
            }
        }
    }

    // Tarjan's strongly connected components over blocker -> waiter edges,
    // iterative (a chain of hundreds must not exhaust the stack). Components
    // are numbered in completion order: every edge leaves a component for one
    // numbered lower or for itself.
    void find_components() {
        const int n = static_cast<int>(pids_.size());
        Vector<int> index(n, -1, &resource_), low(n, 0, &resource_), stack(&resource_);
        Vector<bool> on_stack(n, false, &resource_);
        Vector<std::pair<int, std::size_t>> calls(&resource_);
        component_.assign(n, -1);
        components_ = 0;
        int counter = 0;
        for (int start = 0; start < n; ++start) {
            if (index[start] >= 0)
                continue;
            calls.push_back({start, 0});
            while (!calls.empty()) {
                auto& [v, next] = calls.back();
                if (next == 0 && index[v] < 0) {
                    index[v] = low[v] = counter++;
                    stack.push_back(v);
                    on_stack[v] = true;
                }
                if (next < waiters_[v].size()) {
                    const int w = waiters_[v][next++];
                    if (index[w] < 0)
                        calls.push_back({w, 0});
                    else if (on_stack[w])
                        low[v] = std::min(low[v], index[w]);
                    continue;
                }
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = stack.back();
                        stack.pop_back();
                        on_stack[w] = false;
                        component_[w] = components_;
                    } while (w != v);
                    ++components_;
                }
                const int finished = v;
                calls.pop_back();
                if (!calls.empty())
                    low[calls.back().first] = std::min(low[calls.back().first], low[finished]);
            }
        }
    }

    // --- blocking_count: everything reachable, through component bitsets -----

    // closure[c]: the nodes of component c and of every component downstream.
    // Every edge leads to a lower-numbered component: taken in ascending
    // order, a component is complete when it is reached, and is then added
    // into the components of its members' blockers (or of the one a member
    // is like: that one's blockers reach it).
    void count_blocked() {
        const int n = static_cast<int>(pids_.size());
        const std::size_t words = (static_cast<std::size_t>(n) + 63) / 64;
        Vector<std::uint64_t> closure(components_ * words, 0, &resource_);
        // Nodes grouped by component (a counting sort).
        Vector<int> first(components_ + 1, 0, &resource_);
        for (int v = 0; v < n; ++v)
            ++first[component_[v] + 1];
        for (int c = 0; c < components_; ++c)
            first[c + 1] += first[c];
        Vector<int> members(n, 0, &resource_);
        {
            Vector<int> next(first.begin(), first.end() - 1, &resource_);
            for (int v = 0; v < n; ++v)
                members[next[component_[v]]++] = v;
        }
        const int* const component = component_.data();
        std::uint64_t* const bits = closure.data();
        for (int v = 0; v < n; ++v)
            bits[component[v] * words + v / 64] |= std::uint64_t{1} << (v % 64);
        for (int c = 0; c < components_; ++c) {
            const std::uint64_t* const from = bits + c * words;
            for (int i = first[c]; i < first[c + 1]; ++i) {
                const auto [list, count] = dependencies(members[i]);
                for (const int *b = list, *end = list + count; b != end; ++b) {
                    const int d = component[*b];
                    if (d == c)
                        continue;
                    std::uint64_t* const into = bits + d * words;
                    for (std::size_t k = 0; k < words; ++k)
                        into[k] |= from[k];
                }
            }
        }
        blocking_count_.assign(n, 0);
        for (int v = 0; v < n; ++v) {
            int count = -1;  // not itself
            const std::uint64_t* const reach = bits + component[v] * words;
            for (std::size_t k = 0; k < words; ++k)
                count += __builtin_popcountll(reach[k]);
            blocking_count_[v] = count;
        }
    }

    // --- output in display order ---------------------------------------------

    Vector<ForestNode> emit() {
        const int n = static_cast<int>(pids_.size());
        Vector<Vector<int>> children(&resource_);
        for (int v = 0; v < n; ++v)
            children.emplace_back();
        Vector<int> roots(&resource_);
        for (int v = 0; v < n; ++v) {
            if (depth_[v] != 0)
                children[parent_[v]].push_back(v);  // v ascending: children by pid
            else if (blocking_count_[v] > 0 || waits_[v].lock >= 0)
                roots.push_back(v);  // a holder that blocks nobody is no row
        }
        std::stable_sort(roots.begin(), roots.end(), [this](int a, int b) {
            return blocking_count_[a] > blocking_count_[b];
        });

        Vector<ForestNode> out(&resource_);
        out.reserve(n);
        Vector<int> chain(&resource_);
        Vector<int> todo(&resource_);
        for (int root : roots) {
            todo.push_back(root);
            while (!todo.empty()) {
                const int v = todo.back();
                todo.pop_back();
                chain.resize(depth_[v]);
                chain.push_back(v);
                out.push_back(node(v, root, chain));
                for (auto it = children[v].rbegin(); it != children[v].rend(); ++it)
                    todo.push_back(*it);
            }
        }
        return out;
    }

    ForestNode node(int v, int root, const Vector<int>& chain) {
        ForestNode out{pids_[v], pids_[root], depth_[v], Vector<std::int32_t>(&resource_),
                       blocking_count_[v], Vector<std::int32_t>(&resource_), waits_[v].lock,
                       waits_[v].member, cyclic_root_[root]};
        // Each node is emitted once and its blockers are not needed after:
        // the list moves over and its node numbers become pids in place.
        out.blocked_by = std::move(blockers_[v]);
        const std::int32_t* const pids = pids_.data();
        for (std::int32_t& b : out.blocked_by)
            b = pids[b];
        out.chain.reserve(chain.size());
        for (int c : chain)
            out.chain.push_back(pids[c]);
        return out;
    }

    const Vector<AwaitedLock>& locks_;
    Resource& resource_;
    Vector<std::int32_t> pids_;       // node -> leader pid, ascending
    PidIndex node_index_;             // leader pid -> node
    Vector<Vector<std::int32_t>> blockers_;  // node -> nodes blocking it (pids once emitted)
    Vector<Vector<int>> waiters_;     // node -> nodes it blocks (built only for cycles)
    Vector<Wait> waits_;
    Vector<int> depth_;
    Vector<int> parent_;
    Vector<bool> cyclic_root_;
    Vector<int> component_;
    int components_ = 0;
    Vector<int> blocking_count_;
    // Per member of the lock being read (see index_members).
    Vector<int> member_node_;
    Vector<std::size_t> positions_;
    PidIndex member_index_;           // pid -> member
    Vector<int> by_position_;
    Vector<int> waits_seen_;          // node -> waits read (a lock group can have two)
    Vector<int> like_;                // node -> the node it is like (see add_lock_edges), or -1
    // Per requested mode of that lock (see add_lock_edges).
    Vector<Vector<int>> holders_;
    Vector<Vector<int>> ahead_;
    struct Ahead {
        int node;  // the last one added to ahead_[mode], -1 for none
        int mode;  // the mode it waits for
    };
    std::array<Ahead, max_lock_modes> latest_ahead_{};
};

}  // namespace

Vector<ForestNode> build_lock_forest(const Vector<AwaitedLock>& locks, Resource& resource) {
    return ForestBuilder(locks, resource).build();
}

}  // namespace hastecrm_perf
