// Likelihood and predictions of the Pareto/NBD model (Schmittlein, Morrison & Colombo
// 1987) after Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and
// Related Expressions", eq. (18)-(20):
//   L = Gamma(r+x) alpha^r beta^s / Gamma(r)
//       * [(alpha+T)^-(r+x) (beta+T)^-s + s I],
//   I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau = A_0 / (r+s+x).
// I is evaluated about the larger of alpha and beta, as in the note and lifetimes'
// _log_A_0: with u = max + tau, v = min + tau and b, p the exponents on the smaller and
// the larger, I = [J(t_x) - J(T)] / (b + p - 1) where
//   J(tau) = v^(1-b) u^-p 2F1(1, p; b + p; (max - min) / u),
// Euler's transform of the note's 2F1(r+s+x, .; r+s+x+1; .) whose terms are all
// positive and bounded, taken in logs. When max - min is far above min + T (the fit
// running to the boundary where the NBD alone explains the data), the series
// converges slowly and I is a short expansion in (min + tau) / (max - min) with
// closed-form terms. Where neither applies or the difference cancels, I is integrated
// directly (log-concave in log(min + tau)).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/nbd_limit_kernel.hpp"
#include "crmmine/clv/detail/quadrature.hpp"
#include "crmmine/clv/detail/special_functions.hpp"

namespace crmmine {
namespace detail {

// K = log[(alpha + t1)^e1 (beta + t1)^e2 I] with I = int_{t0}^{t1} (alpha + tau)^-e1
// (beta + tau)^-e2 dtau, and its partial derivatives with respect to the exponents e1,
// e2 and to alpha and beta. Scaling by the integrand's value at t1 keeps K of the size
// of the answer: the likelihood needs only I relative to (alpha + T)^-(r+x) (beta +
// T)^-s, and the two are astronomically small together when r or s runs off to 1e14.
struct ParetoIntegral {
    double log_value = -std::numeric_limits<double>::infinity();
    double d_e1 = 0.0, d_e2 = 0.0, d_alpha = 0.0, d_beta = 0.0;
};

// The interval [t0, t1] of the integral with the logarithms the likelihood computes
// anyway: log(alpha + t0), log(beta + t0), log(alpha + t1), log(beta + t1).
struct ParetoSpan {
    double t0, t1;
    double log_alpha_t0, log_beta_t0, log_alpha_t1, log_beta_t1;
};

// Beyond this many terms the quadrature in pareto_log_integral is the cheaper way to
// the integral.
constexpr int pareto_series_budget = 150;

// 2F1(1, p; b + p; (large - small) / (large + tau)) of J(tau) below, in logs: the one
// costly part of an end of the integral, and the same for every customer with the
// same x and tau (every non-buyer has t_x = 0).
inline Hyp2f1Series pareto_end_series(double e1, double e2, double alpha, double beta,
                                      double tau, bool gradient) {
    const bool alpha_smaller = alpha <= beta;
    const double small = alpha_smaller ? alpha : beta;
    const double large = alpha_smaller ? beta : alpha;
    const double b = alpha_smaller ? e1 : e2;
    const double p = alpha_smaller ? e2 : e1;
    return log_hyp2f1_1pq(p, b + p, (large - small) / (large + tau), gradient,
                          pareto_series_budget);
}

// With h(eps) = int_0^L exp(-eps s) ds and x = eps L (the integral of v^(eps - 1)
// over [v0, v1] is v1^eps h(eps), L = log(v1 / v0)): log(h / L); the mean of s / L
// under the density exp(-eps s) on [0, L], 1/x - 1/expm1(x); and q = x / expm1(x),
// which is L exp(-x) / h. All from one expm1 of -|x|, so that nothing overflows for
// large |x|; near x = 0, where 1/x - 1/expm1(x) cancels, from the series (Bernoulli
// numbers).
struct PowerIntegral {
    double log_h, mean, q;
};
inline PowerIntegral power_integral(double x) {
    const double m = std::fabs(x);
    if (m == 0.0) return {0.0, 0.5, 1.0};
    const double e = -std::expm1(-m);  // 1 - exp(-|x|)
    const double log_h = std::fmax(-x, 0.0) + std::log(e / m);
    if (m < 0.05) {
        const double x2 = x * x;
        return {log_h, 0.5 - x / 12.0 + x * x2 / 720.0 - x * x2 * x2 / 30240.0,
                1.0 - 0.5 * x + x2 / 12.0 - x2 * x2 / 720.0};
    }
    const double q = x > 0.0 ? x * (1.0 - e) / e : m / e;
    return {log_h, (1.0 - q) / x, q};
}

// K and its partial derivatives in (b, p, small, large) when large - small is far
// above small + t1, where the series of the other paths converge slowly (z near 1):
//   (large + tau)^-p = D^-p sum_j (-1)^j (p)_j / j! ((small + tau) / D)^j,
// D = large - small, and every term integrates in closed form,
//   K = log v1 + p log1p(rho) + log sum_j (-1)^j (p)_j / j! rho^j h(j + 1 - b),
// rho = v1 / D, v = small + tau. The terms alternate and shrink by (p + j) rho / (j +
// 1) at least, and h falls with its argument, so the sum is within 5% of its first
// term. Returns false when the expansion does not apply.
// log_v1 is log(small + t1).
inline bool pareto_far_integral(double b, double p, double small, double large,
                                double t0, double t1, double log_v1, bool gradient,
                                double* k, double* g) {
    const double d = large - small;
    const double v1 = small + t1, v0 = small + t0;
    const double rho = v1 / d;
    if (!(d > 0.0) || rho * std::fmax(p, 1.0) > 0.05) return false;
    const double length = std::log1p((t1 - t0) / v0);  // L
    const PowerIntegral first = power_integral((1.0 - b) * length);
    const double log_h0 = first.log_h;
    double sum = 1.0, sum_j = 0.0, sum_mean = first.mean, sum_p = 0.0, sum_q = first.q;
    double coef = 1.0, digamma_p = 0.0;  // (-rho)^j (p)_j / j!, sum_{i<j} 1/(p+i)
    constexpr int max_terms = 40;
    for (int j = 1; j < max_terms; ++j) {
        const double pj = p + (j - 1);
        coef *= -pj * rho / j;
        const PowerIntegral h = power_integral((j + 1.0 - b) * length);
        const double term = coef * std::exp(h.log_h - log_h0);
        sum += term;
        if (gradient) {
            digamma_p += 1.0 / pj;
            sum_j += term * j;
            sum_mean += term * h.mean;
            sum_p += term * digamma_p;
            sum_q += term * h.q;
        }
        if (std::fabs(term) < 1e-17 * sum) break;
    }
    *k = log_v1 + p * std::log1p(rho) + std::log(length) + log_h0 + std::log(sum);
    if (gradient) {
        const double mean_j = sum_j / sum;
        // d log(sum) / d log(rho) plus that of p log1p(rho)
        const double by_log_rho = p * rho / (1.0 + rho) + mean_j;
        // d log(L h) / d L, with d h / d L = exp(-eps L)
        const double by_length = sum_q / sum / length;
        g[0] = length * sum_mean / sum;  // d / d b
        g[1] = std::log1p(rho) + sum_p / sum;
        g[2] = 1.0 / v1 + by_log_rho * (1.0 / v1 + 1.0 / d) +
               by_length * (1.0 / v1 - 1.0 / v0);
        g[3] = -by_log_rho / d;
    }
    return true;
}

// K for e1 > 0, e2 > 0, e1 + e2 > 1, alpha, beta > 0, 0 <= t0 <= t1 (-infinity when
// t0 == t1); log_a is log(e1 + e2 - 1). series_at(0) and series_at(1), asked only
// where the series are wanted, return pareto_end_series(e1, e2, alpha, beta, t,
// gradient) at t0 and t1: a caller may keep them for the rows that share x and t.
template <class SeriesAt>
inline ParetoIntegral pareto_log_integral(double e1, double e2, double alpha,
                                          double beta, const ParetoSpan& span,
                                          double log_a, bool gradient,
                                          SeriesAt&& series_at) {
    ParetoIntegral out;
    const double t0 = span.t0, t1 = span.t1;
    if (!(t1 > t0)) return out;
    const bool alpha_smaller = alpha <= beta;
    const double small = alpha_smaller ? alpha : beta;
    const double large = alpha_smaller ? beta : alpha;
    const double b = alpha_smaller ? e1 : e2;  // exponent on small + tau
    const double p = alpha_smaller ? e2 : e1;  // exponent on large + tau
    const double d = large - small;
    const double a = e1 + e2 - 1.0;  // b + p - 1
    const double delta = t1 - t0;
    // dK / d (b, p, small, large)
    double g_b = 0.0, g_p = 0.0, g_small = 0.0, g_large = 0.0;

    // kappa(tau) = log[(small + t1)^b (large + t1)^p J(tau)]
    //            = log v + b log((small + t1) / v) + p log((large + t1) / u)
    //              + log 2F1(1, p; b + p; d / u),  v = small + tau, u = large + tau.
    struct End {
        double kappa, d_b, d_p, d_small, d_large;
    };
    // log_small = log((small + t1) / v) and log_large = log((large + t1) / u): 0 at t1,
    // and at t0 differences of the span's logarithms, whose rounding (a few 1e-16,
    // times the exponents) stays far below the 1e-3 of the two ends' difference that
    // this path asks for.
    auto end = [&](double tau, double log_v, double log_small, double log_large,
                   int which, End& e) {
        const double v = small + tau, u = large + tau;
        const Hyp2f1Series& series = series_at(which);
        if (!series.converged) return false;
        const double rest = t1 - tau;
        e.kappa = log_v + b * log_small + p * log_large + series.log_value;
        if (gradient) {
            e.d_b = log_small + series.d_q;
            e.d_p = log_large + series.d_p + series.d_q;
            e.d_small = 1.0 / v - b * rest / ((small + t1) * v) - series.d_z / u;
            e.d_large = -p * rest / ((large + t1) * u) + series.d_z * v / (u * u);
        }
        return true;
    };
    End lower{}, upper{};
    double far_gradient[4];
    bool done =
        pareto_far_integral(b, p, small, large, t0, t1,
                            alpha_smaller ? span.log_alpha_t1 : span.log_beta_t1,
                            gradient, &out.log_value, far_gradient);
    if (done && gradient) {
        g_b = far_gradient[0];
        g_p = far_gradient[1];
        g_small = far_gradient[2];
        g_large = far_gradient[3];
    }
    const double log_alpha_ratio = span.log_alpha_t1 - span.log_alpha_t0;
    const double log_beta_ratio = span.log_beta_t1 - span.log_beta_t0;
    if (!done &&
        end(t0, alpha_smaller ? span.log_alpha_t0 : span.log_beta_t0,
            alpha_smaller ? log_alpha_ratio : log_beta_ratio,
            alpha_smaller ? log_beta_ratio : log_alpha_ratio, 0, lower) &&
        end(t1, alpha_smaller ? span.log_alpha_t1 : span.log_beta_t1, 0.0, 0.0, 1,
            upper)) {
        // w = exp(kappa(t1) - kappa(t0)); 1 - w by expm1 only where w is near 1 (the
        // cheaper exp is exact enough below 0.6).
        const double log_w = upper.kappa - lower.kappa;
        const double w = std::exp(log_w);
        const double one_minus_w = log_w < -0.5 ? 1.0 - w : -std::expm1(log_w);
        // Below this the difference of the two ends would lose more than three digits.
        if (one_minus_w > 1e-3) {
            done = true;
            out.log_value = lower.kappa + std::log(one_minus_w) - log_a;
            if (gradient) {
                auto combine = [&](double lo, double hi) {
                    return (lo - w * hi) / one_minus_w;
                };
                g_b = combine(lower.d_b, upper.d_b) - 1.0 / a;
                g_p = combine(lower.d_p, upper.d_p) - 1.0 / a;
                g_small = combine(lower.d_small, upper.d_small);
                g_large = combine(lower.d_large, upper.d_large);
            }
        }
    }
    if (!done) {
        // In u = log((small + tau) / (small + t0)) the scaled integrand is exp(psi),
        //   psi(u) = log v + b (L - u) + p log1p((t1 - tau) / (large + tau)),
        // L = log((small + t1) / (small + t0)), v = small + tau = v0 e^u: concave, with
        // its mode where (1 - b)(v + d) = p v. Measuring u from t0 keeps the nodes
        // exact on a short interval.
        const double v0 = small + t0;
        const double length = std::log1p(delta / v0);
        struct Node {
            double v, u_large, rest, log_rest;  // log_rest = log1p(rest / u_large)
        };
        auto at = [&](double u) {
            const double grown = v0 * std::expm1(u);  // tau - t0
            Node n{v0 + grown, large + t0 + grown, std::fmax(delta - grown, 0.0), 0.0};
            n.log_rest = log1p_fast(n.rest / n.u_large);
            return n;
        };
        // One rule and one record of psi's calls per thread, so that their storage is
        // allocated once, not per row. The gradient reads its nodes' values from the
        // record instead of computing them again.
        thread_local LogConcaveRule rule;
        thread_local std::vector<Node> calls;
        auto psi = [&](double u, double& dpsi) {
            const Node n = at(u);
            if (gradient) calls.push_back(n);
            dpsi = (1.0 - b) - p * n.v / n.u_large;
            return u + b * (length - u) + p * n.log_rest;
        };
        double slope = 0.0;
        psi(0.0, slope);
        double mode = 0.0;
        if (slope > 0.0) {
            double slope1 = 0.0;
            psi(length, slope1);
            mode = slope1 >= 0.0
                       ? length
                       : std::fmin(length,
                                   std::fmax(0.0, std::log((1.0 - b) * d / (a * v0))));
        }
        calls.clear();  // the rule counts its calls from 0
        log_concave_rule(psi, 0.0, length, mode, rule);
        double sum = 0.0, s_b = 0.0, s_p = 0.0, s_small = 0.0, s_large = 0.0;
        for (const QuadratureNode& node : rule.nodes) {
            sum += node.weight;
            if (gradient) {
                const Node& n = calls[node.call];
                s_b += node.weight * (length - node.u);
                s_p += node.weight * n.log_rest;
                s_small -= node.weight * b * n.rest / ((small + t1) * n.v);
                s_large -= node.weight * p * n.rest / ((large + t1) * n.u_large);
            }
        }
        out.log_value = std::log(v0) + rule.psi_ref + std::log(sum);
        if (gradient) {
            g_b = s_b / sum;
            g_p = s_p / sum;
            g_small = s_small / sum;
            g_large = s_large / sum;
        }
    }
    if (gradient) {
        out.d_e1 = alpha_smaller ? g_b : g_p;
        out.d_e2 = alpha_smaller ? g_p : g_b;
        out.d_alpha = alpha_smaller ? g_small : g_large;
        out.d_beta = alpha_smaller ? g_large : g_small;
    }
    return out;
}

// The same for a bare interval.
inline ParetoIntegral pareto_log_integral(double e1, double e2, double alpha,
                                          double beta, double t0, double t1,
                                          bool gradient) {
    const ParetoSpan span{t0,
                          t1,
                          std::log(alpha + t0),
                          std::log(beta + t0),
                          std::log(alpha + t1),
                          std::log(beta + t1)};
    return pareto_log_integral(
        e1, e2, alpha, beta, span, std::log(e1 + e2 - 1.0), gradient, [&](int which) {
            return pareto_end_series(e1, e2, alpha, beta, which == 0 ? t0 : t1,
                                     gradient);
        });
}

struct ParetoNbdKernel {
    static constexpr int n_params = 4;
    static constexpr bool has_hessian = false;
    static constexpr bool has_x_steps = true;
    static constexpr bool has_time_table = true;
    using NoDropoutLimit = NbdLimitKernel;  // s / beta -> 0
    // From the start: its L-BFGS walk out along the ridge costs 40 passes.
    static constexpr double no_dropout_try_from =
        -std::numeric_limits<double>::infinity();
    double r, alpha, s, beta, log_alpha, log_beta, log_s;
    // log1p(t / alpha), then log1p(t / beta), by CustomerRow slot (use_times)
    const double* time_shifts = nullptr;
    std::size_t n_times = 0;

    explicit ParetoNbdKernel(const double* params)
        : r(params[0]),
          alpha(params[1]),
          s(params[2]),
          beta(params[3]),
          log_alpha(std::log(params[1])),
          log_beta(std::log(params[3])),
          log_s(std::log(params[2])) {}

    void use_times(const std::vector<double>& times, std::vector<double>& table) {
        n_times = times.size();
        table.resize(2 * n_times);
        for (std::size_t i = 0; i < n_times; ++i) {
            table[i] = log1p_fast(times[i] / alpha);
            table[n_times + i] = log1p_fast(times[i] / beta);
        }
        time_shifts = table.data();
    }

    struct XTerms {
        double log_rising_r = 0.0;  // log Gamma(r + x) / Gamma(r)
        double digamma_r = 0.0;     // digamma(r + x) - digamma(r)
        double log_rsx = 0.0;       // log(r + s + x)
        // For x = 0, where every t_x is 0: the series at that lower end.
        Hyp2f1Series series_at_zero;
        // With a time table, the series at the ends of the integral by time slot,
        // for the rows of this x: each (x, t) pair of Online Retail in days ends 2.4
        // rows' integrals, of CDNOW 2.1. An entry holds when its stamp is this x's.
        mutable std::vector<Hyp2f1Series> series;
        mutable std::vector<std::uint32_t> series_stamp;
        std::uint32_t stamp = 1;
    };

    XTerms x_terms(double x, int order) const {
        XTerms terms;
        terms.log_rising_r = log_gamma_ratio(r, x);
        terms.log_rsx = std::log(r + s + x);
        if (order >= 1) terms.digamma_r = digamma_difference(r, x);
        if (x == 0.0)
            terms.series_at_zero =
                pareto_end_series(r, s + 1.0, alpha, beta, 0.0, order >= 1);
        return terms;
    }

    // The terms of x + 1 from those of x (see BgNbdKernel::step_x_terms).
    void step_x_terms(XTerms& terms, double x, int order) const {
        terms.log_rising_r += std::log(r + x);
        terms.log_rsx = std::log(r + s + (x + 1.0));
        if (order >= 1) terms.digamma_r += 1.0 / (r + x);
        ++terms.stamp;
    }

    // The series at one end t of the dropout integral of a customer with x purchases.
    Hyp2f1Series end_series(double x, double t, bool gradient) const {
        return pareto_end_series(r + x, s + 1.0, alpha, beta, t, gradient);
    }

    // log1p(t / alpha) and log1p(t / beta) at t_x and T.
    struct TimeShifts {
        double alpha_t_x, beta_t_x, alpha_T, beta_T;
    };
    TimeShifts time_shifts_of(const CustomerRow& row) const {
        if (time_shifts != nullptr)
            return {time_shifts[row.t_x_slot], time_shifts[n_times + row.t_x_slot],
                    time_shifts[row.T_slot], time_shifts[n_times + row.T_slot]};
        return shifts_at(row.t_x, row.T);
    }
    // The same without the table.
    TimeShifts shifts_at(double t_x, double T) const {
        return {log1p_fast(t_x / alpha), log1p_fast(t_x / beta), log1p_fast(T / alpha),
                log1p_fast(T / beta)};
    }

    // The two branches of the likelihood: alive at T, and dropped out in (t_x, T];
    // odds = log(gone / alive) = log s + K - log(beta + T), with K the scaled
    // integral. shift_alpha = log1p(T / alpha), shift_beta = log1p(T / beta).
    struct Branches {
        double odds, shift_alpha, shift_beta, log_beta_T;
        ParetoIntegral integral;
    };

    template <class SeriesAt>
    Branches branches(double x, double t_x, double T, double log_rsx, bool gradient,
                      const TimeShifts& shifts, SeriesAt&& series_at) const {
        Branches out;
        out.shift_alpha = shifts.alpha_T;
        out.shift_beta = shifts.beta_T;
        out.log_beta_T = log_beta + out.shift_beta;
        const ParetoSpan span{t_x,
                              T,
                              log_alpha + shifts.alpha_t_x,
                              log_beta + shifts.beta_t_x,
                              log_alpha + out.shift_alpha,
                              out.log_beta_T};
        out.integral = pareto_log_integral(r + x, s + 1.0, alpha, beta, span, log_rsx,
                                           gradient, series_at);
        out.odds = log_s + out.integral.log_value - out.log_beta_T;
        return out;
    }

    // The common factor alpha^r beta^s times the "alive" branch is written
    // -r log1p(T / alpha) - x log(alpha + T) - s log1p(T / beta), so that large
    // parameters (s log beta in the thousands) cancel exactly; the "gone" branch enters
    // through log1p(exp(odds)).
    double log_likelihood(const XTerms& terms, const CustomerRow& row,
                          double* g) const {
        const double x = row.x, T = row.T;
        const bool gradient = g != nullptr;
        // Terms of x = 0 always come from x_terms: no step leads down to 0.
        const bool at_zero = x == 0.0 && row.t_x == 0.0;
        auto series_at = [&](int which) {
            if (which == 0 && at_zero) return terms.series_at_zero;
            const double t = which == 0 ? row.t_x : T;
            if (time_shifts == nullptr) return end_series(x, t, gradient);
            if (terms.series.empty()) {
                terms.series.resize(n_times);
                terms.series_stamp.assign(n_times, 0);
            }
            const std::uint32_t slot = which == 0 ? row.t_x_slot : row.T_slot;
            if (terms.series_stamp[slot] != terms.stamp) {
                terms.series[slot] = end_series(x, t, gradient);
                terms.series_stamp[slot] = terms.stamp;
            }
            return terms.series[slot];
        };
        const Branches both = branches(x, row.t_x, T, terms.log_rsx, gradient,
                                       time_shifts_of(row), series_at);
        const double odds = both.odds;
        // log1p(exp(odds)) and sigmoid(odds) from one exponential
        const double small = std::exp(-std::fabs(odds));
        if (g != nullptr) {
            // posterior weight of "gone"
            const double sigma =
                odds >= 0.0 ? 1.0 / (1.0 + small) : small / (1.0 + small);
            const ParetoIntegral& K = both.integral;
            g[0] = terms.digamma_r - both.shift_alpha + sigma * K.d_e1;
            g[1] = (r * T - x * alpha) / (alpha * (alpha + T)) + sigma * K.d_alpha;
            g[2] = -both.shift_beta + sigma * (1.0 / s + K.d_e2);
            g[3] = s * T / (beta * (beta + T)) + sigma * (K.d_beta - 1.0 / (beta + T));
        }
        return terms.log_rising_r - r * both.shift_alpha -
               x * (log_alpha + both.shift_alpha) - s * both.shift_beta +
               std::fmax(odds, 0.0) + log1p_fast(small);
    }

    double probability_alive(double x, double t_x, double T) const {
        auto series_at = [&](int which) {
            return end_series(x, which == 0 ? t_x : T, false);
        };
        return sigmoid(-branches(x, t_x, T, std::log(r + s + x), false,
                                 shifts_at(t_x, T), series_at)
                            .odds);
    }

    // Fader & Hardie (2005) eq. (41): P(alive) (r + x)(beta + T) / (alpha + T)
    // * (1 - ((beta + T) / (beta + T + t))^(s-1)) / (s - 1).
    double conditional_expected(double t, double x, double t_x, double T) const {
        if (t == 0.0) return 0.0;
        const double horizon =
            one_minus_power_over(s - 1.0, -std::log1p(t / (beta + T)));
        return probability_alive(x, t_x, T) * (r + x) * (beta + T) / (alpha + T) *
               horizon;
    }

    // P(X(t) = n) for a new customer (Fader & Hardie, "Deriving an Expression for
    // P(X(t) = x) Under the Pareto/NBD Model"): alive at t with n purchases, or dropped
    // out at tau < t after n purchases,
    //   NB(n; r, alpha/(alpha+t)) (beta/(beta+t))^s + s alpha^r beta^s Gamma(r+n) /
    //   (Gamma(r) n!) int_0^t tau^n (alpha+tau)^-(r+n) (beta+tau)^-(s+1) dtau.
    // The integral is taken directly (log-concave in log tau) rather than through the
    // note's difference of hypergeometric sums, which cancels for large n.
    double probability_n(double t, std::int64_t n) const {
        if (t == 0.0) return n == 0 ? 1.0 : 0.0;
        const double nd = static_cast<double>(n);
        const double log_count = log_gamma_ratio(r, nd) - log_gamma(nd + 1.0);
        const double alive = log_count - r * std::log1p(t / alpha) +
                             nd * (std::log(t) - std::log(alpha + t)) -
                             s * std::log1p(t / beta);
        // Relative to alpha^r beta^s, so that huge parameters cancel exactly:
        // tau^n (alpha + tau)^-(r+n) (beta + tau)^-(s+1) alpha^r beta^s, tau = e^u.
        auto psi = [&](double u, double& dpsi) {
            const double tau = std::exp(u);
            dpsi = (nd + 1.0) - (r + nd) * tau / (alpha + tau) -
                   (s + 1.0) * tau / (beta + tau);
            return (nd + 1.0) * u - nd * std::log(alpha + tau) -
                   r * std::log1p(tau / alpha) - std::log(beta + tau) -
                   s * std::log1p(tau / beta);
        };
        const double hi = std::log(t);
        double slope = 0.0;
        psi(hi, slope);
        double mode = hi;
        if (slope < 0.0) {
            // psi' falls from n + 1 at -infinity; bracket its root, then bisect.
            double lo = hi - 1.0, step = 1.0;
            for (;;) {
                psi(lo, slope);
                if (slope > 0.0) break;
                step *= 2.0;
                lo -= step;
            }
            double top = hi;
            for (int i = 0; i < 100 && top - lo > 1e-9 * (1.0 + std::fabs(lo)); ++i) {
                const double mid = 0.5 * (lo + top);
                psi(mid, slope);
                (slope > 0.0 ? lo : top) = mid;
            }
            mode = 0.5 * (lo + top);
        }
        LogConcaveRule rule;
        log_concave_rule(psi, -std::numeric_limits<double>::infinity(), hi, mode, rule);
        double sum = 0.0;
        for (const QuadratureNode& node : rule.nodes) sum += node.weight;
        const double gone = log_s + log_count + rule.psi_ref + std::log(sum);
        return std::exp(alive) + std::exp(gone);
    }
};

}  // namespace detail
}  // namespace crmmine
