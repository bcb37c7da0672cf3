// Test helpers for the frequent-itemset miners: random baskets and a brute-force
// oracle that enumerates every subset of the items, counts it, applies the closed /
// maximal definitions literally and sorts the result into the documented order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "crmmine/basket/itemsets.hpp"
#include "crmmine/basket/mining_params.hpp"
#include "crmmine/core/baskets.hpp"

namespace mining_test {

struct RawBaskets {
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> items;
    std::int32_t n_items = 0;

    void add(const std::vector<std::int32_t>& basket) {
        items.insert(items.end(), basket.begin(), basket.end());
        indptr.push_back(static_cast<std::int64_t>(items.size()));
    }
    crmmine::BasketsView view() const {
        return {indptr.data(), items.data(), nullptr,
                static_cast<std::int64_t>(indptr.size()) - 1, n_items};
    }
};

// Baskets drawn around a few planted patterns, so long itemsets occur, with noise
// items, empty baskets and, when repeats is set, items repeated inside a basket.
inline RawBaskets random_baskets(std::mt19937& rng, std::int32_t n_items, int n_baskets,
                                 bool repeats = false) {
    RawBaskets raw;
    raw.n_items = n_items;
    std::vector<std::vector<std::int32_t>> patterns(3);
    for (auto& p : patterns) {
        const int length = 1 + static_cast<int>(rng() % 5);
        for (int k = 0; k < length; ++k)
            p.push_back(
                static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_items)));
    }
    for (int b = 0; b < n_baskets; ++b) {
        std::vector<std::int32_t> basket;
        if (rng() % 10 != 0) {
            const auto& p = patterns[rng() % patterns.size()];
            for (const std::int32_t item : p)
                if (rng() % 6 != 0) basket.push_back(item);
            const int noise = static_cast<int>(rng() % 4);
            for (int k = 0; k < noise; ++k)
                basket.push_back(
                    static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_items)));
        }
        if (!repeats) {
            std::sort(basket.begin(), basket.end());
            basket.erase(std::unique(basket.begin(), basket.end()), basket.end());
        }
        std::shuffle(basket.begin(), basket.end(), rng);
        raw.add(basket);
    }
    return raw;
}

// Baskets where each of the first n_popular items is bought with probability
// popular_percent / 100 and every other item with rare_percent / 100, independently:
// dense data with many frequent pairs.
inline RawBaskets two_tier_baskets(std::mt19937& rng, std::int32_t n_items,
                                   int n_baskets, std::int32_t n_popular,
                                   unsigned popular_percent, unsigned rare_percent) {
    RawBaskets raw;
    raw.n_items = n_items;
    for (int b = 0; b < n_baskets; ++b) {
        std::vector<std::int32_t> basket;
        for (std::int32_t item = 0; item < n_items; ++item)
            if (rng() % 100 < (item < n_popular ? popular_percent : rare_percent))
                basket.push_back(item);
        raw.add(basket);
    }
    return raw;
}

// Sets a tuning knob for the lifetime of the object, then puts the old value back.
template <class T>
class Override {
public:
    Override(T& knob, T value) : knob_(knob), saved_(knob) { knob_ = value; }
    ~Override() { knob_ = saved_; }
    Override(const Override&) = delete;
    Override& operator=(const Override&) = delete;

private:
    T& knob_;
    T saved_;
};

// Every frequent itemset by enumeration (n_items <= 20), in the order itemsets.hpp
// documents, with the closed / maximal definitions applied to all frequent itemsets
// before the length limits.
inline crmmine::basket::FrequentItemsets oracle(const RawBaskets& raw,
                                                std::int64_t min_count, int min_len,
                                                int max_len,
                                                crmmine::basket::ItemsetKind kind) {
    using crmmine::basket::ItemsetKind;
    const int n = raw.n_items;
    const std::int64_t n_baskets = static_cast<std::int64_t>(raw.indptr.size()) - 1;
    std::vector<std::uint32_t> masks;
    for (std::int64_t b = 0; b < n_baskets; ++b) {
        std::uint32_t m = 0;
        for (std::int64_t e = raw.indptr[static_cast<std::size_t>(b)];
             e < raw.indptr[static_cast<std::size_t>(b) + 1]; ++e)
            m |= 1u << raw.items[static_cast<std::size_t>(e)];
        masks.push_back(m);
    }
    const std::uint32_t n_sets = 1u << n;
    std::vector<std::int64_t> support(n_sets, 0);
    for (std::uint32_t s = 1; s < n_sets; ++s)
        for (const std::uint32_t m : masks)
            if ((m & s) == s) ++support[s];
    const auto frequent = [&](std::uint32_t s) { return support[s] >= min_count; };

    // Item order: ascending support, ties by ascending code.
    std::vector<int> rank_order(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) rank_order[static_cast<std::size_t>(i)] = i;
    std::sort(rank_order.begin(), rank_order.end(), [&](int a, int b) {
        const auto sa = support[1u << a], sb = support[1u << b];
        return sa != sb ? sa < sb : a < b;
    });
    std::vector<int> rank(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r)
        rank[static_cast<std::size_t>(rank_order[static_cast<std::size_t>(r)])] = r;

    struct Entry {
        std::vector<int> ranks;
        std::vector<std::int32_t> codes;
        std::int64_t count;
    };
    std::vector<Entry> entries;
    for (std::uint32_t s = 1; s < n_sets; ++s) {
        if (!frequent(s)) continue;
        bool keep = true;
        for (int j = 0; j < n && keep; ++j) {
            const std::uint32_t bit = 1u << j;
            if (s & bit) continue;
            if (kind == ItemsetKind::maximal && frequent(s | bit)) keep = false;
            if (kind == ItemsetKind::closed && support[s | bit] == support[s])
                keep = false;
        }
        const int length = __builtin_popcount(s);
        if (!keep || length < min_len || (max_len > 0 && length > max_len)) continue;
        Entry e;
        for (int j = 0; j < n; ++j)
            if (s & (1u << j)) {
                e.codes.push_back(j);
                e.ranks.push_back(rank[static_cast<std::size_t>(j)]);
            }
        std::sort(e.ranks.begin(), e.ranks.end());
        e.count = support[s];
        entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.ranks < b.ranks; });
    crmmine::basket::FrequentItemsets out;
    out.n_transactions = n_baskets;
    for (const Entry& e : entries) {
        out.items.insert(out.items.end(), e.codes.begin(), e.codes.end());
        out.offsets.push_back(static_cast<std::int64_t>(out.items.size()));
        out.counts.push_back(e.count);
    }
    return out;
}

inline bool same(const crmmine::basket::FrequentItemsets& a,
                 const crmmine::basket::FrequentItemsets& b) {
    return a.n_transactions == b.n_transactions && a.offsets == b.offsets &&
           a.items == b.items && a.counts == b.counts;
}

}  // namespace mining_test
