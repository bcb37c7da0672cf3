// Times association_rules (every metric) and recommend alone, with no Python around:
//   bench_rules [min_count] [fimi_file]
// Without a file the baskets are synthetic and Groceries-like (10,000 baskets over 170
// items with skewed popularity and a few planted bundles). The itemsets are mined here
// by a plain bitset Eclat; only the rule and recommendation kernels are timed, best of
// five (wall and process CPU time), on one thread and on every thread.
#include <crmmine/basket/recommend.hpp>
#include <crmmine/basket/rules.hpp>
#include <crmmine/core.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using crmmine::basket::FrequentItemsets;

crmmine::Baskets synthetic_baskets(int n_baskets, std::int32_t n_items) {
    std::mt19937_64 rng(1);
    std::vector<double> weight(static_cast<std::size_t>(n_items));
    for (std::size_t i = 0; i < weight.size(); ++i)
        weight[i] = 1.0 / std::pow(static_cast<double>(i) + 3.0, 1.1);
    std::discrete_distribution<std::int32_t> popular(weight.begin(), weight.end());
    std::geometric_distribution<int> length(0.22);
    std::vector<std::vector<std::int32_t>> bundles;
    for (int b = 0; b < 40; ++b) {
        std::vector<std::int32_t> bundle;
        for (int i = 0; i < 3 + b % 4; ++i) bundle.push_back(popular(rng));
        bundles.push_back(bundle);
    }
    std::vector<std::int32_t> basket_code, item_code;
    for (int b = 0; b < n_baskets; ++b) {
        const int n = 1 + length(rng);
        for (int i = 0; i < n; ++i) {
            basket_code.push_back(b);
            item_code.push_back(popular(rng));
        }
        if (rng() % 4 == 0)
            for (const std::int32_t item : bundles[rng() % bundles.size()])
                if (rng() % 5 != 0) {
                    basket_code.push_back(b);
                    item_code.push_back(item);
                }
    }
    return crmmine::baskets_from_pairs(basket_code.data(), item_code.data(), nullptr,
                                       basket_code.size(), n_baskets, n_items);
}

// Depth-first Eclat on bitsets of basket numbers: every itemset with at least
// min_count baskets, codes ascending.
class Eclat {
public:
    Eclat(const crmmine::BasketsView& baskets, std::int64_t min_count)
        : words_(static_cast<std::size_t>((baskets.n_baskets + 63) / 64)),
          min_count_(min_count) {
        out_.n_transactions = baskets.n_baskets;
        std::vector<std::vector<std::uint64_t>> bits(
            static_cast<std::size_t>(baskets.n_items),
            std::vector<std::uint64_t>(words_, 0));
        for (std::int64_t b = 0; b < baskets.n_baskets; ++b)
            for (const std::int32_t item : baskets.basket(b))
                bits[static_cast<std::size_t>(item)]
                    [static_cast<std::size_t>(b / 64)] |= std::uint64_t{1} << (b % 64);
        std::vector<Node> roots;
        for (std::int32_t i = 0; i < baskets.n_items; ++i) {
            const std::int64_t count = popcount(bits[static_cast<std::size_t>(i)]);
            if (count >= min_count_)
                roots.push_back(
                    {i, count, std::move(bits[static_cast<std::size_t>(i)])});
        }
        std::vector<std::int32_t> prefix;
        grow(roots, prefix);
    }
    FrequentItemsets take() { return std::move(out_); }

private:
    struct Node {
        std::int32_t item;
        std::int64_t count;
        std::vector<std::uint64_t> bits;
    };

    static std::int64_t popcount(const std::vector<std::uint64_t>& bits) {
        std::int64_t n = 0;
        for (const std::uint64_t w : bits) n += __builtin_popcountll(w);
        return n;
    }

    void grow(const std::vector<Node>& nodes, std::vector<std::int32_t>& prefix) {
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            prefix.push_back(nodes[i].item);
            out_.items.insert(out_.items.end(), prefix.begin(), prefix.end());
            out_.offsets.push_back(static_cast<std::int64_t>(out_.items.size()));
            out_.counts.push_back(nodes[i].count);
            std::vector<Node> children;
            for (std::size_t j = i + 1; j < nodes.size(); ++j) {
                std::vector<std::uint64_t> both(words_);
                for (std::size_t w = 0; w < words_; ++w)
                    both[w] = nodes[i].bits[w] & nodes[j].bits[w];
                const std::int64_t count = popcount(both);
                if (count >= min_count_)
                    children.push_back({nodes[j].item, count, std::move(both)});
            }
            grow(children, prefix);
            prefix.pop_back();
        }
    }

    std::size_t words_;
    std::int64_t min_count_;
    FrequentItemsets out_;
};

// Best wall time and best process CPU time of five runs: on a shared machine the CPU
// time of a one-thread run is the steadier of the two.
struct Timing {
    double wall = 1e30, cpu = 1e30;
};

template <class F>
Timing best_of_five(F&& run) {
    Timing best;
    for (int repeat = 0; repeat < 5; ++repeat) {
        const auto start = std::chrono::steady_clock::now();
        const std::clock_t cpu_start = std::clock();
        run();
        const std::chrono::duration<double> elapsed =
            std::chrono::steady_clock::now() - start;
        best.wall = std::min(best.wall, elapsed.count());
        best.cpu = std::min(
            best.cpu, static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    namespace cb = crmmine::basket;
    const std::int64_t min_count = argc > 1 ? std::strtoll(argv[1], nullptr, 10) : 9;
    crmmine::Baskets baskets;
    if (argc > 2) {
        std::ifstream file(argv[2]);
        std::stringstream text;
        text << file.rdbuf();
        baskets = std::move(crmmine::parse_fimi(text.str()).baskets);
    } else {
        baskets = synthetic_baskets(10'000, 170);
    }
    const FrequentItemsets itemsets = Eclat(baskets.view(), min_count).take();
    std::printf("baskets=%lld items=%d min_count=%lld itemsets=%lld\n",
                static_cast<long long>(baskets.n_baskets()), baskets.n_items(),
                static_cast<long long>(min_count),
                static_cast<long long>(itemsets.size()));
    const int all_threads = crmmine::get_num_threads();

    struct Case {
        const char* name;
        cb::Consequents consequents;
        cb::RuleMetric metric;
        double min_threshold;
    };
    const Case cases[] = {
        {"all, every split kept", cb::Consequents::all, cb::RuleMetric::support, 0.0},
        {"all, confidence >= 0.5", cb::Consequents::all, cb::RuleMetric::confidence,
         0.5},
        {"single, every split kept", cb::Consequents::single, cb::RuleMetric::support,
         0.0},
    };
    cb::AssociationRules kept;
    for (const Case& c : cases) {
        for (const int threads : {1, all_threads}) {
            cb::RuleParams params;
            params.consequents = c.consequents;
            params.metric = c.metric;
            params.min_threshold = c.min_threshold;
            params.n_jobs = threads;
            std::int64_t n_rules = 0;
            const Timing t = best_of_five([&] {
                cb::AssociationRules rules = cb::association_rules(itemsets, params);
                n_rules = rules.size();
                if (c.metric == cb::RuleMetric::confidence) kept = std::move(rules);
            });
            std::printf(
                "association_rules %-26s threads=%d rules=%lld best of 5: wall %.4f s "
                "(%.1f M rules/s), cpu %.4f s\n",
                c.name, threads, static_cast<long long>(n_rules), t.wall,
                static_cast<double>(n_rules) / t.wall / 1e6, t.cpu);
        }
    }

    const cb::RuleSetView rules =
        cb::rule_set(kept, cb::RuleMetric::lift, cb::RuleMetric::confidence);
    for (const int threads : {1, all_threads}) {
        cb::RecommendParams params;
        params.top_n = 10;
        params.n_jobs = threads;
        std::int64_t n_out = 0;
        const Timing t = best_of_five([&] {
            n_out = static_cast<std::int64_t>(
                cb::recommend(rules, baskets.view(), params).items.size());
        });
        std::printf(
            "recommend top 10 by lift, %lld rules, %lld baskets threads=%d "
            "recommendations=%lld best of 5: wall %.4f s, cpu %.4f s\n",
            static_cast<long long>(rules.n_rules),
            static_cast<long long>(baskets.n_baskets()), threads,
            static_cast<long long>(n_out), t.wall, t.cpu);
    }
    return 0;
}
