#include "crmmine/basket/apriori.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "crmmine/basket/detail/mining_common.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine::basket {
namespace {

using detail::ItemsetSink;
using detail::MiningPlan;

// The itemsets of one length in the prefix tree, in lexicographic label order: node i
// extends node parent[i] of the level above by label[i], and its children in the
// level below are [child_begin[i], child_begin[i + 1]).
struct Level {
    std::vector<std::int32_t> label;
    std::vector<std::int32_t> parent;
    std::vector<std::int32_t> count;
    std::vector<std::int64_t> child_begin;

    std::int64_t size() const noexcept {
        return static_cast<std::int64_t>(label.size());
    }
};

class Apriori {
public:
    Apriori(const MiningPlan& plan, detail::RankedBaskets& ranked)
        : plan_(plan), ranked_(ranked) {
        // Level 0 is the empty set; level 1 every frequent label, its own index.
        levels_.resize(2);
        levels_[0].label = {-1};
        levels_[0].parent = {-1};
        levels_[0].count = {static_cast<std::int32_t>(plan.n_transactions)};
        const std::int32_t n = ranked.n_labels();
        levels_[0].child_begin = {0, n};
        Level& one = levels_[1];
        one.label.resize(static_cast<std::size_t>(n));
        for (std::int32_t l = 0; l < n; ++l) one.label[static_cast<std::size_t>(l)] = l;
        one.parent.assign(static_cast<std::size_t>(n), 0);
        one.count = ranked.support;
    }

    void run(detail::OutputGuard& guard) {
        if (plan_.min_len <= 1) guard.add(levels_[1].size(), levels_[1].size());
        for (int k = 1;
             plan_.below_max_len(k) && levels_[static_cast<std::size_t>(k)].size() > 1;
             ++k) {
            const std::int64_t n_candidates = generate(k);
            if (n_candidates == 0) break;
            count(k);
            keep_frequent(k);
            const Level& made = levels_[static_cast<std::size_t>(k) + 1];
            if (made.size() == 0) {
                levels_.pop_back();
                break;
            }
            if (k + 1 >= plan_.min_len) guard.add(made.size(), made.size() * (k + 1));
            shrink_baskets(k + 1);
        }
    }

    // Every stored itemset in depth-first pre-order of the tree: the output order.
    void emit(ItemsetSink& sink) const { emit_children(sink, 0, 0); }

private:
    void emit_children(ItemsetSink& sink, std::size_t depth, std::int64_t node) const {
        if (depth + 1 >= levels_.size()) return;
        const Level& level = levels_[depth];
        const Level& below = levels_[depth + 1];
        for (std::int64_t c = level.child_begin[static_cast<std::size_t>(node)];
             c < level.child_begin[static_cast<std::size_t>(node) + 1]; ++c) {
            const std::int32_t code = ranked_.code[static_cast<std::size_t>(
                below.label[static_cast<std::size_t>(c)])];
            sink.push(code);
            sink.emit(below.count[static_cast<std::size_t>(c)]);
            emit_children(sink, depth + 1, c);
            sink.pop(code);
        }
    }

    // The node of the level-`length` itemset items[0..length), or -1.
    std::int64_t find(const std::int32_t* items, int length) const {
        std::int64_t node = items[0];
        for (int d = 1; d < length; ++d) {
            const Level& level = levels_[static_cast<std::size_t>(d)];
            const auto& labels = levels_[static_cast<std::size_t>(d) + 1].label;
            const auto first =
                labels.begin() + level.child_begin[static_cast<std::size_t>(node)];
            const auto last =
                labels.begin() + level.child_begin[static_cast<std::size_t>(node) + 1];
            const auto at = std::lower_bound(first, last, items[d]);
            if (at == last || *at != items[d]) return -1;
            node = at - labels.begin();
        }
        return node;
    }

    // Candidates of length k + 1: two itemsets of length k that share their first
    // k - 1 items, kept when every other subset of length k is frequent too.
    std::int64_t generate(int k) {
        Level& level = levels_[static_cast<std::size_t>(k)];
        const Level& above = levels_[static_cast<std::size_t>(k) - 1];
        const std::int64_t n = level.size();
        level.child_begin.assign(static_cast<std::size_t>(n) + 1, 0);
        candidates_.clear();
        std::vector<std::int32_t> items(static_cast<std::size_t>(k) + 1);
        std::vector<std::int32_t> subset(static_cast<std::size_t>(k));
        detail::WorkMeter meter;
        for (std::int64_t x = 0; x < n; ++x) {
            std::int64_t node = x;
            for (int d = k; d >= 1; --d) {
                items[static_cast<std::size_t>(d) - 1] =
                    levels_[static_cast<std::size_t>(d)]
                        .label[static_cast<std::size_t>(node)];
                node = levels_[static_cast<std::size_t>(d)]
                           .parent[static_cast<std::size_t>(node)];
            }
            const std::int64_t p = level.parent[static_cast<std::size_t>(x)];
            const std::int64_t sibling_end =
                above.child_begin[static_cast<std::size_t>(p) + 1];
            for (std::int64_t y = x + 1; y < sibling_end; ++y) {
                items[static_cast<std::size_t>(k)] =
                    level.label[static_cast<std::size_t>(y)];
                bool all_frequent = true;
                for (int skip = 0; skip + 1 < k && all_frequent; ++skip) {
                    int at = 0;
                    for (int j = 0; j <= k; ++j)
                        if (j != skip)
                            subset[static_cast<std::size_t>(at++)] =
                                items[static_cast<std::size_t>(j)];
                    all_frequent = find(subset.data(), k) >= 0;
                }
                if (all_frequent)
                    candidates_.push_back(items[static_cast<std::size_t>(k)]);
            }
            meter.add(sibling_end - x);
            level.child_begin[static_cast<std::size_t>(x) + 1] =
                static_cast<std::int64_t>(candidates_.size());
            if (static_cast<std::int64_t>(candidates_.size()) * 8 >
                plan_.max_output_bytes)
                throw ResourceLimitExceeded(
                    "max_output_bytes",
                    "apriori needs more than " + std::to_string(candidates_.size()) +
                        " candidate itemsets of length " + std::to_string(k + 1) +
                        "; raise min_support (or min_count), set max_len, or use "
                        "fp_growth, which generates no candidates");
        }
        candidate_count_.assign(candidates_.size(), 0);
        return static_cast<std::int64_t>(candidates_.size());
    }

    // Adds one to every candidate the basket items[0..length) holds, walking the tree
    // from `node` of level `depth` with the items from `from` on.
    void count_in(int depth, std::int64_t node, const std::int32_t* items,
                  std::int64_t from, std::int64_t length, int target,
                  std::int32_t* counts) const {
        const Level& level = levels_[static_cast<std::size_t>(depth)];
        std::int64_t c = level.child_begin[static_cast<std::size_t>(node)];
        const std::int64_t c_end =
            level.child_begin[static_cast<std::size_t>(node) + 1];
        if (c == c_end) return;
        const bool leaf = depth + 1 == target;
        const std::int32_t* labels =
            leaf ? candidates_.data()
                 : levels_[static_cast<std::size_t>(depth) + 1].label.data();
        // Items after this one must still fill the rest of a candidate.
        const std::int64_t stop = length - (target - depth - 1);
        std::int64_t i = from;
        if (labels[c_end - 1] - labels[c] == c_end - 1 - c) {
            // Children with consecutive labels (all pairs, say): index directly.
            const std::int32_t first = labels[c];
            const std::int32_t last = labels[c_end - 1];
            for (; i < stop; ++i) {
                const std::int32_t t = items[i];
                if (t < first) continue;
                if (t > last) break;
                const std::int64_t child = c + (t - first);
                if (leaf)
                    ++counts[child];
                else
                    count_in(depth + 1, child, items, i + 1, length, target, counts);
            }
            return;
        }
        while (i < stop && c < c_end) {
            const std::int32_t t = items[i];
            const std::int32_t l = labels[c];
            if (l < t) {
                ++c;
            } else if (l > t) {
                ++i;
            } else {
                if (leaf)
                    ++counts[c];
                else
                    count_in(depth + 1, c, items, i + 1, length, target, counts);
                ++c;
                ++i;
            }
        }
    }

    // Adds the candidates of the baskets [begin, end) whose first item lies in
    // [lo, hi) to counts.
    void count_baskets(int k, std::int64_t begin, std::int64_t end, std::int32_t lo,
                       std::int32_t hi, std::int32_t* counts) const {
        detail::WorkMeter meter;
        for (std::int64_t b = begin; b < end; ++b) {
            const std::int64_t first = ranked_.indptr[static_cast<std::size_t>(b)];
            const std::int32_t* items = ranked_.items.data() + first;
            const std::int64_t length =
                ranked_.indptr[static_cast<std::size_t>(b) + 1] - first;
            const std::int64_t stop = length - k;
            std::int64_t i = 0;
            if (lo > 0)
                i = std::lower_bound(items, items + std::max<std::int64_t>(stop, 0),
                                     lo) -
                    items;
            for (; i < stop && items[i] < hi; ++i)
                count_in(1, items[i], items, i + 1, length, k + 1, counts);
            meter.add(length);
        }
    }

    // One pass over the baskets. On several threads each counts a share of the
    // baskets into its own array, summed after (integers: the same totals on any
    // number of threads); when those arrays would take too much memory, threads own
    // disjoint ranges of first items, hence disjoint candidates, and all read every
    // basket.
    void count(int k) {
        const std::int32_t n_labels = ranked_.n_labels();
        const std::int64_t n_baskets = ranked_.n_baskets();
        const int n_parts = plan_.n_threads;
        std::int32_t* const counts = candidate_count_.data();
        if (n_parts == 1) {
            count_baskets(k, 0, n_baskets, 0, n_labels, counts);
            return;
        }
        const auto n_candidates = static_cast<std::int64_t>(candidates_.size());
        if (n_candidates * (n_parts - 1) * 4 <= (std::int64_t{1} << 29)) {
            // Parts of similar numbers of basket entries.
            std::vector<std::int64_t> part_first(static_cast<std::size_t>(n_parts) + 1,
                                                 n_baskets);
            part_first[0] = 0;
            const std::int64_t n_entries = ranked_.indptr.back();
            for (int p = 1; p < n_parts; ++p)
                part_first[static_cast<std::size_t>(p)] =
                    std::lower_bound(ranked_.indptr.begin(), ranked_.indptr.end(),
                                     n_entries / n_parts * p) -
                    ranked_.indptr.begin();
            std::vector<std::vector<std::int32_t>> local(
                static_cast<std::size_t>(n_parts) - 1);
            crmmine::detail::parallel_for(n_parts, n_parts, [&](std::int64_t part) {
                std::int32_t* into = counts;
                if (part > 0) {
                    auto& mine = local[static_cast<std::size_t>(part) - 1];
                    mine.assign(static_cast<std::size_t>(n_candidates), 0);
                    into = mine.data();
                }
                count_baskets(k, part_first[static_cast<std::size_t>(part)],
                              part_first[static_cast<std::size_t>(part) + 1], 0,
                              n_labels, into);
            });
            for (const auto& mine : local)
                for (std::int64_t c = 0; c < n_candidates; ++c)
                    counts[c] += mine[static_cast<std::size_t>(c)];
            return;
        }
        // Split the first items so the parts hold similar numbers of candidates; the
        // weight of a first item is the number of candidates below its node.
        std::vector<std::int64_t> below(
            levels_[static_cast<std::size_t>(k)].child_begin);
        for (int d = k - 1; d >= 1; --d) {
            const Level& level = levels_[static_cast<std::size_t>(d)];
            std::vector<std::int64_t> up(static_cast<std::size_t>(level.size()) + 1, 0);
            for (std::int64_t x = 0; x < level.size(); ++x)
                up[static_cast<std::size_t>(x) + 1] = below[static_cast<std::size_t>(
                    level.child_begin[static_cast<std::size_t>(x) + 1])];
            below.swap(up);
        }
        std::vector<std::int32_t> part_first(static_cast<std::size_t>(n_parts) + 1,
                                             n_labels);
        part_first[0] = 0;
        for (int p = 1; p < n_parts; ++p)
            part_first[static_cast<std::size_t>(p)] = std::max(
                static_cast<std::int32_t>(std::lower_bound(below.begin(), below.end(),
                                                           below.back() / n_parts * p) -
                                          below.begin()),
                part_first[static_cast<std::size_t>(p) - 1]);
        crmmine::detail::parallel_for(n_parts, n_parts, [&](std::int64_t part) {
            const std::int32_t lo = part_first[static_cast<std::size_t>(part)];
            const std::int32_t hi = part_first[static_cast<std::size_t>(part) + 1];
            if (lo < hi) count_baskets(k, 0, n_baskets, lo, hi, counts);
        });
    }

    void keep_frequent(int k) {
        levels_.emplace_back();
        Level& level = levels_[static_cast<std::size_t>(k)];
        Level& made = levels_.back();
        const std::int64_t n = level.size();
        std::int64_t begin = 0;
        for (std::int64_t x = 0; x < n; ++x) {
            const std::int64_t end = level.child_begin[static_cast<std::size_t>(x) + 1];
            level.child_begin[static_cast<std::size_t>(x)] = made.size();
            for (std::int64_t c = begin; c < end; ++c) {
                const std::int32_t support =
                    candidate_count_[static_cast<std::size_t>(c)];
                if (support < plan_.min_count) continue;
                made.label.push_back(candidates_[static_cast<std::size_t>(c)]);
                made.parent.push_back(static_cast<std::int32_t>(x));
                made.count.push_back(support);
            }
            begin = end;
        }
        level.child_begin[static_cast<std::size_t>(n)] = made.size();
        made.child_begin.assign(static_cast<std::size_t>(made.size()) + 1, 0);
        std::vector<std::int32_t>().swap(candidates_);
        std::vector<std::int32_t>().swap(candidate_count_);
    }

    // Drops the labels in no frequent itemset of length k (they are in no candidate
    // of length k + 1) and the baskets left shorter than k + 1.
    void shrink_baskets(int k) {
        std::vector<std::uint8_t> active(
            static_cast<std::size_t>(levels_[static_cast<std::size_t>(k)].size()), 1);
        std::vector<std::uint8_t> alive(static_cast<std::size_t>(ranked_.n_labels()),
                                        0);
        for (int d = k; d >= 1; --d) {
            const Level& level = levels_[static_cast<std::size_t>(d)];
            std::vector<std::uint8_t> up(
                d > 1 ? static_cast<std::size_t>(
                            levels_[static_cast<std::size_t>(d) - 1].size())
                      : 0,
                0);
            for (std::int64_t x = 0; x < level.size(); ++x) {
                if (!active[static_cast<std::size_t>(x)]) continue;
                alive[static_cast<std::size_t>(
                    level.label[static_cast<std::size_t>(x)])] = 1;
                if (d > 1)
                    up[static_cast<std::size_t>(
                        level.parent[static_cast<std::size_t>(x)])] = 1;
            }
            active.swap(up);
        }
        std::int64_t out = 0;
        std::int64_t kept = 0;
        std::int64_t read = 0;
        const std::int64_t n_baskets = ranked_.n_baskets();
        for (std::int64_t b = 0; b < n_baskets; ++b) {
            const std::int64_t start = out;
            // indptr is rewritten in place behind the reading position.
            const std::int64_t end = ranked_.indptr[static_cast<std::size_t>(b) + 1];
            for (std::int64_t e = read; e < end; ++e) {
                const std::int32_t l = ranked_.items[static_cast<std::size_t>(e)];
                if (alive[static_cast<std::size_t>(l)])
                    ranked_.items[static_cast<std::size_t>(out++)] = l;
            }
            read = end;
            if (out - start <= k) {
                out = start;
                continue;
            }
            ranked_.indptr[static_cast<std::size_t>(++kept)] = out;
        }
        ranked_.indptr.resize(static_cast<std::size_t>(kept) + 1);
        ranked_.items.resize(static_cast<std::size_t>(out));
    }

    const MiningPlan& plan_;
    detail::RankedBaskets& ranked_;
    std::vector<Level> levels_;
    std::vector<std::int32_t> candidates_;
    std::vector<std::int32_t> candidate_count_;
};

}  // namespace

FrequentItemsets apriori(const BasketsView& baskets, const MiningParams& params) {
    MiningPlan plan = detail::plan_mining(baskets, params);
    detail::RankedBaskets ranked = detail::rank_baskets(baskets, plan, false);
    plan.n_threads =
        detail::threads_for(plan, static_cast<std::int64_t>(ranked.items.size()));
    Apriori miner(plan, ranked);
    {
        detail::OutputGuard guard(plan);
        miner.run(guard);
    }
    // The levels were checked against the guard as they were made.
    detail::OutputGuard recount(plan);
    ItemsetSink sink(recount, plan);
    miner.emit(sink);
    sink.flush();
    FrequentItemsets sets = std::move(sink.out);
    detail::finish(sets, plan);
    return sets;
}

}  // namespace crmmine::basket
