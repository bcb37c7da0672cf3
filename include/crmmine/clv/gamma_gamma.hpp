// The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and
// CLV: Using Iso-Value Curves"; Fader & Hardie 2013, "The Gamma-Gamma Model of
// Monetary Value"): a customer's transaction values are Gamma(p, nu) with nu
// Gamma(q, v) across customers, fitted on the mean value of the repeat purchases, as
// lifetimes' GammaGammaFitter.
#pragma once

#include <cstddef>
#include <vector>

#include "crmmine/clv/model_fit.hpp"

namespace crmmine {

struct GammaGamma {
    double p = 1.0, q = 1.0, v = 1.0;

    static GammaGamma from_params(const std::vector<double>& params);  // p, q, v
    std::vector<double> params() const { return {p, q, v}; }
    void validate() const;  // every parameter finite and positive
};

// Fitted on the customers with repeat purchases (frequency >= 1), who need a positive
// monetary_value; the others (frequency 0) are left out, as the model describes the
// mean value of repeat purchases.
ClvFit gamma_gamma_fit(const SpendHistoryView& data, const ClvFitParams& params = {});

ClvLogLikelihood log_likelihood(const GammaGamma& model, const SpendHistoryView& data,
                                int n_jobs = 0);
std::vector<double> individual_log_likelihood(const GammaGamma& model,
                                              const SpendHistoryView& data,
                                              int n_jobs = 0);

// E[mean spend per transaction | x, m] = p (v + x m) / (p x + q - 1), the weighted
// average of the customer's own mean m and the population mean p v / (q - 1);
// +infinity where p x + q <= 1 (the expectation does not exist). x may be 0.
std::vector<double> conditional_expected_average_profit(const GammaGamma& model,
                                                        const SpendHistoryView& data,
                                                        int n_jobs = 0);

}  // namespace crmmine
