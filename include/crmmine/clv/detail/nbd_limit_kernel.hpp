// The NBD of purchases alone (Ehrenberg 1959): Poisson purchases at a Gamma(r, alpha)
// rate, L = Gamma(r + x) / Gamma(r) alpha^r (alpha + T)^-(r + x), with its analytic
// Hessian. It is the limit of the Pareto/NBD as s / beta -> 0 and of the BG/NBD and
// MBG/NBD as a / b -> 0, where fits on data without dropout end.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/special_functions.hpp"

namespace crmmine {
namespace detail {

struct NbdLimitKernel {
    static constexpr int n_params = 2;
    static constexpr bool has_hessian = true;
    static constexpr bool has_x_steps = true;
    static constexpr bool has_time_table = true;
    double r, alpha, log_alpha, inverse_alpha;
    const double* time_shift = nullptr;  // log1p(t / alpha) by CustomerRow slot

    explicit NbdLimitKernel(const double* params)
        : r(params[0]),
          alpha(params[1]),
          log_alpha(std::log(params[1])),
          inverse_alpha(1.0 / params[1]) {}

    void use_times(const std::vector<double>& times, std::vector<double>& table) {
        table.resize(times.size());
        for (std::size_t i = 0; i < times.size(); ++i)
            table[i] = log1p_fast(times[i] * inverse_alpha);
        time_shift = table.data();
    }

    struct XTerms {
        double log_rising_r = 0.0;  // log Gamma(r + x) / Gamma(r)
        double digamma_r = 0.0;     // digamma(r + x) - digamma(r)
        double trigamma_r = 0.0;    // trigamma(r + x) - trigamma(r)
    };

    XTerms x_terms(double x, int order) const {
        XTerms terms;
        terms.log_rising_r = log_gamma_ratio(r, x);
        if (order >= 1) terms.digamma_r = digamma_difference(r, x);
        if (order >= 2) terms.trigamma_r = trigamma_difference(r, x);
        return terms;
    }

    void step_x_terms(XTerms& terms, double x, int order) const {
        terms.log_rising_r += std::log(r + x);
        const double inverse_r = 1.0 / (r + x);
        if (order >= 1) terms.digamma_r += inverse_r;
        if (order >= 2) terms.trigamma_r -= inverse_r * inverse_r;
    }

    // Written as the models write their "alive" branch, so that they agree where
    // the dropout is negligible.
    double log_likelihood(const XTerms& terms, const CustomerRow& row, double* g,
                          double* h = nullptr) const {
        const double x = row.x, T = row.T;
        const double shift = time_shift != nullptr ? time_shift[row.T_slot]
                                                   : log1p_fast(T * inverse_alpha);
        if (g != nullptr) {
            const double inverse_T = 1.0 / (alpha + T);
            g[0] = terms.digamma_r - shift;
            g[1] = (r * T - x * alpha) * inverse_alpha * inverse_T;
            if (h != nullptr) {
                h[0] = terms.trigamma_r;
                h[1] = T * inverse_alpha * inverse_T;
                h[2] = -r * inverse_alpha * inverse_alpha +
                       (r + x) * inverse_T * inverse_T;
            }
        }
        return terms.log_rising_r - r * shift - x * (log_alpha + shift);
    }
};

}  // namespace detail
}  // namespace crmmine
