// Market-basket analysis: frequent itemsets, association rules, cross-sell
// recommendation.
#pragma once

#include "crmmine/basket/apriori.hpp"
#include "crmmine/basket/eclat.hpp"
#include "crmmine/basket/fp_growth.hpp"
#include "crmmine/basket/itemsets.hpp"
#include "crmmine/basket/mining.hpp"
#include "crmmine/basket/mining_params.hpp"
#include "crmmine/basket/recommend.hpp"
#include "crmmine/basket/rules.hpp"
