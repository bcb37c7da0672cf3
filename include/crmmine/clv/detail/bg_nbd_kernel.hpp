// Likelihood and predictions shared by the BG/NBD (Fader, Hardie & Lee 2005) and the
// MBG/NBD (Batislam et al. 2007), which differs only in allowing a dropout right after
// the first purchase: everywhere the BG/NBD has b + x - 1 and x > 0, the MBG/NBD has
// b + x and every x.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/nbd_limit_kernel.hpp"
#include "crmmine/clv/detail/quadrature.hpp"
#include "crmmine/clv/detail/special_functions.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/logistic_functions.hpp"
#include "crmmine/core/vectorisable_log.hpp"

namespace crmmine {
namespace detail {

template <bool Modified>
struct BgNbdKernel {
    static constexpr int n_params = 4;
    static constexpr bool has_hessian = true;
    static constexpr bool has_x_steps = true;
    static constexpr bool has_time_table = true;
    using NoDropoutLimit = NbdLimitKernel;  // a / b -> 0
    // b of 100 and more, where the Newton walk is on its way out along b, one unit
    // of log b a step. Nearer, the likelihood may peak at a -> 0 with a moderate b
    // (the MBG/NBD on Online Retail in days: a = 0.002, b = 12) while the limit
    // passes every test at infinity; and a try turned down would cost a fifth of a
    // fit on CDNOW.
    static constexpr double no_dropout_try_from = 4.605170185988091;  // log(100)
    double r, alpha, a, b, log_alpha, log_a, inverse_alpha, inverse_a;
    const double* time_shift = nullptr;    // log1p(t / alpha) by CustomerRow slot
    const double* time_inverse = nullptr;  // 1 / (alpha + t) by slot

    // Computes log1p(t / alpha) and 1 / (alpha + t) for the fit's distinct times
    // into table, and reads rows' values from it: a row then costs one division, not
    // three.
    void use_times(const std::vector<double>& times, std::vector<double>& table) {
        const std::size_t n = times.size();
        table.resize(2 * n);
        for (std::size_t i = 0; i < n; ++i) {
            table[i] = log1p_non_negative(times[i] * inverse_alpha);
            table[n + i] = 1.0 / (alpha + times[i]);
        }
        time_shift = table.data();
        time_inverse = table.data() + n;
    }

    double shift(double t, std::uint32_t slot) const {
        return time_shift != nullptr ? time_shift[slot]
                                     : log1p_non_negative(t * inverse_alpha);
    }

    double inverse_at(double t, std::uint32_t slot) const {
        return time_inverse != nullptr ? time_inverse[slot] : 1.0 / (alpha + t);
    }

    explicit BgNbdKernel(const double* params)
        : r(params[0]),
          alpha(params[1]),
          a(params[2]),
          b(params[3]),
          log_alpha(std::log(params[1])),
          log_a(std::log(params[2])),
          inverse_alpha(1.0 / params[1]),
          inverse_a(1.0 / params[2]) {}

    // Purchases the dropout Beta term counts: x (BG/NBD), x + 1 (MBG/NBD).
    static double dropout_count(double x) { return Modified ? x + 1.0 : x; }
    // Whether the "dropped out after the last purchase" branch exists.
    static bool has_dropout_branch(double x) { return Modified || x > 0.0; }
    // b + x - 1 (BG/NBD) or b + x (MBG/NBD): the Beta weight of dropping out; grouped
    // so that a tiny b survives x = 1.
    double dropout_denominator(double x) const {
        return Modified ? b + x : b + (x - 1.0);
    }

    struct XTerms {
        double log_rising_r = 0.0;    // log Gamma(r + x) / Gamma(r)
        double log_beta_ratio = 0.0;  // log B(a, b + k) / B(a, b), k = dropout_count
        double digamma_r = 0.0;       // digamma(r + x) - digamma(r)
        double digamma_b = 0.0;       // digamma(b + k) - digamma(b)
        double digamma_ab = 0.0;      // digamma(a + b + k) - digamma(a + b)
        double trigamma_r = 0.0;      // the same differences of trigamma
        double trigamma_b = 0.0;
        double trigamma_ab = 0.0;
        double log_odds_base = 0.0;  // log(a / (b + x - 1)), BG/NBD; log(a / (b + x))
        double inverse_denominator = 0.0;  // 1 / (b + x - 1) or 1 / (b + x)
    };

    XTerms x_terms(double x, int order) const {
        XTerms terms;
        const double k = dropout_count(x);
        terms.log_rising_r = log_gamma_ratio(r, x);
        terms.log_beta_ratio = log_gamma_ratio(b, k) - log_gamma_ratio(a + b, k);
        set_odds_terms(terms, x);
        if (order >= 1) {
            terms.digamma_r = digamma_difference(r, x);
            terms.digamma_b = digamma_difference(b, k);
            terms.digamma_ab = digamma_difference(a + b, k);
        }
        if (order >= 2) {
            terms.trigamma_r = trigamma_difference(r, x);
            terms.trigamma_b = trigamma_difference(b, k);
            terms.trigamma_ab = trigamma_difference(a + b, k);
        }
        return terms;
    }

    // The terms of x + 1 from those of x: each ratio of gamma functions gains one
    // factor, each difference of (tri)digammas one term. Fit rows come grouped by x, so
    // this replaces a dozen special functions per distinct x by a few logarithms.
    void step_x_terms(XTerms& terms, double x, int order) const {
        const double k = dropout_count(x);
        terms.log_rising_r += std::log(r + x);
        terms.log_beta_ratio -= log1p_fast(a / (b + k));  // log((b + k) / (a + b + k))
        if (order >= 1) {
            const double inverse_r = 1.0 / (r + x), inverse_b = 1.0 / (b + k),
                         inverse_ab = 1.0 / (a + b + k);
            terms.digamma_r += inverse_r;
            terms.digamma_b += inverse_b;
            terms.digamma_ab += inverse_ab;
            if (order >= 2) {
                terms.trigamma_r -= inverse_r * inverse_r;
                terms.trigamma_b -= inverse_b * inverse_b;
                terms.trigamma_ab -= inverse_ab * inverse_ab;
            }
        }
        set_odds_terms(terms, x + 1.0);
    }

    void set_odds_terms(XTerms& terms, double x) const {
        if (has_dropout_branch(x)) {
            terms.log_odds_base = log_a - std::log(dropout_denominator(x));
            terms.inverse_denominator = 1.0 / dropout_denominator(x);
        }
    }

    // log of the odds of "dropped out after the last purchase" against "still alive":
    // log(a / (b + x - 1)) + (r + x) log((alpha + T) / (alpha + t_x)).
    double log_dropout_odds(double x, double t_x, double T) const {
        return log_a - std::log(dropout_denominator(x)) +
               (r + x) * (std::log(alpha + T) - std::log(alpha + t_x));
    }

    // r log alpha - (r + x) log(alpha + T) is written -r log1p(T / alpha) - x log(alpha
    // + T): the two large logarithms of a far-off alpha cancel exactly instead of
    // numerically, which keeps the objective smooth for the line search.
    //
    // The Hessian h (packed, natural parameters) adds to the terms of the "alive"
    // branch those of softplus(odds): sigma (1 - sigma) grad(odds) grad(odds)' +
    // sigma hess(odds).
    double log_likelihood(const XTerms& terms, const CustomerRow& row, double* g,
                          double* h = nullptr) const {
        const double x = row.x, T = row.T, t_x = row.t_x;
        const double e = r + x;
        const double shift_T = shift(T, row.T_slot);  // log((alpha + T) / alpha)
        const double log_alpha_T = log_alpha + shift_T;
        double ll =
            terms.log_rising_r - r * shift_T - x * log_alpha_T + terms.log_beta_ratio;
        // Reciprocals shared by the gradient and the Hessian: one division each.
        const double inverse_T = g != nullptr ? inverse_at(T, row.T_slot) : 0.0;
        if (h != nullptr) alive_hessian(terms, e, T, inverse_T, h);
        double sigma = 0.0;      // posterior weight of the dropped-out branch
        double log_ratio = 0.0;  // log((alpha + T) / (alpha + t_x))
        // d2 odds / dr dalpha = (t_x - T) / ((alpha + T)(alpha + t_x))
        double d_alpha = 0.0;
        if (has_dropout_branch(x)) {
            log_ratio = shift_T - shift(t_x, row.t_x_slot);
            const double odds = terms.log_odds_base + e * log_ratio;
            // log1p(exp(odds)) and sigmoid(odds) from one exponential
            const double small = std::exp(-std::fabs(odds));
            // log1p(small) as log(u) corrected by the rounding of u = 1 + small
            // (Goldberg 1991), with the reciprocal sigma needs anyway.
            const double u = 1.0 + small;
            const double inverse_1p = 1.0 / u;
            ll += (odds > 0.0 ? odds : 0.0) + std::log(u) -
                  ((u - 1.0) - small) * inverse_1p;
            sigma = odds >= 0.0 ? inverse_1p : small * inverse_1p;
            const double inverse_tx =
                g != nullptr ? inverse_at(t_x, row.t_x_slot) : 0.0;
            d_alpha = (t_x - T) * inverse_T * inverse_tx;
            if (h != nullptr)
                add_softplus_hessian(terms, e, log_ratio, d_alpha,
                                     inverse_T + inverse_tx, sigma,
                                     small * inverse_1p * inverse_1p, h);
        }
        if (g != nullptr) {
            g[0] = terms.digamma_r - shift_T;
            g[1] = (r * T - x * alpha) * inverse_alpha * inverse_T;
            g[2] = -terms.digamma_ab;
            g[3] = terms.digamma_b - terms.digamma_ab;
            if (sigma > 0.0) {
                g[0] += sigma * log_ratio;
                g[1] += sigma * e * d_alpha;
                g[2] += sigma * inverse_a;
                g[3] -= sigma * terms.inverse_denominator;
            }
        }
        return ll;
    }

    // Weighted sums over rows of one x, from which add_group builds their log L,
    // gradient and Hessian: every term of a row is one of these times a function of
    // x and the parameters. Names: T_ for functions of T (shift = log((alpha + T) /
    // alpha), inverse = 1 / (alpha + T)); the rest of the dropout branch, with sigma
    // its posterior weight, spread = sigma (1 - sigma), ratio = log((alpha + T) /
    // (alpha + t_x)), d = d2 odds / dr dalpha and sum = 1 / (alpha + T) + 1 /
    // (alpha + t_x).
    struct GroupSums {
        double weight = 0.0, T_shift = 0.0, T_times_inverse = 0.0, T_inverse = 0.0,
               T_inverse2 = 0.0;
        double softplus = 0.0, sigma = 0.0, sigma_ratio = 0.0, sigma_d = 0.0,
               sigma_d_sum = 0.0;
        double spread = 0.0, spread_ratio = 0.0, spread_d = 0.0, spread_ratio2 = 0.0,
               spread_ratio_d = 0.0, spread_d2 = 0.0;
    };

    // Adds to sum (log L, gradient, packed Hessian, as sum_log_likelihood lays them
    // out) the weighted terms of the rows [first, last), which share the x of terms.
    // Equal to adding log_likelihood row by row, in a third fewer operations: the
    // gradient and Hessian of the dropout odds are the same for every row of an x
    // but for two components, so their outer product is summed once per x.
    void add_group(const XTerms& terms, const CustomerRow* first,
                   const CustomerRow* last, int order, double* sum) const {
        const bool branch = has_dropout_branch(first->x);
        GroupSums s;
        if (order == 2)
            branch ? group_sums<2, true>(first, last, terms, s)
                   : group_sums<2, false>(first, last, terms, s);
        else if (order == 1)
            branch ? group_sums<1, true>(first, last, terms, s)
                   : group_sums<1, false>(first, last, terms, s);
        else
            branch ? group_sums<0, true>(first, last, terms, s)
                   : group_sums<0, false>(first, last, terms, s);
        const double x = first->x, e = r + x, W = s.weight;
        sum[0] += W * (terms.log_rising_r + terms.log_beta_ratio - x * log_alpha) -
                  e * s.T_shift + s.softplus;
        if (order < 1) return;
        const double inverse_d = terms.inverse_denominator;
        double* g = sum + 1;
        g[0] += W * terms.digamma_r - s.T_shift + s.sigma_ratio;
        g[1] += r * inverse_alpha * s.T_times_inverse - x * s.T_inverse + e * s.sigma_d;
        g[2] += -W * terms.digamma_ab + inverse_a * s.sigma;
        g[3] += W * (terms.digamma_b - terms.digamma_ab) - inverse_d * s.sigma;
        if (order < 2) return;
        double* h = sum + 5;
        h[0] += W * terms.trigamma_r + s.spread_ratio2;
        h[1] += inverse_alpha * s.T_times_inverse + s.sigma_d + e * s.spread_ratio_d;
        h[2] += inverse_a * s.spread_ratio;
        h[3] += -inverse_d * s.spread_ratio;
        h[4] += -W * r * inverse_alpha * inverse_alpha + e * s.T_inverse2 +
                e * e * s.spread_d2 - e * s.sigma_d_sum;
        h[5] += e * inverse_a * s.spread_d;
        h[6] += -e * inverse_d * s.spread_d;
        h[7] += -W * terms.trigamma_ab + inverse_a * inverse_a * (s.spread - s.sigma);
        h[8] += -W * terms.trigamma_ab - inverse_a * inverse_d * s.spread;
        h[9] += W * (terms.trigamma_b - terms.trigamma_ab) +
                inverse_d * inverse_d * (s.spread + s.sigma);
    }

    // shift (log((alpha + t) / alpha)) and, for order >= 1, inverse (1 / (alpha + t))
    // of the time `time` of n rows: from the table where the fit keeps one, else a
    // block at a time in vectorised arithmetic.
    template <int order>
    void time_terms(const CustomerRow* rows, std::ptrdiff_t n,
                    double CustomerRow::*time, std::uint32_t CustomerRow::*slot,
                    double* shift_out, double* inverse_out) const {
        if (time_shift != nullptr) {
            for (std::ptrdiff_t i = 0; i < n; ++i) {
                const std::uint32_t at = rows[i].*slot;
                shift_out[i] = time_shift[at];
                if constexpr (order >= 1) inverse_out[i] = time_inverse[at];
            }
            return;
        }
        for (std::ptrdiff_t i = 0; i < n; ++i)
            shift_out[i] = rows[i].*time * inverse_alpha;
        map_block<Log1pNonNegative>(shift_out, n, shift_out);
        if constexpr (order >= 1)
            for (std::ptrdiff_t i = 0; i < n; ++i)
                inverse_out[i] = 1.0 / (alpha + rows[i].*time);
    }

    // The rows' sums in blocks: first their functions of time and odds, then softplus,
    // sigma and spread of the whole block in one vectorised pass (softplus_block),
    // then the sums.
    template <int order, bool branch>
    void group_sums(const CustomerRow* first, const CustomerRow* last,
                    const XTerms& terms, GroupSums& s) const {
        constexpr std::ptrdiff_t block = 64;
        const double e = r + first->x;
        double shift_T[block], inverse_T[block], shift_tx[block], inverse_tx[block];
        double odds[block], ratio[block], d[block], d_sum[block];
        double softplus[block], sigma[block], spread[block];
        for (const CustomerRow* start = first; start < last; start += block) {
            const std::ptrdiff_t n = std::min(block, last - start);
            time_terms<order>(start, n, &CustomerRow::T, &CustomerRow::T_slot, shift_T,
                              inverse_T);
            if constexpr (branch)
                time_terms<order>(start, n, &CustomerRow::t_x, &CustomerRow::t_x_slot,
                                  shift_tx, inverse_tx);
            for (std::ptrdiff_t i = 0; i < n; ++i) {
                const double w = start[i].weight, T = start[i].T;
                s.weight += w;
                s.T_shift += w * shift_T[i];
                if constexpr (order >= 1) {
                    s.T_times_inverse += w * T * inverse_T[i];
                    s.T_inverse += w * inverse_T[i];
                    if constexpr (order == 2)
                        s.T_inverse2 += w * inverse_T[i] * inverse_T[i];
                }
                if constexpr (branch) {
                    ratio[i] = shift_T[i] - shift_tx[i];
                    odds[i] = terms.log_odds_base + e * ratio[i];
                    if constexpr (order >= 1) {
                        d[i] = (start[i].t_x - T) * inverse_T[i] * inverse_tx[i];
                        d_sum[i] = inverse_T[i] + inverse_tx[i];
                    }
                }
            }
            if constexpr (branch) {
                softplus_block(odds, n, softplus, sigma, spread);
                for (std::ptrdiff_t i = 0; i < n; ++i) {
                    const double w = start[i].weight;
                    s.softplus += w * softplus[i];
                    if constexpr (order >= 1) {
                        const double w_sigma = w * sigma[i];
                        s.sigma += w_sigma;
                        s.sigma_ratio += w_sigma * ratio[i];
                        s.sigma_d += w_sigma * d[i];
                        if constexpr (order == 2) {
                            const double w_spread = w * spread[i];
                            s.sigma_d_sum += w_sigma * d[i] * d_sum[i];
                            s.spread += w_spread;
                            s.spread_ratio += w_spread * ratio[i];
                            s.spread_d += w_spread * d[i];
                            s.spread_ratio2 += w_spread * ratio[i] * ratio[i];
                            s.spread_ratio_d += w_spread * ratio[i] * d[i];
                            s.spread_d2 += w_spread * d[i] * d[i];
                        }
                    }
                }
            }
        }
    }

    // Second derivatives of the "alive" branch, log B(a, b + k) / B(a, b) included;
    // inverse_T = 1 / (alpha + T).
    void alive_hessian(const XTerms& terms, double e, double T, double inverse_T,
                       double* h) const {
        h[0] = terms.trigamma_r;               // r r
        h[1] = T * inverse_alpha * inverse_T;  // r alpha
        h[2] = h[3] = 0.0;                     // r a, r b
        h[4] = -r * inverse_alpha * inverse_alpha +
               e * inverse_T * inverse_T;             // alpha alpha
        h[5] = h[6] = 0.0;                            // alpha a, alpha b
        h[7] = h[8] = -terms.trigamma_ab;             // a a, a b
        h[9] = terms.trigamma_b - terms.trigamma_ab;  // b b
    }

    // Adds the Hessian of softplus(odds), odds = log a - log(b + x - 1) + (r + x)
    // log((alpha + T) / (alpha + t_x)); spread = sigma (1 - sigma). The second
    // derivative of odds in alpha, e [(alpha + t_x)^-2 - (alpha + T)^-2], is written
    // -e d_alpha reciprocal_sum with reciprocal_sum = 1 / (alpha + T) + 1 / (alpha +
    // t_x), which vanishes with d_alpha instead of cancelling.
    void add_softplus_hessian(const XTerms& terms, double e, double log_ratio,
                              double d_alpha, double reciprocal_sum, double sigma,
                              double spread, double* h) const {
        const double grad[4] = {log_ratio, e * d_alpha, inverse_a,
                                -terms.inverse_denominator};
        for (int i = 0, at = 0; i < 4; ++i)
            for (int j = i; j < 4; ++j, ++at) h[at] += spread * grad[i] * grad[j];
        h[1] += sigma * d_alpha;
        h[4] -= sigma * e * d_alpha * reciprocal_sum;
        h[7] -= sigma * inverse_a * inverse_a;
        h[9] += sigma * terms.inverse_denominator * terms.inverse_denominator;
    }

    double probability_alive(double x, double t_x, double T) const {
        if (!has_dropout_branch(x)) return 1.0;
        return sigmoid(-log_dropout_odds(x, t_x, T));
    }

    // (C / (a - 1)) [1 - (1 - z)^A 2F1(A, B; C; z)] with A = r + x, B = b + k, C = B +
    // a - 1 (k = x for the BG/NBD, x + 1 for the MBG/NBD), z = t / (alpha + T + t): the
    // numerator of the conditional expectation. Euler's transformation turns it into
    //   C phi(a - 1) - (1 - z)^(a - 1) sum_{k>=1} (C - A)_k (a)_(k-1) / ((C + 1)_(k-1)
    //   k!) z^k,
    // phi(e) = (1 - (1 - z)^e) / e, which is finite at a = 1 and for C <= 0, and whose
    // series converges fast however many purchases the customer made. Its terms
    // alternate while k < A - C; when (A - C) z is large (nearly equal purchase rates,
    // r far above a + b, over a long horizon) they would cancel. So would the two
    // halves when C phi(a - 1) is far above the answer, which is at most A tau, tau =
    // t / (alpha + T), the expectation without dropout: a and b both large, as where
    // a fit ends along the likelihood's flat ridge, or the series would need about
    // (a - 1) z terms. In those cases the expectation is integrated over the dropout
    // probability instead.
    double expected_numerator(double x, double t, double T) const {
        if (t == 0.0) return 0.0;
        // C and C - A grouped so that neither tiny a + b nor a huge x loses them.
        const double C = (a + b) + (dropout_count(x) - 1.0);
        const double c_minus_a = (a + b) - (r + (Modified ? 0.0 : 1.0));
        const double z = t / (alpha + T + t);
        const double tau = t / (alpha + T);
        const double A = r + x, B = b + dropout_count(x);
        if ((A + 1.0) * (a + 1.0) * tau <= 0.05 * (a + B)) {
            const double rare = expected_alive_rare_dropout(A, B, tau);
            if (!std::isnan(rare)) return rare;
        }
        const double log_w = -std::log1p(tau);  // log(1 - z)
        const double first = C * one_minus_power_over(a - 1.0, log_w);
        constexpr int max_terms = 1000000;
        if (-c_minus_a * z > 3.0 || first > 1e4 * A * tau ||
            (a - 1.0) * z > 0.5 * max_terms)
            return expected_alive_by_quadrature(A, B, tau);
        // Plain products, rescaled by 2^-900 when they grow large (a customer with
        // thousands of purchases), so each term costs a few flops.
        constexpr double big = 0x1p900, shrink = 0x1p-900;
        constexpr double log_shrink = 900.0 * 0.69314718055994530942;
        double term = c_minus_a * z, sum = 0.0, log_scale = 0.0;
        for (int k = 1; k <= max_terms && term != 0.0; ++k) {
            sum += term;
            const double kd = static_cast<double>(k);
            const double ratio =
                (c_minus_a + kd) * (a + kd - 1.0) / ((C + kd) * (kd + 1.0)) * z;
            term *= ratio;
            if (std::fabs(term) > big) {
                term *= shrink;
                sum *= shrink;
                log_scale += log_shrink;
            }
            // Past the sign changes the later ratios tend to z; the tail is below
            // term * rho / (1 - rho) with rho the larger of this ratio and z.
            const double rho = std::fmax(ratio, z);
            if (kd + 1.0 > -c_minus_a && rho < 1.0 &&
                std::fabs(term) * rho <= 1e-17 * std::fabs(sum) * (1.0 - rho))
                break;
        }

        if (sum == 0.0) return first;
        const double second =
            (sum < 0.0 ? -1.0 : 1.0) *
            std::exp((a - 1.0) * log_w + std::log(std::fabs(sum)) + log_scale);
        return std::fmax(first - second, 0.0);
    }

    // The expectation of a customer alive at T as a series in the moments of the
    // dropout probability p ~ Beta(a, B), E p^j = (a)_j / (a + B)_j:
    //   E[(1 - (1 + p tau)^-A) / p] = A tau sum_j (A + 1)_j (a)_j / ((2)_j (a + B)_j)
    //   (-tau)^j,
    // for p small against 1 / (A tau) (b far above a, the common end of a fit with
    // little dropout): its terms alternate and shrink by 0.05 or more from the
    // first, so nothing cancels. NaN should it not settle within its terms.
    double expected_alive_rare_dropout(double A, double B, double tau) const {
        double term = 1.0, sum = 1.0;
        for (int j = 0; j < 400; ++j) {
            term *= -(A + 1.0 + j) * (a + j) * tau / ((2.0 + j) * (a + B + j));
            sum += term;
            if (std::fabs(term) <= 1e-17 * sum) return A * tau * sum;
        }
        return std::numeric_limits<double>::quiet_NaN();
    }

    // From where the smaller of a and B is this large, the Beta part is so narrow that
    // a fixed rule about its peak integrates to double precision.
    static constexpr double narrow_beta = 1e4;

    // The same expectation as an integral over the dropout probability p ~ Beta(a, B)
    // of a customer alive at T (B = b + x, or b + x + 1 for the MBG/NBD), the rate
    // integrated out: E[(1 - (1 + p tau)^-A) / p], A = r + x, tau = t / (alpha + T). In
    // u = logit(p) the integrand is log-concave. It is taken in d = u - log(a / B),
    // the distance from the peak of the Beta part, and relative to that peak: with a
    // and B both huge the peak is a few 1e-5 wide, and log p, log B(a, B) on their own
    // would carry errors larger than the answer.
    double expected_alive_by_quadrature(double A, double B, double tau) const {
        const double p_peak = a / (a + B), q_peak = B / (a + B);
        const double log_p_peak = -std::log1p(B / a), log_q_peak = -std::log1p(a / B);
        const double u_peak = std::log(a) - std::log(B);
        auto psi = [&](double d, double& dpsi) {
            // log(p / p_peak) and log(q / q_peak), whose a- and B-weighted first
            // orders cancel at d = 0; far out (a tiny a has a tail thousands of units
            // long) from log p and log q themselves, which have no such cancellation.
            const bool near = std::fabs(d) < 1.0;
            const double log_p_gain = near ? -std::log1p(q_peak * std::expm1(-d))
                                           : -log1p_exp(-(u_peak + d)) - log_p_peak;
            const double log_q_gain = near ? -std::log1p(p_peak * std::expm1(d))
                                           : -log1p_exp(u_peak + d) - log_q_peak;
            const double p = p_peak * std::exp(log_p_gain);
            const double q = q_peak * std::exp(log_q_gain);
            // g(p) = (1 - e^-y) / p, y = A log1p(p tau), tends to A tau as p -> 0 (p
            // underflows in the tail of a tiny a), so it is taken as A tau times two
            // ratios that tend to 1; p_dlog_g = p d log g / dp, which tends to 0.
            const double p_tau = p * tau;
            const double y = A * std::log1p(p_tau);
            const double log_g =
                std::log(A * tau) + (y > 0.0 ? std::log(-std::expm1(-y) / y) : 0.0) +
                (p_tau > 0.0 ? std::log(std::log1p(p_tau) / p_tau) : 0.0);
            const double p_dlog_g =
                y < 1e-8 ? -0.5 * (A + 1.0) * p_tau
                         : A * p_tau / ((1.0 + p_tau) * std::expm1(y)) - 1.0;
            dpsi = a * q - B * p + p_dlog_g * q;
            return a * log_p_gain + B * log_q_gain + log_g;
        };
        const double log_peak = log_logit_beta_peak(a, B);
        if (std::fmin(a, B) >= narrow_beta) {
            // Nearly Gaussian in d, of variance trigamma(a) + trigamma(B), against
            // which e^psi is a smooth factor: a fixed Gauss-Hermite rule.
            static const HermiteRule hermite = gauss_hermite_rule(24);
            const double width = std::sqrt(2.0 * (trigamma(a) + trigamma(B)));
            double sum = 0.0, slope = 0.0;
            for (std::size_t i = 0; i < hermite.x.size(); ++i)
                sum += hermite.scaled_weight[i] *
                       std::exp(psi(width * hermite.x[i], slope));
            return std::exp(log_peak) * width * sum;
        }
        // The slope falls from a at d = -infinity to -B at +infinity: bracket its zero.
        double lo = -1.0, hi = 1.0, slope = 0.0;
        for (psi(lo, slope); slope < 0.0 && lo > -700.0; psi(lo, slope)) lo *= 2.0;
        for (psi(hi, slope); slope > 0.0 && hi < 700.0; psi(hi, slope)) hi *= 2.0;
        for (int i = 0; i < 200 && hi - lo > 1e-10 * (1.0 + std::fabs(lo)); ++i) {
            const double mid = 0.5 * (lo + hi);
            psi(mid, slope);
            (slope > 0.0 ? lo : hi) = mid;
        }
        LogConcaveRule rule;
        constexpr double infinity = std::numeric_limits<double>::infinity();
        // The Beta part bends within a unit of logit about its peak.
        log_concave_rule(psi, -infinity, infinity, 0.5 * (lo + hi), rule, 1.0);
        double sum = 0.0;
        for (const QuadratureNode& node : rule.nodes) sum += node.weight;
        return std::exp(log_peak + rule.psi_ref + std::log(sum));
    }

    double conditional_expected(double t, double x, double t_x, double T) const {
        const double numerator = expected_numerator(x, t, T);
        return numerator * probability_alive(x, t_x, T);
    }

    // P(N(t) = n) for a new customer (Fader, Hardie & Lee 2005, eq. 8; lifetimes for
    // the MBG/NBD); the finite sum 1 - sum_{j<n} NB(j) is the regularized incomplete
    // beta I_{t/(alpha+t)}(n, r), which keeps its digits when it is tiny.
    double probability_n(double t, std::int64_t n) const {
        if (t == 0.0) return n == 0 ? 1.0 : 0.0;
        const double nd = static_cast<double>(n);
        const double k = dropout_count(nd);
        const double log_beta_ratio = log_gamma_ratio(b, k) - log_gamma_ratio(a + b, k);
        const double log_nb = log_gamma_ratio(r, nd) - log_gamma(nd + 1.0) -
                              r * std::log1p(t / alpha) +
                              nd * (std::log(t) - std::log(alpha + t));
        const double first = std::exp(log_beta_ratio + log_nb);
        if (!Modified && n == 0) return first;
        const double tail = n == 0 ? 1.0 : regularized_beta(nd, r, t / (alpha + t));
        const double second =
            std::exp(log_a - std::log(dropout_denominator(nd)) + log_beta_ratio) * tail;
        return first + second;
    }
};

}  // namespace detail
}  // namespace crmmine
