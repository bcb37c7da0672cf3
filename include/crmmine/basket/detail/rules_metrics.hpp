// mlxtend's rule metrics (see RuleMetric in rules.hpp) evaluated on the support counts:
// each fraction s = count / n is multiplied out, so ratios of counts are rounded once
// and the zero tests of mlxtend (1 - sC == 0, max(...) == 0) become exact integer
// tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "crmmine/basket/rules.hpp"

namespace crmmine::basket::detail {

// The three support counts of a rule A -> C and the number of transactions, as doubles
// (exact below 2^53).
struct RuleCounts {
    double both = 0.0;        // count(A u C)
    double antecedent = 0.0;  // count(A)
    double consequent = 0.0;  // count(C)
    double n = 1.0;           // n_transactions
};

inline double metric_value(RuleMetric metric, const RuleCounts& c) noexcept {
    const double ac = c.both, a = c.antecedent, k = c.consequent, n = c.n;
    switch (metric) {
        case RuleMetric::antecedent_support:
            return a / n;
        case RuleMetric::consequent_support:
            return k / n;
        case RuleMetric::support:
            return ac / n;
        case RuleMetric::confidence:
            return ac / a;
        case RuleMetric::lift:
            return (ac * n) / (a * k);
        case RuleMetric::leverage:
            return (ac * n - a * k) / (n * n);
        case RuleMetric::conviction:
            // mlxtend: +inf unless confidence < 1, which a NaN confidence (0 / 0) is
            // not.
            return ac < a ? (a * (n - k)) / (n * (a - ac))
                          : std::numeric_limits<double>::infinity();
        case RuleMetric::zhangs_metric: {
            const double denominator = std::max(ac * (n - a), a * (k - ac));
            return denominator == 0.0 ? 0.0 : (ac * n - a * k) / denominator;
        }
        case RuleMetric::jaccard:
            return ac / (a + k - ac);
        case RuleMetric::certainty:
            return k == n ? 0.0 : (ac * n - a * k) / (a * (n - k));
        case RuleMetric::kulczynski:
            return (ac / a + ac / k) / 2.0;
    }
    return 0.0;
}

}  // namespace crmmine::basket::detail
