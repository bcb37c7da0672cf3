// Binary logistic regression with scikit-learn's objective: minimise
// C * sum_i s_i * logloss_i + penalty(coef), s_i = sample_weight_i * class_weight[y_i],
// the intercept unpenalised. Smooth penalties by Newton steps (Cholesky) or L-BFGS
// (Nocedal 1980, via LBFGS++), L1 and elastic-net by proximal Newton with coordinate
// descent (Yuan, Ho & Lin 2012).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "crmmine/core/matrix.hpp"

namespace crmmine {

enum class LogisticPenalty {
    none,
    l2,          // 0.5 * ||coef||^2
    l1,          // ||coef||_1
    elasticnet,  // l1_ratio * ||coef||_1 + 0.5 * (1 - l1_ratio) * ||coef||^2
};

enum class LogisticSolver {
    // newton for L1, elastic-net, and smooth penalties up to kNewtonMaxFeatures
    // features; lbfgs above that.
    automatic,
    // L-BFGS on the smooth objective: one pass over X per iteration, memory O(d).
    lbfgs,
    // Newton steps with the Hessian from the same pass as the gradient: O(d^2) work
    // per row and O(d^2) memory, in a handful of passes (proximal Newton for L1).
    newton,
};

// Up to this many features a Hessian pass costs little more than a gradient pass
// (the rank-k update runs at matrix-product speed), and Newton's few passes win.
inline constexpr std::int64_t kNewtonMaxFeatures = 256;

struct LogisticRegressionParams {
    LogisticPenalty penalty = LogisticPenalty::l2;
    double C = 1.0;         // inverse regularisation strength, > 0
    double l1_ratio = 0.5;  // elastic-net mixing in [0, 1]; only for elasticnet
    bool fit_intercept = true;
    // Weights of class 0 and class 1; balanced replaces them by
    // total weight / (2 * weight of the class), scikit-learn's "balanced".
    std::array<double, 2> class_weight{1.0, 1.0};
    bool balanced = false;
    LogisticSolver solver = LogisticSolver::automatic;
    int max_iter = 100;  // L-BFGS iterations or Newton steps
    // Converged when the largest entry of the (minimum-norm sub)gradient of the
    // objective divided by C * sum_i s_i is at most tol (scipy's gtol, as
    // scikit-learn's lbfgs).
    double tol = 1e-4;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate() const;
};

struct LogisticRegressionModel {
    std::vector<double> coef;  // one per feature
    double intercept = 0.0;
    int n_iter = 0;
    bool converged = false;
    double objective = 0.0;  // the minimised objective, in the units of the header

    // X * coef + intercept.
    std::vector<double> decision_function(Eigen::Ref<const RowMatrix<double>> X,
                                          int n_jobs = 0) const;
    // Probability of class 1.
    std::vector<double> predict_proba(Eigen::Ref<const RowMatrix<double>> X,
                                      int n_jobs = 0) const;
    // Both class probabilities into both (n x 2, row-major: class 0, class 1).
    void predict_proba(Eigen::Ref<const RowMatrix<double>> X, double* both,
                       int n_jobs = 0) const;
};

// y: n_samples labels in {0, 1}, both present. sample_weight: n_samples non-negative
// weights or nullptr for all ones. The arrays are borrowed for the duration of the
// call.
LogisticRegressionModel fit(Eigen::Ref<const RowMatrix<double>> X,
                            const std::uint8_t* y, const double* sample_weight,
                            const LogisticRegressionParams& params);

// The objective of the header at (coef, intercept), and its gradient with respect to
// (coef, intercept) when gradient is not null (n_features + 1 entries, the intercept
// last; the L1 part contributes sign(coef)).
double logistic_objective(Eigen::Ref<const RowMatrix<double>> X, const std::uint8_t* y,
                          const double* sample_weight,
                          const LogisticRegressionParams& params,
                          const std::vector<double>& coef, double intercept,
                          std::vector<double>* gradient = nullptr);

}  // namespace crmmine
