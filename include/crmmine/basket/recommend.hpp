// Cross-sell recommendation from association rules: the rules whose antecedent a
// basket (or a customer's purchase history) contains vote for their consequent items,
// and each basket gets its top_n items by the votes' score, e.g. confidence or lift
// (the association-rule recommender of recommenderlab and Sarwar et al. 2000).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "crmmine/basket/rules.hpp"
#include "crmmine/core/baskets.hpp"

namespace crmmine::basket {

// Borrowed rules in the layout of AssociationRules, plus the value each rule votes
// with and the value that breaks ties between equal votes. Lifetime as BasketsView:
// the arrays outlive the call and stay unchanged during it.
struct RuleSetView {
    const std::int64_t* antecedent_offsets = nullptr;  // n_rules + 1, [0] == 0
    const std::int32_t* antecedent_items = nullptr;
    const std::int64_t* consequent_offsets = nullptr;  // n_rules + 1, [0] == 0
    const std::int32_t* consequent_items = nullptr;
    const double* score = nullptr;      // n_rules values, none NaN
    const double* tie_break = nullptr;  // n_rules values, none NaN; may be null (all 0)
    std::int64_t n_rules = 0;

    // Throws InvalidArgument unless the offsets rise from 0, every code lies in
    // [0, n_items), no consequent repeats a code and no value is NaN.
    void validate(std::int32_t n_items) const;
};

// A view of rules made by association_rules, voting with one of their metrics.
RuleSetView rule_set(const AssociationRules& rules, RuleMetric score,
                     RuleMetric tie_break = RuleMetric::confidence) noexcept;

// How the votes of several rules for one item combine.
enum class Aggregate {
    max,  // the best rule's (score, tie_break), compared score first
    sum,  // score and tie_break each summed over the rules, in rule order
};
Aggregate parse_aggregate(std::string_view name);  // "max" or "sum"

struct RecommendParams {
    int top_n = 10;  // at most this many items per basket, >= 1
    Aggregate aggregate = Aggregate::max;
    bool exclude_basket = true;  // never recommend what the basket already holds
    int n_jobs = 0;              // 0: crmmine::get_num_threads()

    void validate() const;
};

// Recommendations of basket b: items[indptr[b] .. indptr[b + 1]) with their scores,
// best first.
struct Recommendations {
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> items;
    std::vector<double> scores;

    std::int64_t n_baskets() const noexcept {
        return static_cast<std::int64_t>(indptr.size()) - 1;
    }
};

// A rule fires for a basket when its antecedent is a subset of the basket (an empty
// antecedent always fires). Every consequent item of a firing rule (except those in
// the basket, with exclude_basket) becomes a candidate whose score and tie-break value
// combine over the firing rules by params.aggregate. Candidates rank by score
// descending, then tie-break value descending, then item code ascending; each basket
// keeps the first top_n (fewer when there are fewer candidates, none for an empty
// basket unless some antecedent is empty). Baskets are scored in parallel; the output
// does not depend on the thread count.
Recommendations recommend(const RuleSetView& rules, const BasketsView& baskets,
                          const RecommendParams& params = {});

}  // namespace crmmine::basket
