#include "crmmine/basket/eclat.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "crmmine/basket/detail/mining_common.hpp"

namespace crmmine::basket {
namespace {

using detail::ItemsetSink;
using detail::MiningPlan;

// One member of an equivalence class: the class prefix extended by `label`, with
// its support and its ids (transaction ids, or a diffset in a diffset class).
struct Member {
    std::int32_t label;
    std::int32_t support;
    std::int64_t begin;
    std::int64_t end;
};

struct EqClass {
    std::vector<Member> members;
    std::vector<std::int32_t> ids;
    bool diffsets = false;
};

// out = a ∩ b; returns the size, or -1 as soon as it cannot reach need.
std::int64_t intersect(const std::int32_t* a, std::int64_t na, const std::int32_t* b,
                       std::int64_t nb, std::int32_t* out, std::int64_t need) {
    std::int64_t i = 0, j = 0, n = 0;
    while (i < na && j < nb) {
        if (n + std::min(na - i, nb - j) < need) return -1;
        const std::int32_t x = a[i];
        const std::int32_t y = b[j];
        if (x == y) {
            out[n++] = x;
            ++i;
            ++j;
        } else if (x < y) {
            ++i;
        } else {
            ++j;
        }
    }
    return n >= need ? n : -1;
}

// out = a \ b; returns the size, or -1 as soon as it exceeds limit.
std::int64_t difference(const std::int32_t* a, std::int64_t na, const std::int32_t* b,
                        std::int64_t nb, std::int32_t* out, std::int64_t limit) {
    std::int64_t i = 0, j = 0, n = 0;
    while (i < na) {
        const std::int32_t x = a[i];
        while (j < nb && b[j] < x) ++j;
        if (j < nb && b[j] == x) {
            ++i;
            ++j;
            continue;
        }
        if (++n > limit) return -1;
        out[n - 1] = x;
        ++i;
    }
    return n;
}

class Miner {
public:
    Miner(const MiningPlan& plan, ItemsetSink& sink,
          const detail::RankedBaskets& ranked, const EqClass& top,
          std::size_t max_depth)
        : plan_(plan),
          sink_(sink),
          ranked_(ranked),
          top_(top),
          frames_(max_depth + 2),
          pair_count_(static_cast<std::size_t>(ranked.n_labels()), 0) {}

    // Emits member x of the class and, depth first, every frequent extension of it.
    void mine_member(const EqClass& cls, std::size_t x) {
        const Member& m = cls.members[x];
        const std::int32_t code = ranked_.code[static_cast<std::size_t>(m.label)];
        sink_.push(code);
        sink_.emit(m.support);
        if (plan_.below_max_len(sink_.size()) && x + 1 < cls.members.size()) {
            EqClass& child = frames_[static_cast<std::size_t>(sink_.size())];
            if (&cls == &top_)
                extend_top(x, child);
            else
                extend(cls, x, child);
            for (std::size_t y = 0; y < child.members.size(); ++y)
                mine_member(child, y);
        }
        sink_.pop(code);
    }

private:
    // The class of a single item: the pairs are counted on the baskets that hold it
    // first (so only frequent pairs get intersected, which keeps sparse data with
    // many items cheap), then the tid-lists of the frequent pairs are intersected.
    void extend_top(std::size_t x, EqClass& child) {
        const Member& mx = top_.members[x];
        const std::int32_t* tx = top_.ids.data() + mx.begin;
        const std::int64_t nx = mx.end - mx.begin;
        touched_.clear();
        std::int64_t work = 0;
        for (std::int64_t k = 0; k < nx; ++k) {
            const std::int64_t b = tx[k];
            const std::int32_t* first = ranked_.items.data() + ranked_.indptr[b];
            const std::int32_t* last = ranked_.items.data() + ranked_.indptr[b + 1];
            // Labels ascend within a basket; the ones after x's label extend it.
            const std::int32_t* at = std::upper_bound(first, last, mx.label);
            work += last - first;
            for (; at < last; ++at) {
                if (pair_count_[static_cast<std::size_t>(*at)]++ == 0)
                    touched_.push_back(*at);
            }
        }
        meter_.add(work);
        std::sort(touched_.begin(), touched_.end());
        child.members.clear();
        child.ids.clear();
        child.diffsets = false;
        std::int64_t tid_total = 0;
        for (const std::int32_t y : touched_) {
            const std::int32_t count = pair_count_[static_cast<std::size_t>(y)];
            pair_count_[static_cast<std::size_t>(y)] = 0;
            if (count < plan_.min_count) continue;
            const Member& my = top_.members[static_cast<std::size_t>(y)];
            const auto begin = static_cast<std::int64_t>(child.ids.size());
            child.ids.resize(static_cast<std::size_t>(begin + count));
            intersect(tx, nx, top_.ids.data() + my.begin, my.end - my.begin,
                      child.ids.data() + begin, 0);
            child.members.push_back({y, count, begin, begin + count});
            tid_total += count;
        }
        meter_.add(tid_total);
        maybe_to_diffsets(child, tx, nx, mx.support, tid_total);
    }

    void extend(const EqClass& cls, std::size_t x, EqClass& child) {
        const Member& mx = cls.members[x];
        const std::int32_t* ix = cls.ids.data() + mx.begin;
        const std::int64_t nx = mx.end - mx.begin;
        child.members.clear();
        child.ids.clear();
        child.diffsets = cls.diffsets;
        std::int64_t total = 0;
        std::int64_t work = 0;
        for (std::size_t y = x + 1; y < cls.members.size(); ++y) {
            const Member& my = cls.members[y];
            const std::int32_t* iy = cls.ids.data() + my.begin;
            const std::int64_t ny = my.end - my.begin;
            const auto begin = static_cast<std::int64_t>(child.ids.size());
            work += nx + ny;
            std::int64_t n;
            std::int32_t support;
            if (cls.diffsets) {
                // d(PXY) = d(PY) \ d(PX), supp(PXY) = supp(PX) - |d(PXY)|.
                const std::int64_t limit = mx.support - plan_.min_count;
                child.ids.resize(
                    static_cast<std::size_t>(begin + std::min(ny, limit + 1)));
                n = difference(iy, ny, ix, nx, child.ids.data() + begin, limit);
                support = static_cast<std::int32_t>(mx.support - n);
            } else {
                child.ids.resize(static_cast<std::size_t>(begin + std::min(nx, ny)));
                n = intersect(ix, nx, iy, ny, child.ids.data() + begin,
                              plan_.min_count);
                support = static_cast<std::int32_t>(n);
            }
            if (n < 0) {
                child.ids.resize(static_cast<std::size_t>(begin));
                continue;
            }
            child.ids.resize(static_cast<std::size_t>(begin + n));
            child.members.push_back({my.label, support, begin, begin + n});
            total += n;
        }
        meter_.add(work);
        if (!cls.diffsets) maybe_to_diffsets(child, ix, nx, mx.support, total);
    }

    // Switches a tid-list class to diffsets d(PXY) = t(PX) \ t(PXY) when they are
    // smaller in total, as they become on dense data.
    void maybe_to_diffsets(EqClass& child, const std::int32_t* tx, std::int64_t nx,
                           std::int32_t support_x, std::int64_t tid_total) {
        const auto n = static_cast<std::int64_t>(child.members.size());
        const std::int64_t diff_total = n * support_x - tid_total;
        if (n == 0 || diff_total >= tid_total) return;
        converted_.resize(static_cast<std::size_t>(diff_total));
        std::int64_t at = 0;
        for (Member& m : child.members) {
            const std::int64_t d =
                difference(tx, nx, child.ids.data() + m.begin, m.end - m.begin,
                           converted_.data() + at, nx);
            m.begin = at;
            m.end = at + d;
            at += d;
        }
        meter_.add(n * nx);
        child.ids.swap(converted_);
        child.diffsets = true;
    }

    const MiningPlan& plan_;
    ItemsetSink& sink_;
    const detail::RankedBaskets& ranked_;
    const EqClass& top_;
    std::vector<EqClass> frames_;
    std::vector<std::int32_t> pair_count_;
    std::vector<std::int32_t> touched_;
    std::vector<std::int32_t> converted_;
    detail::WorkMeter meter_;
};

}  // namespace

FrequentItemsets eclat(const BasketsView& baskets, const MiningParams& params) {
    MiningPlan plan = detail::plan_mining(baskets, params);
    const detail::RankedBaskets ranked = detail::rank_baskets(baskets, plan, false);
    plan.n_threads =
        detail::threads_for(plan, static_cast<std::int64_t>(ranked.items.size()));

    // The vertical layout: the ids of the baskets holding each label, ascending.
    EqClass top;
    const std::int32_t n_labels = ranked.n_labels();
    top.members.resize(static_cast<std::size_t>(n_labels));
    std::int64_t at = 0;
    for (std::int32_t l = 0; l < n_labels; ++l) {
        Member& m = top.members[static_cast<std::size_t>(l)];
        m.label = l;
        m.support = ranked.support[static_cast<std::size_t>(l)];
        m.begin = m.end = at;
        at += m.support;
    }
    top.ids.resize(static_cast<std::size_t>(at));
    for (std::int64_t b = 0; b < ranked.n_baskets(); ++b)
        for (std::int64_t e = ranked.indptr[static_cast<std::size_t>(b)];
             e < ranked.indptr[static_cast<std::size_t>(b) + 1]; ++e) {
            Member& m = top.members[static_cast<std::size_t>(
                ranked.items[static_cast<std::size_t>(e)])];
            top.ids[static_cast<std::size_t>(m.end++)] = static_cast<std::int32_t>(b);
        }

    const auto max_depth = static_cast<std::size_t>(
        plan.max_len > 0 ? std::min<std::int64_t>(plan.max_len, ranked.max_length)
                         : ranked.max_length);
    std::vector<std::int32_t> order(static_cast<std::size_t>(n_labels));
    std::iota(order.begin(), order.end(), 0);
    if (plan.n_threads > 1) {
        // Heaviest first: a label's class is built from the baskets holding it, and
        // less frequent labels have more labels after them to extend with.
        std::vector<std::int64_t> cost(order.size());
        for (std::int32_t l = 0; l < n_labels; ++l)
            cost[static_cast<std::size_t>(l)] =
                static_cast<std::int64_t>(ranked.support[static_cast<std::size_t>(l)]) *
                (n_labels - l);
        std::stable_sort(order.begin(), order.end(),
                         [&](std::int32_t a, std::int32_t b) {
                             return cost[static_cast<std::size_t>(a)] >
                                    cost[static_cast<std::size_t>(b)];
                         });
    }
    detail::OutputGuard guard(plan);
    FrequentItemsets sets = detail::run_tasks(
        plan, guard, order,
        [&](ItemsetSink& sink) {
            return std::make_unique<Miner>(plan, sink, ranked, top, max_depth);
        },
        [&](std::int32_t label, Miner& miner, ItemsetSink&) {
            miner.mine_member(top, static_cast<std::size_t>(label));
        });
    detail::finish(sets, plan);
    return sets;
}

}  // namespace crmmine::basket
