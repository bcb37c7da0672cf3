// Apriori (Agrawal & Srikant 1994): level-wise candidate generation in a prefix tree
// with subset pruning, supports counted by one pass over the baskets per level (the
// baskets shrink to the items still alive), in parallel over top-level subtrees.
#pragma once

#include "crmmine/basket/itemsets.hpp"
#include "crmmine/basket/mining_params.hpp"
#include "crmmine/core/baskets.hpp"

namespace crmmine::basket {

// Frequent itemsets of the baskets, in the order described in itemsets.hpp.
FrequentItemsets apriori(const BasketsView& baskets, const MiningParams& params);

}  // namespace crmmine::basket
