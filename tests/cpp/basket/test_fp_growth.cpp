#include <doctest/doctest.h>

#include <initializer_list>
#include <random>
#include <vector>

#include "crmmine/basket/detail/mining_common.hpp"
#include "crmmine/basket/fp_growth.hpp"
#include "crmmine/basket/mining.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/interrupt.hpp"
#include "mining_oracle.hpp"

using namespace crmmine;
using namespace crmmine::basket;
using mining_test::oracle;
using mining_test::RawBaskets;
using mining_test::same;

TEST_CASE("fp_growth finds the 13 patterns of Han, Kamber & Pei's worked example") {
    // Table 6.1 of "Data Mining: Concepts and Techniques" (items I1..I5 as 1..5),
    // minimum support count 2.
    RawBaskets raw;
    raw.n_items = 6;
    for (const std::vector<std::int32_t>& t :
         std::vector<std::vector<std::int32_t>>{{1, 2, 5},
                                                {2, 4},
                                                {2, 3},
                                                {1, 2, 4},
                                                {1, 3},
                                                {2, 3},
                                                {1, 3},
                                                {1, 2, 3, 5},
                                                {1, 2, 3}})
        raw.add(t);
    MiningParams params;
    params.min_count = 2;
    const FrequentItemsets sets = fp_growth(raw.view(), params);
    REQUIRE(sets.size() == 13);
    // The order of itemsets.hpp: items by ascending support (I4:2, I5:2, I1:6, I3:6,
    // I2:7), each itemset written in that order, the sequences sorted.
    std::vector<std::vector<std::int32_t>> got;
    for (std::int64_t i = 0; i < sets.size(); ++i)
        got.emplace_back(sets.itemset(i).begin(), sets.itemset(i).end());
    const std::vector<std::vector<std::int32_t>> in_order = {
        {4},    {2, 4},    {5},    {1, 5}, {1, 2, 5}, {2, 5}, {1},
        {1, 3}, {1, 2, 3}, {1, 2}, {3},    {2, 3},    {2}};
    CHECK(got == in_order);
    const std::vector<std::int64_t> counts_in_order = {2, 2, 2, 2, 2, 2, 6,
                                                       4, 2, 4, 6, 4, 7};
    CHECK(sets.counts == counts_in_order);
    CHECK(sets.n_transactions == 9);
}

TEST_CASE("fp_growth enumerates a single path directly, within max_len") {
    RawBaskets raw;
    raw.n_items = 20;
    std::vector<std::int32_t> basket;
    for (std::int32_t i = 19; i >= 0; --i) basket.push_back(i);
    raw.add(basket);
    MiningParams params;
    params.min_count = 1;
    params.max_len = 3;
    CHECK(fp_growth(raw.view(), params).size() == 20 + 190 + 1140);
    params.min_len = 3;
    const FrequentItemsets triples = fp_growth(raw.view(), params);
    CHECK(triples.size() == 1140);
    CHECK(static_cast<std::int64_t>(triples.items.size()) == 3 * 1140);
    CHECK(same(triples, oracle(raw, 1, 3, 3, ItemsetKind::all)));
}

TEST_CASE("fp_growth reads FIMI-style baskets that repeat an item once per basket") {
    RawBaskets raw;
    raw.n_items = 4;
    raw.add({3, 3, 1});
    raw.add({1, 3, 1, 3});
    raw.add({2});
    MiningParams params;
    params.min_count = 2;
    const FrequentItemsets sets = fp_growth(raw.view(), params);
    CHECK(same(sets, oracle(raw, 2, 1, 0, ItemsetKind::all)));
    CHECK(sets.size() == 3);  // {1}, {3}, {1, 3}, each in 2 baskets
}

namespace {
bool always_interrupt() {
    return true;
}
}  // namespace

TEST_CASE("a long fp_growth run stops on an interrupt from the host") {
    RawBaskets dense;
    dense.n_items = 22;
    std::vector<std::int32_t> basket;
    for (std::int32_t i = 0; i < 22; ++i) basket.push_back(i);
    for (int b = 0; b < 5; ++b) dense.add(basket);
    dense.add({0, 1});
    MiningParams params;
    params.min_count = 1;
    params.n_jobs = 1;
    set_interrupt_check(&always_interrupt);
    CHECK_THROWS_AS(fp_growth(dense.view(), params), Interrupted);
    set_interrupt_check(nullptr);
    params.max_len = 2;
    CHECK(fp_growth(dense.view(), params).size() == 22 + 231);
}

namespace {

// fp_growth against the oracle on random baskets of at most max_items items, at
// min_count 1, 2 and 4 or 5, on one thread and two, with max_len 3 every third trial
// when vary_max_len.
void check_random_against_oracle(std::mt19937& rng, int n_trials,
                                 std::int32_t max_items, int n_baskets,
                                 bool vary_max_len) {
    const mining_test::Override parallel(basket::detail::min_parallel_entries,
                                         std::int64_t{0});
    for (int trial = 0; trial < n_trials; ++trial) {
        const auto n_items =
            static_cast<std::int32_t>(1 + rng() % static_cast<unsigned>(max_items));
        const RawBaskets raw =
            mining_test::random_baskets(rng, n_items, n_baskets, trial % 2 == 0);
        for (const std::int64_t min_count : {1, 2, 4 + trial % 2}) {
            MiningParams params;
            params.min_count = min_count;
            params.max_len = vary_max_len && trial % 3 == 0 ? 3 : 0;
            params.n_jobs = 1 + trial % 2;
            INFO("trial=", trial, " min_count=", min_count);
            CHECK(same(fp_growth(raw.view(), params),
                       oracle(raw, min_count, 1, params.max_len, ItemsetKind::all)));
        }
    }
}

// fp_growth against eclat (tid-lists: no tree, no masks) on wide random baskets (120
// items, databases of more than 64 labels), with the knob at each value, on one
// thread and two.
template <class Knob>
void check_wide_against_eclat(std::mt19937& rng, Knob& knob,
                              std::initializer_list<Knob> values) {
    const RawBaskets wide = mining_test::two_tier_baskets(rng, 120, 600, 90, 20, 3);
    MiningParams params;
    params.min_count = 15;
    const FrequentItemsets reference =
        mine_itemsets(wide.view(), params, Algorithm::eclat);
    REQUIRE(reference.size() > 3000);
    const mining_test::Override parallel(basket::detail::min_parallel_entries,
                                         std::int64_t{0});
    for (const Knob value : values) {
        const mining_test::Override set(knob, value);
        for (const int n_jobs : {1, 2}) {
            params.n_jobs = n_jobs;
            INFO("knob=", value, " n_jobs=", n_jobs);
            CHECK(same(fp_growth(wide.view(), params), reference));
        }
    }
}

}  // namespace

TEST_CASE("fp_growth walks the tree when the swept prefix paths would not fit") {
    const mining_test::Override tree(basket::detail::fp_growth_tree_density, 0.0);
    const mining_test::Override no_sweep(basket::detail::fp_growth_sweep_limit,
                                         std::int64_t{0});
    std::mt19937 rng(17);
    check_random_against_oracle(rng, 30, 12, 40, false);
}

TEST_CASE("fp_growth projects from the baskets themselves as from the tree") {
    std::mt19937 rng(29);
    // 2: never a tree; 0: always one.
    for (const double tree_density : {2.0, 0.0}) {
        const mining_test::Override tree(basket::detail::fp_growth_tree_density,
                                         tree_density);
        INFO("tree_density=", tree_density);
        check_random_against_oracle(rng, 40, 14, 60, true);
    }
    check_wide_against_eclat(rng, basket::detail::fp_growth_tree_density,
                             {2.0, 0.0, 0.1});
}

TEST_CASE(
    "fp_growth finds the same itemsets with its small databases as bit masks or "
    "as label arrays") {
    std::mt19937 rng(23);
    // 0: label arrays only; 3: both forms, switching mid-recursion; 64: the default.
    for (const int mask_labels : {0, 3, 64}) {
        const mining_test::Override masks(basket::detail::fp_growth_mask_labels,
                                          mask_labels);
        INFO("mask_labels=", mask_labels);
        check_random_against_oracle(rng, 30, 14, 60, true);
    }
    check_wide_against_eclat(rng, basket::detail::fp_growth_mask_labels, {0, 8, 64});
}

TEST_CASE(
    "fp_growth finds the same itemsets with its mask databases held by path or by "
    "label") {
    std::mt19937 rng(31);
    // 0: by path only; 5: both forms, switching mid-recursion; 64: the default.
    for (const std::int64_t vertical_paths : {0, 5, 64}) {
        const mining_test::Override paths(basket::detail::fp_growth_vertical_paths,
                                          vertical_paths);
        INFO("vertical_paths=", vertical_paths);
        check_random_against_oracle(rng, 30, 14, 60, true);
    }
    check_wide_against_eclat(rng, basket::detail::fp_growth_vertical_paths,
                             {std::int64_t{0}, std::int64_t{5}, std::int64_t{64}});
}
