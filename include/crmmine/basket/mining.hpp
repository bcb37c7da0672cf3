// One entry point over the three frequent-itemset miners; they return identical
// itemsets in identical order, so the choice only changes the speed.
#pragma once

#include <cstdint>

#include "crmmine/basket/itemsets.hpp"
#include "crmmine/basket/mining_params.hpp"
#include "crmmine/core/baskets.hpp"

namespace crmmine::basket {

enum class Algorithm {
    automatic,  // fp_growth, the fastest on sparse and dense data; see mining.cpp
    fp_growth,
    apriori,
    eclat,
};

// The algorithm `automatic` resolves to for these baskets and options.
Algorithm resolve_algorithm(Algorithm algorithm, const BasketsView& baskets,
                            const MiningParams& params);

FrequentItemsets mine_itemsets(const BasketsView& baskets, const MiningParams& params,
                               Algorithm algorithm = Algorithm::automatic);

}  // namespace crmmine::basket
