// The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchases follow a
// Poisson process with a Gamma(r, alpha) rate and lifetimes are exponential with a
// Gamma(s, beta) dropout rate. The likelihood follows Fader & Hardie's note "A Note on
// Deriving the Pareto/NBD Model and Related Expressions" (2005) with the hypergeometric
// term evaluated in logs about the larger of alpha and beta, P(X(t) = n) their note
// "Deriving an Expression for P(X(t) = x) Under the Pareto/NBD Model".
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crmmine/clv/model_fit.hpp"

namespace crmmine {

struct ParetoNbd {
    double r = 1.0, alpha = 1.0, s = 1.0, beta = 1.0;

    static ParetoNbd from_params(
        const std::vector<double>& params);  // r, alpha, s, beta
    std::vector<double> params() const { return {r, alpha, s, beta}; }
    void validate() const;  // every parameter finite and positive
};

ClvFit pareto_nbd_fit(const PurchaseHistoryView& data, const ClvFitParams& params = {});

ClvLogLikelihood log_likelihood(const ParetoNbd& model, const PurchaseHistoryView& data,
                                int n_jobs = 0);
std::vector<double> individual_log_likelihood(const ParetoNbd& model,
                                              const PurchaseHistoryView& data,
                                              int n_jobs = 0);

// Expected repeat purchases in (T, T + t] given the history; t holds 1 or data.n
// horizons.
std::vector<double> conditional_expected_number_of_purchases_up_to_time(
    const ParetoNbd& model, const double* t, std::size_t n_t,
    const PurchaseHistoryView& data, int n_jobs = 0);
// Expected repeat purchases in (0, t] of a new customer.
std::vector<double> expected_number_of_purchases_up_to_time(const ParetoNbd& model,
                                                            const double* t,
                                                            std::size_t n_t,
                                                            int n_jobs = 0);
// Probability that the customer has not dropped out by T.
std::vector<double> conditional_probability_alive(const ParetoNbd& model,
                                                  const PurchaseHistoryView& data,
                                                  int n_jobs = 0);
// P(N(t) = n) for a new customer; t and n broadcast (length 1 or a common length).
std::vector<double> probability_of_n_purchases_up_to_time(
    const ParetoNbd& model, const double* t, std::size_t n_t, const std::int64_t* n,
    std::size_t n_n, int n_jobs = 0);

}  // namespace crmmine
