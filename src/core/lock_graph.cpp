#include "core/lock_graph.hpp"

#include <algorithm>
#include <limits>

namespace hastecrm_perf {

namespace {

constexpr int unreached = std::numeric_limits<int>::max();
constexpr std::size_t not_queued = std::numeric_limits<std::size_t>::max();

struct Wait {
    int lock;
    int member;
};

class ForestBuilder {
public:
    ForestBuilder(const Vector<AwaitedLock>& locks, Resource& resource)
        : locks_(locks), resource_(resource), pids_(&resource), blockers_(&resource),
          waiters_(&resource), waits_(&resource), depth_(&resource), parent_(&resource),
          cyclic_root_(&resource), component_(&resource), blocking_count_(&resource),
          member_node_(&resource), by_node_(&resource), positions_(&resource),
          candidates_(&resource), queue_order_(&resource) {}

    Vector<ForestNode> build() {
        collect_nodes();
        collect_edges();
        place_in_trees();
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
        blockers_.reserve(n);
        waiters_.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            blockers_.emplace_back();  // inner vectors take the outer resource
            waiters_.emplace_back();
        }
        waits_.assign(n, Wait{-1, -1});
    }

    int node_of(std::int32_t pid) const {
        return static_cast<int>(std::lower_bound(pids_.begin(), pids_.end(), pid) - pids_.begin());
    }

    // --- edges, as pg_blocking_pids() draws them ------------------------------

    void collect_edges() {
        Vector<bool> needs_sort(pids_.size(), false, &resource_);
        for (int l = 0; l < static_cast<int>(locks_.size()); ++l) {
            const AwaitedLock& lock = locks_[l];
            index_members(lock);
            for (int m = 0; m < static_cast<int>(lock.members.size()); ++m) {
                const LockMember& waiter = lock.members[m];
                if (waiter.wait_mode <= 0 || waiter.wait_mode >= max_lock_modes)
                    continue;
                const int node = member_node_[m];
                // Blockers from one lock arrive in node order; a second lock
                // (a lock group waiting twice) needs a merge.
                needs_sort[node] = needs_sort[node] || !blockers_[node].empty();
                remember_wait(node, waiter, Wait{l, m});
                add_blockers(lock, waiter, static_cast<std::size_t>(m), node);
            }
        }
        for (std::size_t v = 0; v < blockers_.size(); ++v) {
            if (!needs_sort[v])
                continue;
            auto& list = blockers_[v];
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
        }
        // Each waiters_ list sized first, then filled in place: a row-lock
        // queue of n makes n²/2 edges, and growing vectors edge by edge costs
        // more than the rest of the graph. Visiting waiters in ascending order
        // keeps each list sorted.
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

    // A group reports the leader's own wait when the leader waits.
    void remember_wait(int node, const LockMember& waiter, Wait wait) {
        Wait& current = waits_[node];
        if (current.lock < 0 || waiter.pid == waiter.leader_pid)
            current = wait;
    }

    void add_blockers(const AwaitedLock& lock, const LockMember& waiter, std::size_t waiter_index,
                      int node) {
        const std::uint32_t conflicts = lock.conflicts[waiter.wait_mode];
        const std::size_t waiter_position = positions_[waiter_index];
        // Written in place into room for every member, then cut to size.
        Vector<int>& blockers = blockers_[node];
        const std::size_t start = blockers.size();
        blockers.resize(start + lock.members.size());
        int* const first = blockers.data() + start;
        int* out = first;
        const int own_node = member_node_[waiter_index];
        for (const Candidate& other : candidates_) {
            if (other.node == own_node)
                continue;  // itself, or its own lock group
            const bool blocks = (conflicts & other.hold_mask) != 0 ||
                                ((conflicts & other.wait_bit) != 0 && other.position < waiter_position);
            // Candidates come in node order: a lock group's members are adjacent.
            if (blocks && (out == first || out[-1] != other.node))
                *out++ = other.node;
        }
        blockers.resize(start + static_cast<std::size_t>(out - first));
    }

    // Per member of the lock: its node, its place in the wait queue (not
    // queued: last, so the soft-block test is one comparison), and the members
    // in node order (so each waiter's blockers come out sorted and distinct).
    void index_members(const AwaitedLock& lock) {
        const std::size_t count = lock.members.size();
        member_node_.clear();
        by_node_.clear();
        for (std::size_t m = 0; m < count; ++m) {
            member_node_.push_back(node_of(lock.members[m].leader_pid));
            by_node_.push_back(static_cast<int>(m));
        }
        std::sort(by_node_.begin(), by_node_.end(),
                  [this](int a, int b) { return member_node_[a] < member_node_[b]; });
        positions_.assign(count, not_queued);
        queue_order_.clear();
        for (std::size_t q = 0; q < lock.wait_queue.size(); ++q)
            queue_order_.push_back({lock.wait_queue[q], q});
        std::sort(queue_order_.begin(), queue_order_.end());
        for (std::size_t m = 0; m < count; ++m) {
            const auto it = std::lower_bound(queue_order_.begin(), queue_order_.end(),
                                             std::pair<std::int32_t, std::size_t>{lock.members[m].pid, 0});
            if (it != queue_order_.end() && it->first == lock.members[m].pid)
                positions_[m] = it->second;
        }
        // What the blocker test reads of each member, contiguous and in node order.
        candidates_.clear();
        candidates_.reserve(count);
        for (int m : by_node_) {
            const LockMember& member = lock.members[m];
            const bool waits = member.wait_mode > 0 && member.wait_mode < max_lock_modes;
            candidates_.push_back(Candidate{member_node_[m], member.hold_mask,
                                            waits ? 1u << member.wait_mode : 0u, positions_[m]});
        }
    }

    // --- trees: depth from the nearest root, parent of least depth ------------

    void place_in_trees() {
        const int n = static_cast<int>(pids_.size());
        depth_.assign(n, unreached);
        parent_.assign(n, -1);
        cyclic_root_.assign(n, false);
        Vector<int> sources(&resource_);
        for (int v = 0; v < n; ++v)
            if (blockers_[v].empty())
                sources.push_back(v);
        breadth_first(sources);

        // What no root reaches hangs from a cycle: each cycle that nothing else
        // blocks is rooted at its lowest pid.
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
        sources.clear();
        for (int c = 0; c < components_; ++c) {
            const int v = lowest[c];
            if (depth_[v] != unreached || blocked_from_outside[c])
                continue;
            sources.push_back(v);
            cyclic_root_[v] = true;
        }
        std::sort(sources.begin(), sources.end());
        breadth_first(sources);
    }

    void breadth_first(const Vector<int>& sources) {
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
        // Parent: the blocker of least depth, lowest pid on ties.
        for (int v : frontier) {
            if (depth_[v] == 0)
                continue;
            for (int b : blockers_[v])
                if (parent_[v] < 0 || depth_[b] < depth_[parent_[v]])
                    parent_[v] = b;
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

    void count_blocked() {
        const int n = static_cast<int>(pids_.size());
        const std::size_t words = (static_cast<std::size_t>(n) + 63) / 64;
        Vector<Vector<std::uint64_t>> reach(&resource_);
        Vector<int> size(components_, 0, &resource_);
        Vector<Vector<int>> members(&resource_);
        for (int c = 0; c < components_; ++c) {
            reach.emplace_back().assign(words, 0);
            members.emplace_back();
        }
        for (int v = 0; v < n; ++v) {
            members[component_[v]].push_back(v);
            ++size[component_[v]];
        }
        // Lower-numbered components are downstream: they are complete first.
        // (Raw pointers: this runs once per edge, n²/2 of them in a row-lock queue.)
        for (int c = 0; c < components_; ++c) {
            std::uint64_t* const into = reach[c].data();
            for (int v : members[c]) {
                for (int w : waiters_[v]) {
                    const int d = component_[w];
                    if (d == c)
                        continue;
                    const std::uint64_t* const from = reach[d].data();
                    for (std::size_t i = 0; i < words; ++i)
                        into[i] |= from[i];
                    for (int u : members[d])
                        into[u / 64] |= std::uint64_t{1} << (u % 64);
                }
            }
        }
        blocking_count_.assign(n, 0);
        for (int v = 0; v < n; ++v) {
            int count = size[component_[v]] - 1;  // the rest of its own cycle
            for (std::uint64_t word : reach[component_[v]])
                count += __builtin_popcountll(word);
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
            else if (!waiters_[v].empty() || waits_[v].lock >= 0)
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
        for (std::int32_t& b : out.blocked_by)
            b = pids_[b];
        out.chain.reserve(chain.size());
        for (int c : chain)
            out.chain.push_back(pids_[c]);
        return out;
    }

    const Vector<AwaitedLock>& locks_;
    Resource& resource_;
    Vector<std::int32_t> pids_;       // node -> leader pid, ascending
    Vector<Vector<std::int32_t>> blockers_;  // node -> nodes blocking it (pids once emitted)
    Vector<Vector<int>> waiters_;     // node -> nodes it blocks
    Vector<Wait> waits_;
    Vector<int> depth_;
    Vector<int> parent_;
    Vector<bool> cyclic_root_;
    Vector<int> component_;
    int components_ = 0;
    Vector<int> blocking_count_;
    // Per member of the lock being read (see index_members).
    Vector<int> member_node_;
    Vector<int> by_node_;
    Vector<std::size_t> positions_;
    struct Candidate {
        int node;
        std::uint32_t hold_mask;
        std::uint32_t wait_bit;  // 1 << the mode it waits for; 0 when not waiting
        std::size_t position;    // in the wait queue; not_queued if not in it
    };
    Vector<Candidate> candidates_;
    Vector<std::pair<std::int32_t, std::size_t>> queue_order_;
};

}  // namespace

Vector<ForestNode> build_lock_forest(const Vector<AwaitedLock>& locks, Resource& resource) {
    return ForestBuilder(locks, resource).build();
}

}  // namespace hastecrm_perf
