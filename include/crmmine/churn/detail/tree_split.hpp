// The split search shared by the exact and the histogram tree: a feature at a node is a
// sequence of bins (distinct values, quantile bins or categories in target-rate order),
// each with its weighted class totals and row count, plus a missing-value bin. The scan
// visits the candidates in scikit-learn's order (missing values right, then left) so
// the first best candidate is the one scikit-learn keeps.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "crmmine/churn/decision_tree.hpp"

namespace crmmine::detail {

// Stats of a bin or node: n_classes weighted class totals, then the row count.
inline double stats_weight(const double* s, int n_classes) {
    double w = 0.0;
    for (int k = 0; k < n_classes; ++k) w += s[k];
    return w;
}

// Gini: 1 - sum p_k^2; entropy: -sum p_k log2 p_k (scikit-learn's units).
inline double node_impurity(const double* s, int n_classes, double weight,
                            TreeCriterion criterion) {
    if (weight <= 0.0) return 0.0;
    if (criterion == TreeCriterion::gini) {
        double squares = 0.0;
        for (int k = 0; k < n_classes; ++k) squares += s[k] * s[k];
        return 1.0 - squares / (weight * weight);
    }
    double entropy = 0.0;
    for (int k = 0; k < n_classes; ++k) {
        if (s[k] <= 0.0) continue;
        const double p = s[k] / weight;
        entropy -= p * std::log2(p);
    }
    return entropy;
}

struct SplitLimits {
    double min_samples_leaf = 1;
    double min_weight_leaf = 0;
    TreeCriterion criterion = TreeCriterion::gini;
};

// The best cut of one feature: the first n_left bins of the order go left, and the
// missing bin goes left when missing_left. missing_only_right marks the cut that sends
// every non-missing row left and the missing ones right.
struct FeatureCut {
    double proxy = -std::numeric_limits<double>::infinity();
    std::size_t n_left = 0;
    bool missing_left = false;
    bool missing_only_right = false;
    bool found() const { return n_left > 0; }
};

// stats: bins x (n_classes + 1); order: the bins to visit (non-empty ones); missing:
// the missing bin's stats; total: the node's stats.
inline FeatureCut best_cut(const double* stats, const std::int32_t* order,
                           std::size_t n_order, const double* missing,
                           const double* total, int n_classes,
                           const SplitLimits& limits) {
    const int stride = n_classes + 1;
    FeatureCut best;
    const bool has_missing = missing[n_classes] > 0.0;
    std::vector<double> left(static_cast<std::size_t>(stride));
    std::vector<double> right(static_cast<std::size_t>(stride));
    const double total_weight = stats_weight(total, n_classes);
    auto consider = [&](std::size_t n_left, bool missing_left) {
        for (int k = 0; k <= n_classes; ++k) right[k] = total[k] - left[k];
        if (left[n_classes] < limits.min_samples_leaf ||
            right[n_classes] < limits.min_samples_leaf)
            return;
        const double w_left = stats_weight(left.data(), n_classes);
        const double w_right = total_weight - w_left;
        if (w_left < limits.min_weight_leaf || w_right < limits.min_weight_leaf) return;
        const double proxy =
            -w_right *
                node_impurity(right.data(), n_classes, w_right, limits.criterion) -
            w_left * node_impurity(left.data(), n_classes, w_left, limits.criterion);
        if (proxy > best.proxy) {
            best.proxy = proxy;
            best.n_left = n_left;
            best.missing_left = missing_left;
            best.missing_only_right = has_missing && !missing_left && n_left == n_order;
        }
    };
    for (int pass = 0; pass < (has_missing ? 2 : 1); ++pass) {
        const bool missing_left = pass == 1;
        for (int k = 0; k <= n_classes; ++k) left[k] = missing_left ? missing[k] : 0.0;
        // The last cut of the first pass keeps every non-missing row left and sends
        // only the missing ones right; without missing rows it would leave right empty.
        const std::size_t last = has_missing && !missing_left ? n_order : n_order - 1;
        for (std::size_t p = 1; p <= last && n_order > 0; ++p) {
            const double* bin = stats + static_cast<std::size_t>(order[p - 1]) * stride;
            for (int k = 0; k <= n_classes; ++k) left[k] += bin[k];
            consider(p, missing_left);
        }
    }
    // Without missing rows at the node, unseen rows with a missing value follow the
    // bigger side, as in scikit-learn.
    if (best.found() && !has_missing) {
        double left_rows = 0.0;
        for (std::size_t p = 0; p < best.n_left; ++p)
            left_rows += stats[static_cast<std::size_t>(order[p]) * stride + n_classes];
        best.missing_left = left_rows > total[n_classes] - left_rows;
    }
    return best;
}

// Total impurity decrease per feature, weighted by node size and normalised to sum 1
// (scikit-learn's feature_importances_); stored in model.feature_importances.
void compute_feature_importances(DecisionTreeModel& model);

}  // namespace crmmine::detail
