#include "crmmine/basket/mining.hpp"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "crmmine/basket/apriori.hpp"
#include "crmmine/basket/detail/mining_common.hpp"
#include "crmmine/basket/eclat.hpp"
#include "crmmine/basket/fp_growth.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine::basket {

std::int64_t min_count_for_support(double min_support, std::int64_t n_transactions) {
    if (n_transactions <= 0) return 1;
    const auto n = static_cast<double>(n_transactions);
    const auto reaches = [&](std::int64_t c) {
        return static_cast<double>(c) / n >= min_support;
    };
    // Start just below s * N, so a product that rounded up past an integer (0.07 *
    // 100 = 7.000000000000001) does not cost a basket, then settle on the smallest
    // count whose support reaches min_support exactly as the support is reported.
    double start = std::ceil(min_support * n * (1.0 - 4.0 * DBL_EPSILON));
    start = std::min(std::max(start, 1.0), n);
    auto count = static_cast<std::int64_t>(start);
    while (count > 1 && reaches(count - 1)) --count;
    while (count < n_transactions && !reaches(count)) ++count;
    return count;
}

void MiningParams::validate() const {
    crmmine::detail::require(
        min_count >= 0, "min_count",
        "must be a positive number of baskets, or 0 to use min_support "
        "(got " +
            std::to_string(min_count) + ")");
    if (min_count == 0)
        crmmine::detail::require(
            std::isfinite(min_support) && min_support > 0.0 && min_support <= 1.0,
            "min_support",
            "must lie in (0, 1], a fraction of all baskets (got " +
                std::to_string(min_support) +
                "); pass min_count for an absolute number of baskets");
    crmmine::detail::require(
        min_len >= 1, "min_len",
        "must be at least 1 (got " + std::to_string(min_len) + ")");
    crmmine::detail::require(
        max_len == 0 || max_len >= min_len, "max_len",
        "must be 0 (no limit) or at least min_len=" + std::to_string(min_len) +
            " (got " + std::to_string(max_len) + ")");
    crmmine::detail::require(kind == ItemsetKind::all || kind == ItemsetKind::closed ||
                                 kind == ItemsetKind::maximal,
                             "kind", "must be all, closed or maximal");
    crmmine::detail::require(
        max_itemsets >= 1, "max_itemsets",
        "must be at least 1 (got " + std::to_string(max_itemsets) + ")");
    crmmine::detail::require(
        max_output_bytes >= 1, "max_output_bytes",
        "must be at least 1 (got " + std::to_string(max_output_bytes) + ")");
}

std::int64_t MiningParams::resolve_min_count(std::int64_t n_transactions) const {
    if (min_count > 0) return min_count;
    return min_count_for_support(min_support, n_transactions);
}

Algorithm resolve_algorithm(Algorithm algorithm, const BasketsView& baskets,
                            const MiningParams& params) {
    (void)baskets;
    (void)params;
    if (algorithm != Algorithm::automatic) return algorithm;
    // Measured on FIMI retail, T10I4D100K, Groceries and Online Retail (sparse) and on
    // chess and mushroom (dense, 19% and 49% of the items per basket): fp_growth is
    // 2-7x faster than eclat on the sparse ones and level with it (within 10%) on the
    // dense ones, so density does not change the choice.
    return Algorithm::fp_growth;
}

FrequentItemsets mine_itemsets(const BasketsView& baskets, const MiningParams& params,
                               Algorithm algorithm) {
    switch (resolve_algorithm(algorithm, baskets, params)) {
        case Algorithm::apriori:
            return apriori(baskets, params);
        case Algorithm::eclat:
            return eclat(baskets, params);
        case Algorithm::fp_growth:
        case Algorithm::automatic:
            break;
    }
    return fp_growth(baskets, params);
}

namespace detail {

MiningPlan plan_mining(const BasketsView& baskets, const MiningParams& params) {
    params.validate();
    BasketsView codes_only = baskets;
    codes_only.quantity = nullptr;
    codes_only.validate();
    crmmine::detail::require(baskets.n_baskets < INT32_MAX - 1, "baskets",
                             "more than 2^31 - 2 baskets; mine a sample or split the "
                             "baskets by period");
    MiningPlan plan;
    plan.n_transactions = baskets.n_baskets;
    plan.n_entries = baskets.n_entries();
    plan.min_count = static_cast<std::int32_t>(
        std::min(params.resolve_min_count(baskets.n_baskets), baskets.n_baskets + 1));
    plan.min_len = params.min_len;
    plan.report_max_len = params.max_len;
    plan.max_len = params.max_len;
    if (params.kind != ItemsetKind::all && params.max_len > 0 &&
        params.max_len < INT_MAX)
        plan.max_len = params.max_len + 1;
    plan.kind = params.kind;
    plan.max_itemsets = params.max_itemsets;
    plan.max_output_bytes = params.max_output_bytes;
    plan.n_threads = resolve_num_threads(params.n_jobs);
    return plan;
}

namespace {

// Sorts up to `width` distinct labels by rank: each label's place is the number of
// labels before it in the order, counted for all lanes at once (the fixed-width loop
// vectorises). No branch depends on the labels, where insertion sort and std::sort
// mispredict about once per comparison on the random order of real baskets.
template <std::size_t width>
void rank_sort(std::int32_t* first, std::int32_t* last, bool descending) {
    const auto n = static_cast<std::size_t>(last - first);
    alignas(64) std::int32_t key[width];
    alignas(64) std::int32_t place[width] = {};
    // Labels are non-negative: descending sorts -label ascending. Padding sorts last
    // and is never placed.
    for (std::size_t i = 0; i < width; ++i)
        key[i] = i < n ? (descending ? -first[i] : first[i]) : INT32_MAX;
    for (std::size_t j = 0; j < n; ++j) {
        const std::int32_t pivot = key[j];
        for (std::size_t i = 0; i < width; ++i) place[i] += pivot < key[i] ? 1 : 0;
    }
    for (std::size_t i = 0; i < n; ++i) first[place[i]] = descending ? -key[i] : key[i];
}

}  // namespace

void sort_labels(std::int32_t* first, std::int32_t* last, bool descending) {
    const std::ptrdiff_t n = last - first;
    if (n <= 4)
        rank_sort<4>(first, last, descending);
    else if (n <= 8)
        rank_sort<8>(first, last, descending);
    else if (n <= 16)
        rank_sort<16>(first, last, descending);
    else if (n <= 32)
        rank_sort<32>(first, last, descending);
    else if (n <= 64)
        rank_sort<64>(first, last, descending);
    else if (descending)
        std::sort(first, last, [](std::int32_t a, std::int32_t b) { return a > b; });
    else
        std::sort(first, last);
}

namespace {

// The baskets [begin, end) of one thread's part, for rank_baskets.
struct BasketPart {
    std::int64_t begin = 0, end = 0;
    std::vector<std::int32_t> seen;     // item -> last basket that held it
    std::vector<std::int32_t> support;  // item -> baskets of the part holding it
    std::int64_t first_entry = 0;       // where its labels start in the output
    // Of the part's non-empty baskets: at most one entry per frequent item each.
    std::vector<std::int32_t> lengths;
};

std::vector<BasketPart> basket_parts(std::int64_t n_baskets, int n_parts,
                                     std::size_t n_items) {
    std::vector<BasketPart> parts(static_cast<std::size_t>(n_parts));
    for (int k = 0; k < n_parts; ++k) {
        BasketPart& part = parts[static_cast<std::size_t>(k)];
        part.begin = n_baskets * k / n_parts;
        part.end = n_baskets * (k + 1) / n_parts;
        part.seen.assign(n_items, -1);
    }
    return parts;
}

}  // namespace

RankedBaskets rank_baskets(const BasketsView& baskets, const MiningPlan& plan,
                           bool descending) {
    const auto n_items = static_cast<std::size_t>(baskets.n_items);
    const std::int64_t n_baskets = baskets.n_baskets;
    const int n_parts = static_cast<int>(std::min<std::int64_t>(
        threads_for(plan, baskets.n_entries()), std::max<std::int64_t>(n_baskets, 1)));
    std::vector<BasketPart> parts = basket_parts(n_baskets, n_parts, n_items);
    // Items are counted once per basket even where a basket repeats one (FIMI files
    // may), so support means "baskets holding the item". Counts are whole numbers, so
    // adding the parts' in any order gives the same supports.
    crmmine::detail::parallel_for(n_parts, n_parts, [&](std::int64_t k) {
        BasketPart& part = parts[static_cast<std::size_t>(k)];
        part.support.assign(n_items, 0);
        for (std::int64_t b = part.begin; b < part.end; ++b) {
            if ((b & 0xFFFF) == 0) poll_interrupt();
            const auto stamp = static_cast<std::int32_t>(b);
            for (const std::int32_t code : baskets.basket(b)) {
                const auto c = static_cast<std::size_t>(code);
                if (part.seen[c] != stamp) {
                    part.seen[c] = stamp;
                    ++part.support[c];
                }
            }
        }
    });
    std::vector<std::int32_t> support(n_items, 0);
    for (const BasketPart& part : parts)
        for (std::size_t c = 0; c < n_items; ++c) support[c] += part.support[c];

    RankedBaskets ranked;
    for (std::size_t c = 0; c < n_items; ++c)
        if (support[c] >= plan.min_count)
            ranked.code.push_back(static_cast<std::int32_t>(c));
    std::sort(ranked.code.begin(), ranked.code.end(),
              [&](std::int32_t a, std::int32_t b) {
                  const std::int32_t sa = support[static_cast<std::size_t>(a)];
                  const std::int32_t sb = support[static_cast<std::size_t>(b)];
                  return sa != sb ? sa < sb : a < b;
              });
    std::vector<std::int32_t> label_of(n_items, -1);
    ranked.support.resize(ranked.code.size());
    for (std::size_t l = 0; l < ranked.code.size(); ++l) {
        const auto c = static_cast<std::size_t>(ranked.code[l]);
        label_of[c] = static_cast<std::int32_t>(l);
        ranked.support[l] = support[c];
    }
    if (ranked.code.empty()) return ranked;

    // A part's frequent entries are known from its supports, so each part recodes and
    // sorts its baskets straight into its own stretch of the output, in basket order:
    // the result is the same for any number of parts.
    std::int64_t n_entries = 0;
    for (BasketPart& part : parts) {
        part.first_entry = n_entries;
        for (const std::int32_t c : ranked.code)
            n_entries += part.support[static_cast<std::size_t>(c)];
    }
    ranked.items.resize(static_cast<std::size_t>(n_entries));
    crmmine::detail::parallel_for(n_parts, n_parts, [&](std::int64_t k) {
        BasketPart& part = parts[static_cast<std::size_t>(k)];
        std::fill(part.seen.begin(), part.seen.end(), -1);
        part.lengths.reserve(static_cast<std::size_t>(part.end - part.begin));
        std::int32_t* out = ranked.items.data() + part.first_entry;
        for (std::int64_t b = part.begin; b < part.end; ++b) {
            const auto stamp = static_cast<std::int32_t>(b);
            std::int32_t* const first = out;
            for (const std::int32_t code : baskets.basket(b)) {
                const auto c = static_cast<std::size_t>(code);
                if (label_of[c] >= 0 && part.seen[c] != stamp) {
                    part.seen[c] = stamp;
                    *out++ = label_of[c];
                }
            }
            if (out == first) continue;
            sort_labels(first, out, descending);
            part.lengths.push_back(static_cast<std::int32_t>(out - first));
        }
    });
    std::size_t n_kept = 1;
    for (const BasketPart& part : parts) n_kept += part.lengths.size();
    ranked.indptr.reserve(n_kept);
    for (const BasketPart& part : parts)
        for (const std::int64_t length : part.lengths) {
            ranked.max_length = std::max(ranked.max_length, length);
            ranked.indptr.push_back(ranked.indptr.back() + length);
        }
    return ranked;
}

void OutputGuard::add(std::int64_t n_sets, std::int64_t n_items) {
    const std::int64_t sets = sets_.fetch_add(n_sets) + n_sets;
    const std::int64_t items = items_.fetch_add(n_items) + n_items;
    if (sets > plan_.max_itemsets || output_bytes(sets, items) > plan_.max_output_bytes)
        fail(sets, output_bytes(sets, items));
}

void OutputGuard::fail(std::int64_t n_sets, std::int64_t bytes) const {
    const bool too_many = n_sets > plan_.max_itemsets;
    const std::string reached = std::to_string(n_sets) + " itemsets (" +
                                std::to_string(bytes >> 20) + " MiB of output)";
    const std::string limit = too_many
                                  ? "max_itemsets=" + std::to_string(plan_.max_itemsets)
                                  : "the output limit of " +
                                        std::to_string(plan_.max_output_bytes >> 20) +
                                        " MiB (max_output_bytes)";
    throw ResourceLimitExceeded(
        too_many ? "max_itemsets" : "max_output_bytes",
        "mining stopped after " + reached + ", past " + limit +
            "; raise min_support (or min_count), set max_len to cap the itemset "
            "length, or raise max_itemsets if that many itemsets are wanted");
}

FrequentItemsets concatenate(std::vector<FrequentItemsets>& outputs,
                             const std::vector<TaskSegment>& segments) {
    // One slot that ran every task in order already holds the answer.
    bool in_order = true;
    std::int64_t next = 0;
    int slot = -1;
    for (const TaskSegment& s : segments) {
        if (s.begin == s.end) continue;
        if ((slot >= 0 && s.slot != slot) || s.begin != next) {
            in_order = false;
            break;
        }
        slot = s.slot;
        next = s.end;
    }
    if (in_order) {
        if (slot < 0) return {};
        FrequentItemsets& only = outputs[static_cast<std::size_t>(slot)];
        if (only.size() == next) return std::move(only);
    }

    std::int64_t n_sets = 0;
    std::int64_t n_items = 0;
    for (const TaskSegment& s : segments) {
        if (s.begin == s.end) continue;
        const FrequentItemsets& from = outputs[static_cast<std::size_t>(s.slot)];
        n_sets += s.end - s.begin;
        n_items += from.offsets[static_cast<std::size_t>(s.end)] -
                   from.offsets[static_cast<std::size_t>(s.begin)];
    }
    // Appended into reserved space: sizing the arrays first would write every byte
    // twice, zeros and then the copy.
    FrequentItemsets all;
    all.offsets.reserve(static_cast<std::size_t>(n_sets) + 1);
    all.items.reserve(static_cast<std::size_t>(n_items));
    all.counts.reserve(static_cast<std::size_t>(n_sets));
    for (const TaskSegment& s : segments) {
        if (s.begin == s.end) continue;
        const FrequentItemsets& from = outputs[static_cast<std::size_t>(s.slot)];
        const auto b = static_cast<std::size_t>(s.begin);
        const auto e = static_cast<std::size_t>(s.end);
        const std::int64_t shift =
            static_cast<std::int64_t>(all.items.size()) - from.offsets[b];
        for (std::size_t i = b; i < e; ++i)
            all.offsets.push_back(from.offsets[i + 1] + shift);
        all.counts.insert(all.counts.end(),
                          from.counts.begin() + static_cast<std::ptrdiff_t>(b),
                          from.counts.begin() + static_cast<std::ptrdiff_t>(e));
        all.items.insert(all.items.end(), from.items.begin() + from.offsets[b],
                         from.items.begin() + from.offsets[e]);
    }
    return all;
}

namespace {

std::uint64_t mix(std::int32_t code) noexcept {
    std::uint64_t z = static_cast<std::uint64_t>(static_cast<std::uint32_t>(code)) +
                      0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

}  // namespace

void filter_closed_maximal(FrequentItemsets& sets, const MiningPlan& plan) {
    const std::int64_t n = sets.size();
    // Every immediate subset of a stored itemset that is itself stored is found by
    // hashing: the hash of a set is the sum of its items' hashes, so the hash of Y
    // without one item is a subtraction away.
    std::vector<std::uint64_t> hash(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        std::uint64_t h = 0;
        for (const std::int32_t code : sets.itemset(i)) h += mix(code);
        hash[static_cast<std::size_t>(i)] = h;
    }
    std::size_t capacity = 16;
    while (capacity < 2 * static_cast<std::size_t>(n)) capacity *= 2;
    const std::size_t mask = capacity - 1;
    std::vector<std::int64_t> table(capacity, -1);
    for (std::int64_t i = 0; i < n; ++i) {
        std::size_t slot = hash[static_cast<std::size_t>(i)] & mask;
        while (table[slot] >= 0) slot = (slot + 1) & mask;
        table[slot] = i;
    }

    std::vector<std::uint8_t> keep(static_cast<std::size_t>(n), 1);
    const bool maximal = plan.kind == ItemsetKind::maximal;
    WorkMeter meter;
    for (std::int64_t y = 0; y < n; ++y) {
        const ItemSpan items = sets.itemset(y);
        const std::int64_t length = items.size();
        if (length - 1 < plan.min_len) continue;
        meter.add(length);
        const std::int64_t count = sets.counts[static_cast<std::size_t>(y)];
        for (std::int64_t skip = 0; skip < length; ++skip) {
            const std::uint64_t h =
                hash[static_cast<std::size_t>(y)] - mix(items.first[skip]);
            for (std::size_t slot = h & mask; table[slot] >= 0;
                 slot = (slot + 1) & mask) {
                const std::int64_t x = table[slot];
                if (hash[static_cast<std::size_t>(x)] != h) continue;
                const ItemSpan sub = sets.itemset(x);
                if (sub.size() != length - 1) continue;
                bool same = true;
                for (std::int64_t k = 0, j = 0; k < length && same; ++k)
                    if (k != skip) same = sub.first[j++] == items.first[k];
                if (!same) continue;
                if (maximal || sets.counts[static_cast<std::size_t>(x)] == count)
                    keep[static_cast<std::size_t>(x)] = 0;
                break;
            }
        }
    }
    std::vector<std::uint64_t>().swap(hash);
    std::vector<std::int64_t>().swap(table);

    // Compact in place, keeping the order.
    std::int64_t kept = 0;
    std::int64_t item_at = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t begin = sets.offsets[static_cast<std::size_t>(i)];
        const std::int64_t end = sets.offsets[static_cast<std::size_t>(i) + 1];
        if (!keep[static_cast<std::size_t>(i)] ||
            (plan.report_max_len > 0 && end - begin > plan.report_max_len))
            continue;
        if (item_at != begin)
            std::copy(sets.items.begin() + begin, sets.items.begin() + end,
                      sets.items.begin() + item_at);
        item_at += end - begin;
        sets.counts[static_cast<std::size_t>(kept)] =
            sets.counts[static_cast<std::size_t>(i)];
        sets.offsets[static_cast<std::size_t>(++kept)] = item_at;
    }
    sets.offsets.resize(static_cast<std::size_t>(kept) + 1);
    sets.items.resize(static_cast<std::size_t>(item_at));
    sets.counts.resize(static_cast<std::size_t>(kept));
    sets.offsets.shrink_to_fit();
    sets.items.shrink_to_fit();
    sets.counts.shrink_to_fit();
}

void finish(FrequentItemsets& sets, const MiningPlan& plan) {
    if (plan.kind != ItemsetKind::all) filter_closed_maximal(sets, plan);
    sets.n_transactions = plan.n_transactions;
}

}  // namespace detail
}  // namespace crmmine::basket
