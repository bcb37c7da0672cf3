#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "crmmine/basket/detail/mining_common.hpp"
#include "crmmine/basket/mining.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"
#include "mining_oracle.hpp"

using namespace crmmine;
using namespace crmmine::basket;
using mining_test::oracle;
using mining_test::random_baskets;
using mining_test::RawBaskets;
using mining_test::same;

namespace {

// Runs even small inputs on the threads asked for, so the tests cover them.
struct EveryInputParallel {
    std::int64_t saved = basket::detail::min_parallel_entries;
    EveryInputParallel() { basket::detail::min_parallel_entries = 0; }
    ~EveryInputParallel() { basket::detail::min_parallel_entries = saved; }
};

const Algorithm all_algorithms[] = {Algorithm::fp_growth, Algorithm::apriori,
                                    Algorithm::eclat};

std::string name(Algorithm a) {
    switch (a) {
        case Algorithm::fp_growth:
            return "fp_growth";
        case Algorithm::apriori:
            return "apriori";
        case Algorithm::eclat:
            return "eclat";
        default:
            return "automatic";
    }
}

std::string name(ItemsetKind k) {
    return k == ItemsetKind::all      ? "all"
           : k == ItemsetKind::closed ? "closed"
                                      : "maximal";
}

// Every algorithm, on one and two threads, against the oracle.
void check_against_oracle(const RawBaskets& raw, std::int64_t min_count, int min_len,
                          int max_len, ItemsetKind kind) {
    const FrequentItemsets expected = oracle(raw, min_count, min_len, max_len, kind);
    MiningParams params;
    params.min_count = min_count;
    params.min_len = min_len;
    params.max_len = max_len;
    params.kind = kind;
    for (const Algorithm algorithm : all_algorithms)
        for (const int n_jobs : {1, 2}) {
            params.n_jobs = n_jobs;
            const FrequentItemsets got = mine_itemsets(raw.view(), params, algorithm);
            INFO(name(algorithm), " ", name(kind), " n_jobs=", n_jobs,
                 " min_count=", min_count, " min_len=", min_len, " max_len=", max_len,
                 " expected ", expected.size(), " got ", got.size());
            CHECK(same(got, expected));
        }
}

}  // namespace

TEST_CASE("miners equal the brute-force oracle on random baskets") {
    const EveryInputParallel parallel;
    std::mt19937 rng(7);
    for (int trial = 0; trial < 60; ++trial) {
        const auto n_items = static_cast<std::int32_t>(1 + rng() % 12);
        const int n_baskets = static_cast<int>(rng() % 50);
        const RawBaskets raw = random_baskets(rng, n_items, n_baskets, trial % 3 == 0);
        const std::int64_t min_count = 1 + static_cast<std::int64_t>(rng() % 6);
        const int min_len = 1 + static_cast<int>(rng() % 3);
        const int max_len = trial % 4 == 0 ? 0 : min_len + static_cast<int>(rng() % 3);
        for (const ItemsetKind kind :
             {ItemsetKind::all, ItemsetKind::closed, ItemsetKind::maximal})
            check_against_oracle(raw, min_count, min_len, max_len, kind);
    }
}

TEST_CASE("miners handle degenerate baskets") {
    const EveryInputParallel parallel;
    for (const ItemsetKind kind :
         {ItemsetKind::all, ItemsetKind::closed, ItemsetKind::maximal}) {
        RawBaskets none;  // no baskets at all
        none.n_items = 3;
        check_against_oracle(none, 1, 1, 0, kind);

        RawBaskets empty;  // only empty baskets
        empty.n_items = 2;
        for (int b = 0; b < 5; ++b) empty.add({});
        check_against_oracle(empty, 1, 1, 0, kind);

        RawBaskets one;  // one item
        one.n_items = 1;
        one.add({0});
        one.add({});
        one.add({0, 0});
        check_against_oracle(one, 1, 1, 0, kind);
        check_against_oracle(one, 3, 1, 0, kind);  // nothing frequent

        RawBaskets identical;  // one path: every subset, with the same count
        identical.n_items = 8;
        for (int b = 0; b < 4; ++b) identical.add({7, 1, 3, 0, 5});
        identical.add({});
        for (const int max_len : {0, 2, 5})
            for (const int min_len : {1, 2})
                check_against_oracle(identical, 2, min_len, max_len, kind);

        RawBaskets nested;  // nested baskets: a chain with falling counts
        nested.n_items = 6;
        nested.add({0, 1, 2, 3, 4, 5});
        nested.add({0, 1, 2, 3});
        nested.add({0, 1});
        nested.add({0});
        for (const std::int64_t c : {1, 2, 3})
            check_against_oracle(nested, c, 1, 0, kind);
    }
}

TEST_CASE("the support counts reach the threshold exactly as the support is reported") {
    CHECK(min_count_for_support(0.07, 100) == 7);  // 0.07 * 100 = 7.000000000000001
    CHECK(min_count_for_support(0.001, 9835) == 10);
    CHECK(min_count_for_support(0.01, 100000) == 1000);
    CHECK(min_count_for_support(0.005, 88162) == 441);
    CHECK(min_count_for_support(1.0, 37) == 37);
    CHECK(min_count_for_support(1e-12, 37) == 1);
    CHECK(min_count_for_support(0.5, 0) == 1);
    std::mt19937 rng(3);
    for (int trial = 0; trial < 20000; ++trial) {
        const std::int64_t n = 1 + static_cast<std::int64_t>(rng() % 200000);
        // Supports written as short decimals, as people type them.
        const double s =
            static_cast<double>(1 + rng() % 1000) / (trial % 2 ? 1000.0 : 10000.0);
        const std::int64_t c = min_count_for_support(s, n);
        INFO("s=", s, " n=", n, " c=", c);
        CHECK(static_cast<double>(c) / static_cast<double>(n) >= s);
        if (c > 1) CHECK(static_cast<double>(c - 1) / static_cast<double>(n) < s);
    }
    MiningParams params;
    params.min_support = 0.3;
    CHECK(params.resolve_min_count(10) == 3);
    params.min_count = 4;  // overrides the fraction
    CHECK(params.resolve_min_count(10) == 4);
}

TEST_CASE("mining parameters are validated with the argument named") {
    RawBaskets raw;
    raw.n_items = 2;
    raw.add({0, 1});
    const auto fails_on = [&](MiningParams p, const std::string& argument) {
        for (const Algorithm a : all_algorithms) {
            try {
                mine_itemsets(raw.view(), p, a);
                FAIL("no error for ", argument);
            } catch (const InvalidArgument& e) {
                CHECK(e.argument() == argument);
            }
        }
    };
    MiningParams p;
    p.min_support = 0.0;
    fails_on(p, "min_support");
    p.min_support = 1.5;
    fails_on(p, "min_support");
    p.min_support = std::nan("");
    fails_on(p, "min_support");
    p = {};
    p.min_count = -1;
    fails_on(p, "min_count");
    p = {};
    p.min_len = 0;
    fails_on(p, "min_len");
    p = {};
    p.min_len = 3;
    p.max_len = 2;
    fails_on(p, "max_len");
    p = {};
    p.max_len = -1;
    fails_on(p, "max_len");
    p = {};
    p.max_itemsets = 0;
    fails_on(p, "max_itemsets");
    p = {};
    p.kind = static_cast<ItemsetKind>(7);
    fails_on(p, "kind");

    // Codes outside [0, n_items) and falling offsets are caught, not read.
    RawBaskets bad;
    bad.n_items = 2;
    bad.add({0, 2});
    CHECK_THROWS_AS(mine_itemsets(bad.view(), MiningParams{}), InvalidArgument);
    RawBaskets falling;
    falling.n_items = 2;
    falling.add({0, 1});
    falling.indptr.push_back(1);
    CHECK_THROWS_AS(mine_itemsets(falling.view(), MiningParams{}), InvalidArgument);
}

TEST_CASE(
    "an itemset explosion stops with ResourceLimitExceeded, never runs out of memory") {
    const EveryInputParallel parallel;
    // 40 baskets of the same 22 items: 4 million frequent itemsets at count 1.
    RawBaskets dense;
    dense.n_items = 24;
    std::vector<std::int32_t> basket;
    for (std::int32_t i = 0; i < 22; ++i) basket.push_back(i);
    for (int b = 0; b < 40; ++b) dense.add(basket);
    MiningParams params;
    params.min_count = 1;
    params.max_itemsets = 100000;
    for (const Algorithm a : all_algorithms)
        for (const ItemsetKind kind : {ItemsetKind::all, ItemsetKind::maximal})
            for (const int n_jobs : {1, 2}) {
                params.kind = kind;
                params.n_jobs = n_jobs;
                INFO(name(a), " ", name(kind), " n_jobs=", n_jobs);
                std::string message;
                try {
                    mine_itemsets(dense.view(), params, a);
                } catch (const ResourceLimitExceeded& e) {
                    message = e.what();
                }
                CHECK(message.find("min_support") != std::string::npos);
                CHECK(message.find("max_len") != std::string::npos);
                CHECK(message.find("max_itemsets=100000") != std::string::npos);
            }
    // The byte limit counts offsets, items and counts.
    params = {};
    params.min_count = 1;
    params.max_output_bytes = 1 << 20;
    CHECK_THROWS_AS(mine_itemsets(dense.view(), params), ResourceLimitExceeded);
    // Exactly at the limit is allowed: 2^22 - 1 itemsets with max_len unset would not
    // be, but capping the length keeps it small.
    params.max_output_bytes = MiningParams{}.max_output_bytes;
    params.max_len = 2;
    params.max_itemsets = 22 + 22 * 21 / 2;
    for (const Algorithm a : all_algorithms)
        CHECK(mine_itemsets(dense.view(), params, a).size() == params.max_itemsets);
    params.max_itemsets -= 1;
    for (const Algorithm a : all_algorithms)
        CHECK_THROWS_AS(mine_itemsets(dense.view(), params, a), ResourceLimitExceeded);
}

TEST_CASE("larger random data: algorithms agree and threads do not change the bits") {
    const EveryInputParallel parallel;
    std::mt19937 rng(11);
    RawBaskets raw;
    raw.n_items = 300;
    // Skewed item popularity with co-purchase clusters, like shop data.
    for (int b = 0; b < 4000; ++b) {
        std::vector<std::int32_t> basket;
        const int length = static_cast<int>(rng() % 12);
        const auto cluster = static_cast<std::int32_t>(rng() % 20) * 15;
        for (int k = 0; k < length; ++k) {
            const double u = std::uniform_real_distribution<double>(0, 1)(rng);
            std::int32_t item = static_cast<std::int32_t>(std::pow(u, 2.5) * 300);
            if (rng() % 2) item = cluster + static_cast<std::int32_t>(rng() % 15);
            basket.push_back(item);
        }
        std::sort(basket.begin(), basket.end());
        basket.erase(std::unique(basket.begin(), basket.end()), basket.end());
        raw.add(basket);
    }
    for (const ItemsetKind kind :
         {ItemsetKind::all, ItemsetKind::closed, ItemsetKind::maximal}) {
        MiningParams params;
        params.min_support = 0.003;
        params.kind = kind;
        params.n_jobs = 1;
        const FrequentItemsets reference =
            mine_itemsets(raw.view(), params, Algorithm::fp_growth);
        CHECK(reference.size() > 500);
        for (const Algorithm a : all_algorithms)
            for (const int n_jobs : {1, 2, 3}) {
                params.n_jobs = n_jobs;
                INFO(name(a), " ", name(kind), " n_jobs=", n_jobs);
                CHECK(same(mine_itemsets(raw.view(), params, a), reference));
            }
    }
}

TEST_CASE("automatic resolves to a concrete algorithm") {
    RawBaskets raw;
    raw.n_items = 3;
    raw.add({0, 1});
    const Algorithm a =
        resolve_algorithm(Algorithm::automatic, raw.view(), MiningParams{});
    CHECK(a != Algorithm::automatic);
    CHECK(resolve_algorithm(Algorithm::apriori, raw.view(), MiningParams{}) ==
          Algorithm::apriori);
}

TEST_CASE("sort_labels orders runs of every length as std::sort does") {
    // Runs of up to 4, 8, 16, 32 and 64 labels take the rank sort, longer ones
    // std::sort.
    std::mt19937 rng(17);
    std::vector<std::int32_t> pool(5000);
    std::iota(pool.begin(), pool.end(), 0);
    for (const bool descending : {false, true})
        for (int length = 0; length <= 80; ++length)
            for (int trial = 0; trial < 20; ++trial) {
                std::shuffle(pool.begin(), pool.end(), rng);
                std::vector<std::int32_t> run(pool.begin(), pool.begin() + length);
                // the smallest label, once
                if (trial == 0 && length > 0 &&
                    std::count(run.begin(), run.end(), 0) == 0)
                    run[0] = 0;
                std::vector<std::int32_t> expected = run;
                std::sort(expected.begin(), expected.end());
                if (descending) std::reverse(expected.begin(), expected.end());
                basket::detail::sort_labels(run.data(), run.data() + run.size(),
                                            descending);
                CAPTURE(length);
                CAPTURE(descending);
                CHECK(run == expected);
            }
}
