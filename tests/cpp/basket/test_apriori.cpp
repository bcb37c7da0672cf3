#include <doctest/doctest.h>

#include <vector>

#include "crmmine/basket/apriori.hpp"
#include "crmmine/basket/fp_growth.hpp"
#include "crmmine/core/error.hpp"
#include "mining_oracle.hpp"

using namespace crmmine;
using namespace crmmine::basket;
using mining_test::oracle;
using mining_test::RawBaskets;
using mining_test::same;

TEST_CASE("apriori reproduces the large itemsets of Agrawal & Srikant's example") {
    // Figure 3 of "Fast Algorithms for Mining Association Rules" (VLDB 1994): database
    // D with minimum support count 2 gives L1, L2 and L3 = {2 3 5}.
    RawBaskets raw;
    raw.n_items = 6;
    raw.add({1, 3, 4});
    raw.add({2, 3, 5});
    raw.add({1, 2, 3, 5});
    raw.add({2, 5});
    MiningParams params;
    params.min_count = 2;
    const FrequentItemsets sets = apriori(raw.view(), params);
    CHECK(same(sets, oracle(raw, 2, 1, 0, ItemsetKind::all)));
    REQUIRE(sets.size() == 9);
    // L3 = {2 3 5} with support 2, and no other itemset of three.
    int triples = 0;
    for (std::int64_t i = 0; i < sets.size(); ++i)
        if (sets.itemset(i).size() == 3) {
            ++triples;
            CHECK(std::vector<std::int32_t>(sets.itemset(i).begin(),
                                            sets.itemset(i).end()) ==
                  std::vector<std::int32_t>{2, 3, 5});
            CHECK(sets.counts[static_cast<std::size_t>(i)] == 2);
        }
    CHECK(triples == 1);
    params.min_len = 2;
    params.max_len = 2;
    CHECK(apriori(raw.view(), params).size() == 4);  // L2
}

TEST_CASE("apriori prunes candidates whose subsets are infrequent") {
    // {0,1}, {0,2} frequent but {1,2} not: the join makes {0,1,2}, pruning drops it,
    // and the result still equals the oracle on many levels.
    RawBaskets raw;
    raw.n_items = 8;
    for (int r = 0; r < 3; ++r) {
        raw.add({0, 1, 5, 6, 7});
        raw.add({0, 2, 5, 6, 7});
        raw.add({1, 3, 4, 5, 6, 7});
    }
    for (const int min_count : {2, 3, 4, 6})
        for (const ItemsetKind kind :
             {ItemsetKind::all, ItemsetKind::closed, ItemsetKind::maximal}) {
            MiningParams params;
            params.min_count = min_count;
            params.kind = kind;
            CHECK(
                same(apriori(raw.view(), params), oracle(raw, min_count, 1, 0, kind)));
        }
}

TEST_CASE("apriori refuses a candidate level beyond the memory limit") {
    // 1000 items in two baskets each, no frequent pair: level 2 has 499,500 candidates.
    RawBaskets raw;
    raw.n_items = 1000;
    for (std::int32_t b = 0; b < 1000; ++b) raw.add({b, (b + 1) % 1000});
    MiningParams params;
    params.min_count = 2;
    params.max_output_bytes = 1 << 20;
    CHECK_THROWS_WITH_AS(apriori(raw.view(), params), doctest::Contains("fp_growth"),
                         ResourceLimitExceeded);
    CHECK(fp_growth(raw.view(), params).size() == 1000);
    params.max_output_bytes = std::int64_t{1} << 30;
    CHECK(apriori(raw.view(), params).size() == 1000);
}
