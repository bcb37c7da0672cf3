// What the three frequent-itemset miners share: the validated plan, the baskets
// recoded to frequent-item ranks, the output guard, the per-thread itemset sink, the
// task runner that keeps the output order independent of the thread count, and the
// closed / maximal filter.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "crmmine/basket/itemsets.hpp"
#include "crmmine/basket/mining_params.hpp"
#include "crmmine/core/baskets.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine::basket::detail {

using crmmine::detail::poll_interrupt;

// The options after validation, in the form the miners use.
struct MiningPlan {
    std::int64_t n_transactions = 0;
    std::int64_t n_entries = 0;  // items over all baskets
    std::int32_t min_count = 1;  // at most n_transactions + 1
    int min_len = 1;             // shortest itemset stored
    int max_len = 0;         // longest itemset mined (0: none); one more than asked for
                             // closed and maximal, whose filter needs the next level
    int report_max_len = 0;  // longest itemset reported (0: none)
    ItemsetKind kind = ItemsetKind::all;
    std::int64_t max_itemsets = 0;
    std::int64_t max_output_bytes = 0;
    int n_threads = 1;

    bool below_max_len(int length) const noexcept {
        return max_len == 0 || length < max_len;
    }
};

// Validates the baskets and the parameters.
MiningPlan plan_mining(const BasketsView& baskets, const MiningParams& params);

// Baskets restricted to their frequent items, each item once, as labels: label l is
// the item code[l], and labels rank items by ascending support, ties by ascending
// code (the output order of itemsets.hpp). Empty baskets are dropped.
struct RankedBaskets {
    std::vector<std::int32_t> code;     // label -> item code
    std::vector<std::int32_t> support;  // label -> number of baskets holding it
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> items;  // labels, sorted within each basket
    std::int64_t max_length = 0;      // longest basket

    std::int32_t n_labels() const noexcept {
        return static_cast<std::int32_t>(code.size());
    }
    std::int64_t n_baskets() const noexcept {
        return static_cast<std::int64_t>(indptr.size()) - 1;
    }
};

// descending: labels within a basket sorted high to low (most frequent first).
RankedBaskets rank_baskets(const BasketsView& baskets, const MiningPlan& plan,
                           bool descending);

// Counts stored itemsets across threads and throws ResourceLimitExceeded as soon as
// max_itemsets or max_output_bytes is passed.
class OutputGuard {
public:
    explicit OutputGuard(const MiningPlan& plan) : plan_(plan) {}
    void add(std::int64_t n_sets, std::int64_t n_items);

private:
    [[noreturn]] void fail(std::int64_t n_sets, std::int64_t bytes) const;

    const MiningPlan& plan_;
    std::atomic<std::int64_t> sets_{0};
    std::atomic<std::int64_t> items_{0};
};

// Bytes the output takes: an offset and a count per itemset, a code per item.
inline std::int64_t output_bytes(std::int64_t n_sets, std::int64_t n_items) noexcept {
    return 16 * n_sets + 8 + 4 * n_items;
}

// One thread's output. The itemset being grown is kept sorted by code, so emitting it
// is a copy.
class ItemsetSink {
public:
    ItemsetSink(OutputGuard& guard, const MiningPlan& plan)
        : guard_(guard), min_len_(static_cast<std::size_t>(plan.min_len)) {
        current_.reserve(64);
        reserve_output(plan);
    }

    void push(std::int32_t code) {
        current_.push_back(code);
        std::size_t i = current_.size() - 1;
        for (; i > 0 && current_[i - 1] > code; --i) current_[i] = current_[i - 1];
        current_[i] = code;
    }
    void pop(std::int32_t code) {
        std::size_t i = current_.size() - 1;
        while (current_[i] != code) --i;
        for (; i + 1 < current_.size(); ++i) current_[i] = current_[i + 1];
        current_.pop_back();
    }
    int size() const noexcept { return static_cast<int>(current_.size()); }

    // Stores the current itemset with this support (when long enough).
    void emit(std::int64_t count) {
        if (current_.size() < min_len_) return;
        out.items.insert(out.items.end(), current_.begin(), current_.end());
        out.offsets.push_back(static_cast<std::int64_t>(out.items.size()));
        out.counts.push_back(count);
        if (++pending_ >= kFlushEvery) {
            flush();
            poll_interrupt();
        }
    }

    // Reports what was stored since the last call to the guard; run_tasks calls it at
    // the end of every task.
    void flush() {
        const auto n_sets = static_cast<std::int64_t>(out.counts.size());
        const auto n_items = static_cast<std::int64_t>(out.items.size());
        guard_.add(n_sets - flushed_sets_, n_items - flushed_items_);
        flushed_sets_ = n_sets;
        flushed_items_ = n_items;
        pending_ = 0;
    }

    FrequentItemsets out;

private:
    static constexpr int kFlushEvery = 4096;

    // Room for as many itemsets as the baskets have entries, up to 32,768 (and twice
    // as many items): address space only, as the pages are mapped when first
    // written. Growing by doubling instead copies the output into fresh pages at
    // each step, and a fresh page costs more than the copy: Groceries' output took
    // 160 of the 360 page faults of a call. Larger reservations are mapped and
    // unmapped by malloc at each call, which costs more than they save.
    void reserve_output(const MiningPlan& plan) {
        const auto sets = static_cast<std::size_t>(std::min<std::int64_t>(
            {plan.n_entries, plan.max_itemsets, std::int64_t{1} << 15}));
        out.offsets.reserve(sets + 1);
        out.counts.reserve(sets);
        out.items.reserve(2 * sets);
    }
    OutputGuard& guard_;
    std::size_t min_len_;
    std::vector<std::int32_t> current_;
    int pending_ = 0;
    std::int64_t flushed_sets_ = 0;
    std::int64_t flushed_items_ = 0;
};

// Counts work units (nodes walked, ids merged) and polls for an interrupt every few
// million, so a long branch that stores nothing can still be stopped.
class WorkMeter {
public:
    void add(std::int64_t units) {
        units_ += units;
        if (units_ >= kPollEvery) {
            units_ = 0;
            poll_interrupt();
        }
    }

private:
    static constexpr std::int64_t kPollEvery = std::int64_t{1} << 22;
    std::int64_t units_ = 0;
};

inline int thread_index() noexcept {
#ifdef CRMMINE_HAS_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

// Concatenates task outputs in task order: segment t is sets [begin, end) of the
// output of slot[t].
struct TaskSegment {
    int slot = -1;
    std::int64_t begin = 0;
    std::int64_t end = 0;
};
FrequentItemsets concatenate(std::vector<FrequentItemsets>& outputs,
                             const std::vector<TaskSegment>& segments);

// Runs body(task, workspace, sink) for every task, the tasks taken in the given
// order (heaviest first, say) by plan.n_threads threads, each with its own sink and
// a workspace made by make_workspace(sink), a unique_ptr. The output is the tasks'
// itemsets in task index order, whatever the thread count.
template <class MakeWorkspace, class Body>
FrequentItemsets run_tasks(const MiningPlan& plan, OutputGuard& guard,
                           const std::vector<std::int32_t>& order,
                           MakeWorkspace&& make_workspace, Body&& body) {
    using WorkspacePtr = decltype(make_workspace(std::declval<ItemsetSink&>()));
    const auto n_tasks = static_cast<std::int64_t>(order.size());
    const int n_slots = plan.n_threads < 1 ? 1 : plan.n_threads;
    std::vector<WorkspacePtr> workspaces(static_cast<std::size_t>(n_slots));
    std::vector<std::unique_ptr<ItemsetSink>> sinks(static_cast<std::size_t>(n_slots));
    std::vector<TaskSegment> segments(static_cast<std::size_t>(n_tasks));
    crmmine::detail::parallel_for(n_tasks, n_slots, [&](std::int64_t position) {
        const auto slot = static_cast<std::size_t>(thread_index());
        if (!sinks[slot]) {
            sinks[slot] = std::make_unique<ItemsetSink>(guard, plan);
            workspaces[slot] = make_workspace(*sinks[slot]);
        }
        ItemsetSink& sink = *sinks[slot];
        const std::int32_t task = order[static_cast<std::size_t>(position)];
        TaskSegment& segment = segments[static_cast<std::size_t>(task)];
        segment.slot = static_cast<int>(slot);
        segment.begin = sink.out.size();
        body(task, *workspaces[slot], sink);
        sink.flush();
        segment.end = sink.out.size();
    });
    workspaces.clear();
    std::vector<FrequentItemsets> outputs;
    outputs.reserve(sinks.size());
    for (auto& sink : sinks) {
        outputs.emplace_back();
        if (sink) std::swap(outputs.back(), sink->out);
        sink.reset();
    }
    return concatenate(outputs, segments);
}

// Keeps the closed or maximal itemsets among all frequent ones stored in sets (every
// frequent itemset with plan.min_len to plan.max_len items), then drops those longer
// than plan.report_max_len. Order is kept.
void filter_closed_maximal(FrequentItemsets& sets, const MiningPlan& plan);

// The steps every miner ends with: the kind filter, the final guard check, N.
void finish(FrequentItemsets& sets, const MiningPlan& plan);

// The most prefix-path labels fp_growth writes out in one sweep for its top-level
// projections (4 bytes each), whatever the size of the input; past it each
// projection walks the tree instead. Tests lower it to cover the walk.
inline std::int64_t fp_growth_sweep_limit = std::int64_t{1} << 26;

// The least share of the frequent items an average basket holds for fp_growth to
// build its FP-tree; below it the top-level projections read the baskets themselves.
// Dense data (chess, mushroom: 0.3 to 0.9) shares long prefixes, and projecting from
// the tree is up to twice as fast (mushroom at 20%: 5.8 -> 2.9 ms on one thread). On
// sparse data (Groceries 0.03, Online Retail invoices 0.02, T10I4D100K 0.013, retail
// 0.004) the tree merges few prefixes, costs cache misses to walk and is built on one
// thread (T10I4D100K at 0.1%: 60 -> 41 ms on one thread; Groceries at 0.1%: the same
// on one thread, 2.6 -> 2.4 ms on two). Tests set it to 0 (always a tree) or above 1
// (never).
inline double fp_growth_tree_density = 0.1;

// The most labels a conditional database of fp_growth may have to be held as one bit
// mask per path (at most 64). Tests lower it to cover the other form.
inline int fp_growth_mask_labels = 64;

// The most paths a mask database of fp_growth may have to be held by label instead,
// one word of paths per label (at most 64; 0: never). Tests change it to cover both.
inline std::int64_t fp_growth_vertical_paths = 64;

// Below this many frequent basket entries a parallel region costs more than it saves
// and the miners run on one thread. Tests lower it to cover the threads.
inline std::int64_t min_parallel_entries = std::int64_t{1} << 14;

inline int threads_for(const MiningPlan& plan, std::int64_t n_entries) noexcept {
    return n_entries < min_parallel_entries ? 1 : plan.n_threads;
}

// Sorts a short run of distinct labels (a basket) ascending or descending.
void sort_labels(std::int32_t* first, std::int32_t* last, bool descending);

}  // namespace crmmine::basket::detail
