// Special functions for the customer-lifetime-value likelihoods, all in logs so that
// customers with hundreds of purchases stay finite: ratios of gamma functions and
// differences of digammas without cancellation (Stirling's series for large
// arguments), log-sum-exp helpers, and the Gaussian hypergeometric series
// 2F1(1, p; q; z) with its partial derivatives (Abramowitz & Stegun 15.1.1).
#pragma once

#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>
#include <limits>

#include "crmmine/core/logistic_functions.hpp"

namespace crmmine {
namespace detail {

// Double precision throughout: Boost's default would promote to long double, which is
// slower and buys nothing the callers need.
using ClvMathPolicy =
    boost::math::policies::policy<boost::math::policies::promote_double<false>>;

inline double log_gamma(double y) {
    return boost::math::lgamma(y, ClvMathPolicy());
}
inline double digamma(double y) {
    return boost::math::digamma(y, ClvMathPolicy());
}

inline double trigamma(double y) {
    return boost::math::trigamma(y, ClvMathPolicy());
}

// Regularized incomplete beta I_z(a, b).
inline double regularized_beta(double a, double b, double z) {
    return boost::math::ibeta(a, b, z, ClvMathPolicy());
}

// lgamma(y) minus its Stirling approximation (y - 1/2) log y - y + log(2 pi) / 2, for
// y >= 10; the next term of the series is below 1e-17 there.
inline double stirling_remainder(double y) {
    const double r = 1.0 / y;
    const double r2 = r * r;
    return r * (1.0 / 12 +
                r2 * (-1.0 / 360 +
                      r2 * (1.0 / 1260 +
                            r2 * (-1.0 / 1680 +
                                  r2 * (1.0 / 1188 +
                                        r2 * (-691.0 / 360360 +
                                              r2 * (1.0 / 156 +
                                                    r2 * (-3617.0 / 122400))))))));
}

// digamma(y) - log(y) for y >= 10 (asymptotic series).
inline double digamma_remainder(double y) {
    const double r = 1.0 / y;
    const double r2 = r * r;
    return -0.5 * r -
           r2 * (1.0 / 12 +
                 r2 * (-1.0 / 120 +
                       r2 * (1.0 / 252 +
                             r2 * (-1.0 / 240 +
                                   r2 * (1.0 / 132 +
                                         r2 * (-691.0 / 32760 + r2 * (1.0 / 12)))))));
}

// log(Gamma(y + d) / Gamma(y)) for y > 0, d >= 0. Subtracting two lgamma values loses
// every digit once y is large (a dropout parameter drifting to 1e8); the Stirling form
// keeps the difference exact.
inline double log_gamma_ratio(double y, double d) {
    if (d == 0.0) return 0.0;
    if (y >= 10.0)
        return (y - 0.5) * std::log1p(d / y) + d * std::log(y + d) - d +
               (stirling_remainder(y + d) - stirling_remainder(y));
    return log_gamma(y + d) - log_gamma(y);
}

// digamma(y + d) - digamma(y) for y > 0, d >= 0, without cancellation for large y.
inline double digamma_difference(double y, double d) {
    if (d == 0.0) return 0.0;
    if (y >= 10.0)
        return std::log1p(d / y) + (digamma_remainder(y + d) - digamma_remainder(y));
    return digamma(y + d) - digamma(y);
}

// trigamma(y) - 1/y for y >= 10 (asymptotic series): the derivative of
// digamma_remainder.
inline double trigamma_remainder(double y) {
    const double r = 1.0 / y;
    const double r2 = r * r;
    return r2 *
           (0.5 + r * (1.0 / 6 +
                       r2 * (-1.0 / 30 +
                             r2 * (1.0 / 42 +
                                   r2 * (-1.0 / 30 +
                                         r2 * (5.0 / 66 + r2 * (-691.0 / 2730 +
                                                                r2 * (7.0 / 6))))))));
}

// trigamma(y + d) - trigamma(y) for y > 0, d >= 0, without cancellation for large y:
// the derivative in y of digamma_difference.
inline double trigamma_difference(double y, double d) {
    if (d == 0.0) return 0.0;
    if (y >= 10.0)
        return -d / (y * (y + d)) + (trigamma_remainder(y + d) - trigamma_remainder(y));
    return trigamma(y + d) - trigamma(y);
}

// log B(a, b).
inline double log_beta(double a, double b) {
    return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
}

// log[p^a q^b / B(a, b)] at p = a / (a + b), q = 1 - p: the peak of the Beta(a, b)
// density of logit(p). With a and b both large the three log-gammas of log B are of
// order a log a and their difference keeps none of its digits; Stirling's form leaves
// the half-logarithms and remainders, each exact.
inline double log_logit_beta_peak(double a, double b) {
    if (a >= 10.0 && b >= 10.0)
        return 0.5 * std::log(a / (a + b) * b / (2.0 * 3.14159265358979323846)) -
               stirling_remainder(a) - stirling_remainder(b) +
               stirling_remainder(a + b);
    const double small = std::fmin(a, b), large = std::fmax(a, b);
    // log B(a, b) = lgamma(small) - log(Gamma(large + small) / Gamma(large))
    return small * std::log(small / (a + b)) - large * std::log1p(small / large) -
           log_gamma(small) + log_gamma_ratio(large, small);
}

// log(1 + x) for x > -1 to a few ulps through the faster log (Goldberg 1991, "What
// every computer scientist should know about floating-point arithmetic", thm. 4):
// glibc's log1p costs about three logs and sits in every likelihood term.
inline double log1p_fast(double x) {
    const double u = 1.0 + x;
    return u == 1.0 ? x : std::log(u) * (x / (u - 1.0));
}

// log(exp(a) + exp(b)).
inline double log_sum_exp(double a, double b) {
    if (a == -std::numeric_limits<double>::infinity()) return b;
    if (b == -std::numeric_limits<double>::infinity()) return a;
    return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

// (1 - w^eps) / eps for w = exp(log_w) in (0, 1], continuous at eps = 0 (where it is
// -log w): the expected-purchase formulas divide by s - 1 or a - 1, which may be
// arbitrarily close to zero.
inline double one_minus_power_over(double eps, double log_w) {
    if (eps == 0.0) return -log_w;
    return -std::expm1(eps * log_w) / eps;
}

// log 2F1(1, p; q; z) for 0 < p < q and 0 <= z < 1, and optionally its partial
// derivatives. All terms (p)_k / (q)_k z^k are positive and shrink by at least z per
// step, so the sum lies in [1, 1/(1 - z)] and never overflows. Converges within
// max_terms unless z is close to 1 and q - p is small; then `converged` is false.
struct Hyp2f1Series {
    double log_value = 0.0;
    double d_p = 0.0;  // d log 2F1 / dp
    double d_q = 0.0;  // d log 2F1 / dq
    double d_z = 0.0;  // d log 2F1 / dz
    bool converged = true;
};

// Whether the series of 2F1(1, p; q; z) is sure not to meet its stopping rule within
// max_terms: its terms shrink, so it cannot stop while the last one, (p)_K / (q)_K z^K,
// is above eps (the sum is at least 1). Near z = 1 a dropout integral would otherwise
// spend thousands of terms before falling back to quadrature.
inline bool series_outlasts(double p, double q, double z, int max_terms, double eps) {
    const double terms = static_cast<double>(max_terms);
    const double log_eps = std::log(eps);
    // z^K <= exp(-(1 - z) K): far from z = 1 the answer needs no logarithm of z.
    if ((1.0 - z) * terms > -log_eps) return false;
    const double log_z_part = terms * std::log(z);
    if (log_z_part < log_eps) return false;
    const double log_last =
        log_z_part + log_gamma_ratio(p, terms) - log_gamma_ratio(q, terms);
    return log_last > log_eps + 1.0;
}

// 1 / a and 1 / (a + 1) from one division when paired (a (a + 1) must be finite),
// else 1 / a and 0.
struct Reciprocals {
    double first, second;
};
inline Reciprocals reciprocals(double a, bool paired) {
    if (!paired) return {1.0 / a, 0.0};
    const double inverse_pair = 1.0 / (a * (a + 1.0));
    return {(a + 1.0) * inverse_pair, a * inverse_pair};
}

inline Hyp2f1Series log_hyp2f1_1pq(double p, double q, double z, bool with_gradient,
                                   int max_terms = 2000) {
    Hyp2f1Series out;
    if (z == 0.0) {
        out.d_z = p / q;
        return out;
    }
    constexpr double eps = 1e-16;
    if (series_outlasts(p, q, z, max_terms, eps)) {
        out.converged = false;
        return out;
    }
    const double one_minus_z = 1.0 - z;
    double term = 1.0, sum = 1.0;
    double sum_dp = 0.0, sum_dq = 0.0, sum_k = 0.0;  // sum of term * d log term
    double acc_p = 0.0, acc_q = 0.0;                 // d log term / dp, / dq
    // Two terms a step, with one division for the pair: 1 / (q + k) and
    // 1 / (q + k + 1) are both (q + k + 1 or q + k) / ((q + k)(q + k + 1)), and the
    // divisions, not the additions, bound the loop. The product stays finite for
    // q < 1e150; beyond, one division a term.
    const bool paired = q < 1e150;
    for (int k = 0;; k += paired ? 2 : 1) {
        if (k >= max_terms) {
            out.converged = false;
            break;
        }
        const double kd = static_cast<double>(k);
        const double p0 = p + kd;
        const Reciprocals inverse_q = reciprocals(q + kd, paired);
        const double first = term * p0 * inverse_q.first * z;
        const double second = paired ? first * (p0 + 1.0) * inverse_q.second * z : 0.0;
        term = paired ? second : first;
        sum += first + second;
        // Later ratios stay below z, so the tail is below term * z / (1 - z); the
        // derivative sums carry at most a further factor (k + 1) / (1 - z).
        const double tail = term / one_minus_z;
        const double last_k = kd + (paired ? 1.0 : 0.0);
        if (with_gradient) {
            const Reciprocals inverse_p = reciprocals(p0, paired);
            acc_p += inverse_p.first;
            acc_q += inverse_q.first;
            sum_dp += first * acc_p;
            sum_dq += first * acc_q;
            sum_k += first * (kd + 1.0);
            if (paired) {
                acc_p += inverse_p.second;
                acc_q += inverse_q.second;
                sum_dp += second * acc_p;
                sum_dq += second * acc_q;
                sum_k += second * (kd + 2.0);
            }
            if (tail * (last_k + 2.0) <= eps * sum * one_minus_z) break;
        } else if (tail <= eps * sum) {
            break;
        }
    }
    out.log_value = std::log(sum);
    if (with_gradient) {
        out.d_p = sum_dp / sum;
        out.d_q = -sum_dq / sum;
        out.d_z = sum_k / (z * sum);
    }
    return out;
}

}  // namespace detail
}  // namespace crmmine
