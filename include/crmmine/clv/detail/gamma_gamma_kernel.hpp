// The Gamma-Gamma spend model's likelihood kernel (Fader & Hardie 2013).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/special_functions.hpp"
#include "crmmine/core/vectorisable_log.hpp"

namespace crmmine {
namespace detail {

// Rows of a block of the Gamma-Gamma row sums: their logarithms are taken in one
// vectorised pass.
constexpr std::size_t spend_block = 64;

// The six row sums of GammaGammaKernel::spend_sums, each in four lanes: row i of a
// block goes to lane i % 4. A lane's additions form a chain of their own, so the loop
// vectorises (a single chain bound a million customers' pass by its add latency)
// without reordering any addition: the bits are the same on any instruction set.
using SpendLanes = std::array<std::array<double, 4>, 6>;

// Adds n <= spend_block rows (x m in optimizer units, x, and weights unless weighted
// is false) to the lanes: with L = log1p(x m / v), s = v / (x m + v) and r = 1 - s,
// the sums of w x L, w L, w r, w x s, w x s^2 and w r (1 + s), those past `order`
// left alone. A short block is padded with rows of x m = 0 and x = 0, which add 0 to
// every sum.
template <int order, bool weighted>
inline void add_spend_block_baseline(const double* spend, const double* xs,
                                     const double* w, std::size_t n, double inverse_v,
                                     SpendLanes& lanes) noexcept {
    double ratio[spend_block], x[spend_block], weight[spend_block],
        log1p_ratio[spend_block];
    for (std::size_t i = 0; i < spend_block; ++i) {
        const bool row = i < n;
        ratio[i] = row ? spend[i] * inverse_v : 0.0;
        x[i] = row ? xs[i] : 0.0;
        weight[i] = !weighted ? 1.0 : row ? w[i] : 0.0;
    }
    map_block_baseline<Log1pNonNegative>(ratio, static_cast<std::int64_t>(spend_block),
                                         log1p_ratio);
    // Four rows at a time as one vector of the lanes: elementwise, so each lane
    // rounds as scalar code would.
    using Quad = double __attribute__((vector_size(32)));
    // (Filled through a reference: a lambda returning one would change the ABI.)
    auto load = [](Quad& to, const double* from) { std::memcpy(&to, from, sizeof to); };
    Quad sums[6];
    for (std::size_t j = 0; j < 6; ++j) load(sums[j], lanes[j].data());
    for (std::size_t at = 0; at < spend_block; at += 4) {
        Quad r, w_i, x_i, log1p_r;
        load(r, ratio + at);
        load(w_i, weight + at);
        load(x_i, x + at);
        load(log1p_r, log1p_ratio + at);
        const Quad wx_i = w_i * x_i;
        sums[0] += wx_i * log1p_r;
        sums[1] += w_i * log1p_r;
        if constexpr (order >= 1) {
            const Quad share = 1.0 / (1.0 + r);  // s
            const Quad rest = r * share;         // r = 1 - s
            sums[2] += w_i * rest;
            sums[3] += wx_i * share;
            if constexpr (order == 2) {
                sums[4] += wx_i * share * share;
                sums[5] += w_i * rest * (1.0 + share);
            }
        }
    }
    for (std::size_t j = 0; j < 6; ++j)
        std::memcpy(lanes[j].data(), &sums[j], sizeof sums[j]);
}

#ifdef CRMMINE_ISA_DISPATCH
template <int order, bool weighted>
CRMMINE_AVX2_SAME_BITS inline void add_spend_block_avx2(const double* spend,
                                                        const double* xs,
                                                        const double* w, std::size_t n,
                                                        double inverse_v,
                                                        SpendLanes& lanes) noexcept {
    add_spend_block_baseline<order, weighted>(spend, xs, w, n, inverse_v, lanes);
}
#endif

// add_spend_block_baseline on the widest instruction set the processor has.
template <int order, bool weighted>
inline void add_spend_block(const double* spend, const double* xs, const double* w,
                            std::size_t n, double inverse_v,
                            SpendLanes& lanes) noexcept {
#ifdef CRMMINE_ISA_DISPATCH
    if (isa_level() >= 1)
        return add_spend_block_avx2<order, weighted>(spend, xs, w, n, inverse_v, lanes);
#endif
    add_spend_block_baseline<order, weighted>(spend, xs, w, n, inverse_v, lanes);
}

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

    // The sums run over the problem's SpendSummary, not its rows.
    using Summary = SpendSummary;

    // The sum over rows of w log L, as sum_log_likelihood gives it, from a summary.
    double sum_summary(const SpendSummary& summary, double* g, double* h,
                       int n_threads) const {
        const int order = h != nullptr ? 2 : g != nullptr ? 1 : 0;
        const auto rows = order == 2   ? spend_sums<2>(summary, n_threads)
                          : order == 1 ? spend_sums<1>(summary, n_threads)
                                       : spend_sums<0>(summary, n_threads);
        // rows: sums of w x L, w L, w r, w x s, w x s^2 and w r (1 + s) with
        // L = log1p(x m / v) = log(x m + v) - log v, s = v / (x m + v), r = 1 - s.
        // Taken so, the gradient has no difference of large sums: where the data show
        // no spread of spend between customers the optimum lies at q, v -> infinity,
        // and w log v - w log(x m + v), summed, is rounding by q = 1e8.
        double ll = 0.0, weight = 0.0, x_weight = 0.0;  // sums of w and w x
        double log_spend = 0.0, x_log_spend = 0.0;      // of w log m and w x log m
        std::array<double, 3> gx{};
        std::array<double, 6> hx{};
        for (std::size_t j = 0; j < summary.x_values.size(); ++j) {
            const double x = summary.x_values[j], w = summary.x_weights[j];
            const XTerms terms = x_terms(x, order);
            ll += w * (terms.log_ratio + terms.px * terms.log_x);
            weight += w;
            x_weight += w * x;
            log_spend += summary.x_log_spend[j];
            x_log_spend += x * summary.x_log_spend[j];
            gx[0] += w * x * (terms.digamma_px + terms.log_x);
            gx[1] += w * terms.digamma_q;
            hx[0] += w * x * x * terms.trigamma_px;
            hx[1] += w * x * terms.trigamma_sum;
            hx[3] += w * terms.trigamma_q;
        }
        const double x_log_ratio = x_log_spend - x_weight * log_v;
        ll += p * x_log_ratio - weight * log_gamma_q - log_spend - p * rows[0] -
              q * rows[1];
        if (g != nullptr) {
            g[0] = gx[0] + x_log_ratio - rows[0];
            g[1] = gx[1] - rows[1];
            g[2] = (q * rows[2] - p * rows[3]) / v;
        }
        if (h != nullptr) {
            h[0] = hx[0];
            h[1] = hx[1];
            h[2] = -rows[3] / v;
            h[3] = hx[3];
            h[4] = rows[2] / v;
            h[5] = (p * rows[4] - q * rows[5]) / (v * v);
        }
        return ll;
    }

    // The row sums sum_summary needs for derivatives up to `order`, per fixed chunk.
    template <int order>
    std::array<double, 6> spend_sums(const SpendSummary& summary, int n_threads) const {
        return summary.weight.empty()
                   ? weighted_spend_sums<order, false>(summary, n_threads)
                   : weighted_spend_sums<order, true>(summary, n_threads);
    }

    // spend_sums with the summary's weights, or (weighted false) every weight 1.
    template <int order, bool weighted>
    std::array<double, 6> weighted_spend_sums(const SpendSummary& summary,
                                              int n_threads) const {
        const std::size_t n = summary.spend.size();
        const auto partial = chunk_parts<SpendLanes>(
            n, clv_threads(n, n_threads),
            [&](std::size_t begin, std::size_t end, SpendLanes& lanes) {
                const double inverse_v = 1.0 / v;
                for (std::size_t at = begin; at < end; at += spend_block)
                    add_spend_block<order, weighted>(
                        summary.spend.data() + at, summary.x.data() + at,
                        weighted ? summary.weight.data() + at : nullptr,
                        std::min(spend_block, end - at), inverse_v, lanes);
            });
        std::array<double, 6> total{};
        for (const SpendLanes& lanes : partial)
            for (std::size_t j = 0; j < total.size(); ++j)
                total[j] += (lanes[j][0] + lanes[j][1]) + (lanes[j][2] + lanes[j][3]);
        return total;
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

// A start near the optimum (optimizer units), from the moments of log spend by x. In
// the model m = G / (nu x) with G ~ Gamma(p x, 1) and nu ~ Gamma(q, rate v), so
//   Var(log m | x) = trigamma(p x) + trigamma(q), about 1 / (p x) + trigamma(q),
//   E(log m + log x | x) = digamma(p x) - digamma(q) + log v.
// A line through the variances against 1 / x, weighted by each x's customers, gives
// p (1 / slope) and q (trigamma(q) = intercept); the means then give v. Moments of
// the logs stay finite under the heavy tails of a small q, where those of the spends
// do not. Newton from here takes 3 or 4 steps where it took 7 from the unit start.
// nullopt where the line gives no usable start (fewer than two x with more than one
// customer, a slope or intercept <= 0, a parameter beyond 1e4 of its scale).
inline std::optional<std::array<double, 3>> gamma_gamma_moment_start(
    const SpendSummary& summary) {
    double sum_w = 0.0, sum_u = 0.0, sum_var = 0.0, sum_uu = 0.0, sum_uvar = 0.0;
    for (std::size_t j = 0; j < summary.x_values.size(); ++j) {
        const double w = summary.x_weights[j];
        if (!(w > 1.0)) continue;
        const double mean = summary.x_log_spend[j] / w;
        const double var =
            (summary.x_log_spend_squares[j] - mean * summary.x_log_spend[j]) /
            (w - 1.0);
        const double u = 1.0 / summary.x_values[j], fit_weight = w - 1.0;
        sum_w += fit_weight;
        sum_u += fit_weight * u;
        sum_var += fit_weight * var;
        sum_uu += fit_weight * u * u;
        sum_uvar += fit_weight * u * var;
    }
    const double spread = sum_uu - sum_u * sum_u / sum_w;
    const double slope = (sum_uvar - sum_u * sum_var / sum_w) / spread;
    const double intercept = (sum_var - slope * sum_u) / sum_w;
    if (!(spread > 0.0 && slope > 0.0 && intercept > 0.0)) return std::nullopt;
    const double p = 1.0 / slope;
    const double q = 1.0 / intercept + 0.5;  // trigamma(q) ~ 1 / q + 1 / (2 q^2)
    double log_v_sum = 0.0, weight = 0.0;
    for (std::size_t j = 0; j < summary.x_values.size(); ++j) {
        const double x = summary.x_values[j], w = summary.x_weights[j];
        log_v_sum += summary.x_log_spend[j] + w * (std::log(x) - digamma(p * x));
        weight += w;
    }
    const std::array<double, 3> start{p, q, std::exp(log_v_sum / weight + digamma(q))};
    for (const double value : start)
        if (!(value >= 1e-4 && value <= 1e4)) return std::nullopt;
    return start;
}

}  // namespace detail
}  // namespace crmmine
