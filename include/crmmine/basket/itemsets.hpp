// Frequent itemsets as the miners return them and the rule generator reads them: a CSR
// list of item-code sets (codes ascending inside each set) with their support counts.
#pragma once

#include <cstdint>
#include <vector>

#include "crmmine/core/baskets.hpp"

namespace crmmine::basket {

// Which itemsets a miner reports: every frequent one, only the closed ones (no superset
// with the same support) or only the maximal ones (no frequent superset).
enum class ItemsetKind { all, closed, maximal };

// Order of the itemsets, the same for every miner and thread count: rank the frequent
// items by ascending support, ties by ascending code, and write each itemset as its
// items in that rank order; itemsets then follow in lexicographic order of these
// sequences, a prefix before its extensions (the depth-first pre-order of the
// set-enumeration tree). Inside an itemset the codes are stored ascending.
struct FrequentItemsets {
    std::int64_t n_transactions = 0;
    std::vector<std::int64_t> offsets{0};  // size() + 1 offsets into items
    std::vector<std::int32_t> items;       // codes, ascending within each itemset
    std::vector<std::int64_t> counts;      // support count of each itemset

    std::int64_t size() const noexcept {
        return static_cast<std::int64_t>(counts.size());
    }
    ItemSpan itemset(std::int64_t i) const noexcept {
        return {items.data() + offsets[static_cast<std::size_t>(i)],
                items.data() + offsets[static_cast<std::size_t>(i) + 1]};
    }
};

}  // namespace crmmine::basket
