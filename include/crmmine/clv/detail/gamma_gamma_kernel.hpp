// The Gamma-Gamma spend model's likelihood kernel (Fader & Hardie 2013).
#pragma once

#include <cmath>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/special_functions.hpp"

namespace crmmine {
namespace detail {

// Fader & Hardie (2013), eq. (1a) in logs, for a customer with x >= 1 repeat
// purchases of mean value m (row.t_x; row.T holds log m):
//   log Gamma(px + q) - log Gamma(px) - log Gamma(q) + q log v + (px - 1) log m
//   + px log x - (px + q) log(x m + v).
struct GammaGammaKernel {
    static constexpr int n_params = 3;
    static constexpr bool has_hessian = true;
    static constexpr bool has_x_steps = false;
    static constexpr bool has_time_table = false;
    double p, q, v, log_v, log_gamma_q;

    explicit GammaGammaKernel(const double* params)
        : p(params[0]),
          q(params[1]),
          v(params[2]),
          log_v(std::log(params[2])),
          log_gamma_q(log_gamma(params[1])) {}

    struct XTerms {
        double px = 0.0, log_x = 0.0;
        double log_ratio = 0.0;     // log Gamma(px + q) - log Gamma(px)
        double digamma_px = 0.0;    // digamma(px + q) - digamma(px)
        double digamma_q = 0.0;     // digamma(px + q) - digamma(q)
        double trigamma_sum = 0.0;  // trigamma(px + q)
        double trigamma_px = 0.0;   // trigamma(px + q) - trigamma(px)
        double trigamma_q = 0.0;    // trigamma(px + q) - trigamma(q)
    };

    XTerms x_terms(double x, int order) const {
        XTerms terms;
        terms.px = p * x;
        terms.log_x = std::log(x);
        terms.log_ratio = log_gamma_ratio(terms.px, q);
        if (order >= 1) {
            terms.digamma_px = digamma_difference(terms.px, q);
            terms.digamma_q = digamma_difference(q, terms.px);
        }
        if (order >= 2) {
            terms.trigamma_sum = trigamma(terms.px + q);
            terms.trigamma_px = trigamma_difference(terms.px, q);
            terms.trigamma_q = trigamma_difference(q, terms.px);
        }
        return terms;
    }

    double log_likelihood(const XTerms& terms, const CustomerRow& row, double* g,
                          double* h = nullptr) const {
        const double x = row.x, m = row.t_x, log_m = row.T;
        const double px = terms.px;
        const double total = x * m + v;
        const double log_total = std::log(total);
        if (h != nullptr) {
            const double inverse_total = 1.0 / total;
            h[0] = x * x * terms.trigamma_px;                                // p p
            h[1] = x * terms.trigamma_sum;                                   // p q
            h[2] = -x * inverse_total;                                       // p v
            h[3] = terms.trigamma_q;                                         // q q
            h[4] = 1.0 / v - inverse_total;                                  // q v
            h[5] = -q / (v * v) + (px + q) * inverse_total * inverse_total;  // v v
        }
        if (g != nullptr) {
            g[0] = x * (terms.digamma_px + log_m + terms.log_x - log_total);
            g[1] = terms.digamma_q + log_v - log_total;
            g[2] = q / v - (px + q) / total;
        }
        return terms.log_ratio - log_gamma_q + q * log_v + (px - 1.0) * log_m +
               px * terms.log_x - (px + q) * log_total;
    }
};

}  // namespace detail
}  // namespace crmmine
