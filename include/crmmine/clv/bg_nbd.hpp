// The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting Your
// Customers the Easy Way"): purchases follow a Poisson process whose rate is
// Gamma(r, alpha) across customers, and after each purchase a customer drops out with
// a probability that is Beta(a, b) across customers. Predictions follow the paper's
// equations (8)-(10) and Fader & Hardie's note on P(alive), as lifetimes'
// BetaGeoFitter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crmmine/clv/model_fit.hpp"

namespace crmmine {

struct BgNbd {
    double r = 1.0, alpha = 1.0, a = 1.0, b = 1.0;

    static BgNbd from_params(const std::vector<double>& params);  // r, alpha, a, b
    std::vector<double> params() const { return {r, alpha, a, b}; }
    void validate() const;  // every parameter finite and positive
};

ClvFit bg_nbd_fit(const PurchaseHistoryView& data, const ClvFitParams& params = {});

ClvLogLikelihood log_likelihood(const BgNbd& model, const PurchaseHistoryView& data,
                                int n_jobs = 0);
std::vector<double> individual_log_likelihood(const BgNbd& model,
                                              const PurchaseHistoryView& data,
                                              int n_jobs = 0);

// Expected repeat purchases in (T, T + t] given the history; t holds 1 or data.n
// horizons.
std::vector<double> conditional_expected_number_of_purchases_up_to_time(
    const BgNbd& model, const double* t, std::size_t n_t,
    const PurchaseHistoryView& data, int n_jobs = 0);
// Expected repeat purchases in (0, t] of a new customer.
std::vector<double> expected_number_of_purchases_up_to_time(const BgNbd& model,
                                                            const double* t,
                                                            std::size_t n_t,
                                                            int n_jobs = 0);
// Probability that the customer has not dropped out by T.
std::vector<double> conditional_probability_alive(const BgNbd& model,
                                                  const PurchaseHistoryView& data,
                                                  int n_jobs = 0);
// P(N(t) = n) for a new customer; t and n broadcast (length 1 or a common length).
std::vector<double> probability_of_n_purchases_up_to_time(
    const BgNbd& model, const double* t, std::size_t n_t, const std::int64_t* n,
    std::size_t n_n, int n_jobs = 0);

}  // namespace crmmine
