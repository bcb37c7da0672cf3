// Options shared by the frequent-itemset miners (apriori, fp_growth, eclat) and the
// rule turning a relative minimum support into a count: the smallest c with
// c / N >= min_support in double arithmetic (mlxtend's test). For supports written as
// decimals that is ceil(min_support * N) taken exactly, as arules and pyfim count.
#pragma once

#include <cstdint>

#include "crmmine/basket/itemsets.hpp"

namespace crmmine::basket {

struct MiningParams {
    // Minimum support as a fraction of all baskets (empty ones included), in (0, 1];
    // used when min_count is 0.
    double min_support = 0.01;
    // Minimum support as a number of baskets; > 0 overrides min_support.
    std::int64_t min_count = 0;
    int min_len = 1;  // smallest itemset reported
    int max_len = 0;  // largest itemset reported; 0: no limit
    // closed / maximal are judged against every frequent itemset, whatever the
    // length limits; min_len and max_len then only select which ones are reported.
    ItemsetKind kind = ItemsetKind::all;
    // Guards against an output explosion, checked while mining: exceeding either
    // throws ResourceLimitExceeded. For closed and maximal itemsets they count the
    // frequent itemsets the filter starts from (up to max_len + 1 items), and the
    // filter needs about 25 bytes per such itemset on top.
    std::int64_t max_itemsets = 20'000'000;
    std::int64_t max_output_bytes = std::int64_t{4} << 30;  // offsets + items + counts
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate() const;

    // The absolute minimum count for n_transactions baskets (at least 1).
    std::int64_t resolve_min_count(std::int64_t n_transactions) const;
};

// The smallest count c >= 1 with double(c) / n_transactions >= min_support, for
// min_support in (0, 1]: 0.07 of 100 baskets is 7 (ceil(0.07 * 100) in doubles
// would say 8), 0.001 of 9835 is 10.
std::int64_t min_count_for_support(double min_support, std::int64_t n_transactions);

}  // namespace crmmine::basket
