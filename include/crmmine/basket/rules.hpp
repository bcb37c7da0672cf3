// Association rules from frequent itemsets (Agrawal, Imielinski & Swami 1993), scored
// with the metrics of mlxtend's association_rules (null_values=False): support,
// confidence, lift, leverage (Piatetsky-Shapiro 1991), conviction (Brin et al. 1997),
// Zhang's metric (Zhang 2000), Jaccard, certainty factor and Kulczynski.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "crmmine/basket/itemsets.hpp"
#include "crmmine/core/baskets.hpp"

namespace crmmine::basket {

// In the order of mlxtend's columns. With supports as fractions of the transactions
// (sA, sC, sAC) and conf = sAC / sA, mlxtend defines
//   lift          = conf / sC
//   leverage      = sAC - sA sC
//   conviction    = (1 - sC) / (1 - conf) when conf < 1, else +inf (NaN conf too)
//   zhangs_metric = leverage / max(sAC (1 - sA), sA (sC - sAC)), 0 when the max is 0
//   jaccard       = sAC / (sA + sC - sAC)
//   certainty     = (conf - sC) / (1 - sC), 0 when sC = 1
//   kulczynski    = (sAC / sA + sAC / sC) / 2
// with every other 0 / 0 NaN and x / 0 +-inf, as numpy gives. crmmine evaluates these
// expressions on the integer support counts (conf = count(A u C) / count(A), lift =
// count(A u C) N / (count(A) count(C)), ...): the same values up to the last bit or
// two, and exact at boundaries such as confidence 1/2 or lift 1.
enum class RuleMetric {
    antecedent_support,
    consequent_support,
    support,
    confidence,
    lift,
    leverage,
    conviction,
    zhangs_metric,
    jaccard,
    certainty,
    kulczynski,
};
inline constexpr int n_rule_metrics = 11;

// mlxtend's column name: "antecedent support", "consequent support", "support", ...
std::string_view rule_metric_name(RuleMetric metric) noexcept;
// The metric of that column name; throws InvalidArgument naming `metric` and listing
// the valid names otherwise.
RuleMetric parse_rule_metric(std::string_view name);

// Which splits of an itemset become rules.
enum class Consequents {
    single,  // one item on the right (arules semantics): A \ {c} -> {c}
    all,     // every non-empty proper split (mlxtend semantics): A -> I \ A
};
Consequents parse_consequents(std::string_view name);  // "single" or "all"

struct RuleParams {
    Consequents consequents = Consequents::all;
    // A rule is kept when metric(rule) >= min_threshold (NaN never is).
    RuleMetric metric = RuleMetric::confidence;
    double min_threshold = 0.8;
    int max_antecedent_len = 0;  // 0: no limit
    int max_consequent_len = 0;  // 0: no limit (single: always 1)
    // Every rule's items (antecedent u consequent) include all of these codes.
    std::vector<std::int32_t> must_contain;
    // When set, every consequent item is one of these codes (an empty list allows
    // none, so no rule is made).
    std::optional<std::vector<std::int32_t>> consequent_in;
    // Guards against an explosion: more rules than this, or more than
    // 100 * max_rules candidate splits to score, throw ResourceLimitExceeded.
    std::int64_t max_rules = 50'000'000;
    // Also write each rule's antecedent and consequent codes (AssociationRules'
    // offsets and items); the indices of both among the itemsets are always written.
    bool item_lists = true;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate() const;
};

// Rule r: antecedent items antecedent_items[antecedent_offsets[r] ..
// antecedent_offsets[r + 1]), codes ascending; the consequent alike; metrics[m][r] the
// value of RuleMetric m.
//
// Order: rules come by source itemset in input order; within an itemset of size k by
// antecedent size from k - 1 down to 1 (consequent size up), and within one size by
// the antecedent's item positions in lexicographic order (for {1, 2, 3}: {1, 2} -> {3},
// {1, 3} -> {2}, {2, 3} -> {1}, {1} -> {2, 3}, {2} -> {1, 3}, {3} -> {1, 2}). The
// single rules are thus the all rules with one consequent item, in the same order.
struct AssociationRules {
    // Rule r's antecedent and consequent as indices into the input itemsets.
    std::vector<std::int64_t> antecedent_index;
    std::vector<std::int64_t> consequent_index;
    // Their codes, when RuleParams::item_lists (else the offsets are just {0}).
    std::vector<std::int64_t> antecedent_offsets{0};
    std::vector<std::int32_t> antecedent_items;
    std::vector<std::int64_t> consequent_offsets{0};
    std::vector<std::int32_t> consequent_items;
    std::array<std::vector<double>, n_rule_metrics> metrics;

    std::int64_t size() const noexcept {
        return static_cast<std::int64_t>(antecedent_index.size());
    }
    std::vector<double>& metric(RuleMetric m) noexcept {
        return metrics[static_cast<std::size_t>(m)];
    }
    const std::vector<double>& metric(RuleMetric m) const noexcept {
        return metrics[static_cast<std::size_t>(m)];
    }
    ItemSpan antecedent(std::int64_t r) const noexcept {
        const auto i = static_cast<std::size_t>(r);
        return {antecedent_items.data() + antecedent_offsets[i],
                antecedent_items.data() + antecedent_offsets[i + 1]};
    }
    ItemSpan consequent(std::int64_t r) const noexcept {
        const auto i = static_cast<std::size_t>(r);
        return {consequent_items.data() + consequent_offsets[i],
                consequent_items.data() + consequent_offsets[i + 1]};
    }
};

// Borrowed frequent itemsets (the layout of FrequentItemsets), so numpy arrays pass
// without a copy. Lifetime as BasketsView: the arrays outlive the call and stay
// unchanged during it.
struct FrequentItemsetsView {
    const std::int64_t* offsets = nullptr;  // n_itemsets + 1, offsets[0] == 0
    const std::int32_t* items = nullptr;    // codes >= 0, ascending within each set
    const std::int64_t* counts = nullptr;   // in [0, n_transactions]
    std::int64_t n_itemsets = 0;
    std::int64_t n_transactions = 0;

    // Throws InvalidArgument naming `itemsets` unless the layout above holds and
    // n_transactions > 0.
    void validate() const;
};

FrequentItemsetsView view(const FrequentItemsets& itemsets) noexcept;

// Every rule of the itemsets that passes the filters. Each subset of an itemset a rule
// needs (its antecedent and its consequent) must be among the itemsets, as with
// kind='all', min_len=1 mining; otherwise InvalidArgument names `itemsets`. The same
// itemset twice is an error too. The output does not depend on the thread count.
AssociationRules association_rules(const FrequentItemsetsView& itemsets,
                                   const RuleParams& params = {});
AssociationRules association_rules(const FrequentItemsets& itemsets,
                                   const RuleParams& params = {});

}  // namespace crmmine::basket
