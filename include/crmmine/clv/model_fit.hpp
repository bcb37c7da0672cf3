// What every customer-lifetime-value model shares: the customer summaries they read
// (lifetimes' frequency / recency / T / monetary_value columns), the settings of a
// maximum-likelihood fit, the fitted result with its covariance, and a runtime choice
// of model by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crmmine/core/matrix.hpp"

namespace crmmine {

// Repeat-purchase history of n customers, borrowed for the duration of a call:
// frequency x (repeat purchases, a whole number), recency t_x (age at the last
// purchase; 0 when x is 0) and age T (time from the first purchase to the end of the
// observation), in one time unit; t_x <= T. weights (nullptr: all 1) count customers
// sharing the row.
struct PurchaseHistoryView {
    const double* frequency = nullptr;
    const double* recency = nullptr;
    const double* T = nullptr;
    const double* weights = nullptr;
    std::size_t n = 0;
};

// Spend history for the Gamma-Gamma model: frequency x (repeat purchases) and
// monetary_value, the mean value of those purchases.
struct SpendHistoryView {
    const double* frequency = nullptr;
    const double* monetary_value = nullptr;
    const double* weights = nullptr;
    std::size_t n = 0;
};

enum class ClvModel { bg_nbd, modified_bg_nbd, pareto_nbd, gamma_gamma };

// "bg_nbd", "modified_bg_nbd", "pareto_nbd", "gamma_gamma"; anything else throws
// InvalidArgument listing these.
ClvModel clv_model_from_name(const std::string& name);
const char* clv_model_name(ClvModel model) noexcept;
// Parameter names in order: r, alpha, a, b (BG/NBD, MBG/NBD); r, alpha, s, beta
// (Pareto/NBD); p, q, v (Gamma-Gamma).
std::vector<std::string> clv_parameter_names(ClvModel model);

struct ClvFitParams {
    // Adds penalizer * sum(theta^2) to the negative mean log-likelihood, as lifetimes'
    // penalizer_coef: theta are the natural parameters with the time scales alpha and
    // beta measured in units where the largest T is 1 (so the penalty does not depend
    // on the time unit) and Gamma-Gamma's v in money units.
    double penalizer = 0.0;
    // Starting values on the natural scale (in the data's time unit); empty: every
    // parameter 1 in units where the largest T is 1 (the mean monetary value for v).
    std::vector<double> initial;
    // Newton (L-BFGS for the Pareto/NBD) iterations, those of the fit on the limit
    // without dropout included where a purchase model ends there.
    int max_iter = 1000;
    // Convergence: every component of the gradient of the penalized negative mean
    // log-likelihood with respect to the log-parameters is at most tol.
    double tol = 1e-7;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()
    // Whether the fit computes ClvFit::covariance. Without an analytic Hessian (the
    // Pareto/NBD) that takes eight more passes over the customers, more than the fit
    // itself on a large history; false leaves it empty for clv_covariance to compute
    // when the standard errors are wanted.
    bool covariance = true;

    void validate(ClvModel model) const;
};

// A fitted model: plain data. Non-convergence is reported, not thrown.
struct ClvFit {
    ClvModel model = ClvModel::bg_nbd;
    std::vector<double> params;   // natural scale, in the data's time unit
    double log_likelihood = 0.0;  // total over customers, weighted, without penalty
    double mean_log_likelihood = 0.0;  // log_likelihood / sum of weights
    // Inverse of the Hessian of the (penalized) total negative log-likelihood with
    // respect to the natural parameters at the optimum; NaN when that Hessian is not
    // positive definite; empty when ClvFitParams::covariance was false.
    RowMatrix<double> covariance;
    int n_iter = 0;
    bool converged = false;
    std::string message;
    // Rows the likelihood was summed over: the distinct customer rows of a purchase
    // model; the customers with repeat purchases of a Gamma-Gamma fit.
    std::int64_t n_unique = 0;

    std::vector<double> standard_errors() const;
};

// Log-likelihood summed over customers (weighted) and its gradient with respect to the
// log-parameters.
struct ClvLogLikelihood {
    double total = 0.0;
    std::vector<double> gradient;
};

// Runtime choice of model, for bindings: `params` in the order of
// clv_parameter_names. For Gamma-Gamma `recency` carries the monetary values and T is
// unused.
ClvFit clv_fit(ClvModel model, const PurchaseHistoryView& data,
               const ClvFitParams& params = {});
ClvLogLikelihood clv_log_likelihood(ClvModel model, const std::vector<double>& params,
                                    const PurchaseHistoryView& data, int n_jobs = 0);
// ClvFit::covariance of a fit of `data` with `settings` (penalizer, n_jobs) that found
// `params`: the same Hessian, taken later.
RowMatrix<double> clv_covariance(ClvModel model, const std::vector<double>& params,
                                 const PurchaseHistoryView& data,
                                 const ClvFitParams& settings = {});
std::vector<double> clv_individual_log_likelihood(ClvModel model,
                                                  const std::vector<double>& params,
                                                  const PurchaseHistoryView& data,
                                                  int n_jobs = 0);
// t holds 1 or data.n horizons.
std::vector<double> clv_conditional_expected_purchases(
    ClvModel model, const std::vector<double>& params, const double* t, std::size_t n_t,
    const PurchaseHistoryView& data, int n_jobs = 0);
std::vector<double> clv_expected_purchases(ClvModel model,
                                           const std::vector<double>& params,
                                           const double* t, std::size_t n_t,
                                           int n_jobs = 0);
std::vector<double> clv_probability_alive(ClvModel model,
                                          const std::vector<double>& params,
                                          const PurchaseHistoryView& data,
                                          int n_jobs = 0);
// t and n broadcast against each other (each of length 1 or the common length).
std::vector<double> clv_probability_n_purchases(ClvModel model,
                                                const std::vector<double>& params,
                                                const double* t, std::size_t n_t,
                                                const std::int64_t* n, std::size_t n_n,
                                                int n_jobs = 0);

}  // namespace crmmine
