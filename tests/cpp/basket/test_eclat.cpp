#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "crmmine/basket/apriori.hpp"
#include "crmmine/basket/detail/mining_common.hpp"
#include "crmmine/basket/eclat.hpp"
#include "crmmine/basket/fp_growth.hpp"
#include "mining_oracle.hpp"

using namespace crmmine;
using namespace crmmine::basket;
using mining_test::oracle;
using mining_test::RawBaskets;
using mining_test::same;

TEST_CASE("eclat on dense baskets (diffsets) equals the oracle") {
    std::mt19937 rng(5);
    for (int trial = 0; trial < 8; ++trial) {
        RawBaskets raw;
        raw.n_items = 14;
        for (int b = 0; b < 30; ++b) {
            std::vector<std::int32_t> basket;
            for (std::int32_t i = 0; i < 14; ++i)
                if (rng() % 100 < 85) basket.push_back(i);
            raw.add(basket);
        }
        for (const std::int64_t min_count : {12, 18, 24})
            for (const ItemsetKind kind :
                 {ItemsetKind::all, ItemsetKind::closed, ItemsetKind::maximal}) {
                MiningParams params;
                params.min_count = min_count;
                params.kind = kind;
                params.max_len = trial % 2 ? 4 : 0;
                INFO("trial ", trial, " min_count ", min_count);
                CHECK(same(eclat(raw.view(), params),
                           oracle(raw, min_count, 1, params.max_len, kind)));
            }
    }
}

TEST_CASE("eclat, fp_growth and apriori agree on dense data with many items") {
    std::mt19937 rng(9);
    const RawBaskets raw = mining_test::two_tier_baskets(rng, 40, 300, 12, 80, 15);
    MiningParams params;
    params.min_support = 0.3;
    const mining_test::Override parallel(basket::detail::min_parallel_entries,
                                         std::int64_t{0});
    for (const int n_jobs : {1, 2}) {
        params.n_jobs = n_jobs;
        const FrequentItemsets reference = fp_growth(raw.view(), params);
        CHECK(reference.size() > 1000);
        CHECK(same(eclat(raw.view(), params), reference));
        CHECK(same(apriori(raw.view(), params), reference));
    }
}
