// Eclat (Zaki 2000) on the vertical layout: sorted transaction-id lists intersected
// depth-first, switching an equivalence class to diffsets (dEclat, Zaki & Gouda 2003)
// when they are smaller, which is what pays on dense data.
#pragma once

#include "crmmine/basket/itemsets.hpp"
#include "crmmine/basket/mining_params.hpp"
#include "crmmine/core/baskets.hpp"

namespace crmmine::basket {

// Frequent itemsets of the baskets, in the order described in itemsets.hpp.
FrequentItemsets eclat(const BasketsView& baskets, const MiningParams& params);

}  // namespace crmmine::basket
