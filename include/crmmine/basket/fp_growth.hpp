// FP-growth (Han, Pei & Yin 2000): the baskets compressed into a prefix tree over
// items ranked by support; conditional databases below it as merged prefix-path arrays
// (AFOPT's choice for sparse data), perfect extensions and single paths enumerated
// without projecting. Top-level items run in parallel, results joined in item order.
#pragma once

#include "crmmine/basket/itemsets.hpp"
#include "crmmine/basket/mining_params.hpp"
#include "crmmine/core/baskets.hpp"

namespace crmmine::basket {

// Frequent itemsets of the baskets, in the order described in itemsets.hpp.
FrequentItemsets fp_growth(const BasketsView& baskets, const MiningParams& params);

}  // namespace crmmine::basket
