// The Gamma-Gamma spend model's likelihood kernel (Fader & Hardie 2013).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/special_functions.hpp"
#include "crmmine/core/vectorisable_log.hpp"

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

    // What the sum over rows needs of them. Only log(x m + v) joins a row's data to a
    // parameter; every other term is a function of x alone (summed over the distinct
    // x with their weights) or linear in the parameters (sums of w log m and w x log
    // m, taken once). So a pass over the rows is one logarithm and one division each,
    // read from three arrays, against the whole likelihood of a 40-byte row.
    struct Summary {
        std::vector<double> x_values, x_weights;  // distinct x and their total weight
        double weight = 0.0;                      // sum of w
        double log_spend = 0.0;                   // sum of w log m
        double x_log_spend = 0.0;                 // sum of w x log m
        std::vector<double> spend;                // x m, by row
        std::vector<double> row_weight;           // w
        std::vector<double> x_weight;             // w x
    };

    // rows grouped by x (a fit's rows); the sums are per fixed chunk, added in chunk
    // order, so they do not depend on the thread count.
    static Summary summarize(const std::vector<CustomerRow>& rows, int n_threads) {
        Summary out;
        const std::size_t n = rows.size();
        out.spend.resize(n);
        out.row_weight.resize(n);
        out.x_weight.resize(n);
        struct Chunk {
            double weight = 0.0, log_spend = 0.0, x_log_spend = 0.0;
            std::vector<std::array<double, 2>> runs;  // (x, weight) of each run of x
        };
        const auto chunks = chunk_parts<Chunk>(
            n, n_threads, [&](std::size_t begin, std::size_t end, Chunk& chunk) {
                for (std::size_t i = begin; i < end; ++i) {
                    const CustomerRow& row = rows[i];
                    out.spend[i] = row.x * row.t_x;
                    out.row_weight[i] = row.weight;
                    out.x_weight[i] = row.weight * row.x;
                    chunk.weight += row.weight;
                    chunk.log_spend += row.weight * row.T;
                    chunk.x_log_spend += row.weight * row.x * row.T;
                    if (chunk.runs.empty() || chunk.runs.back()[0] != row.x)
                        chunk.runs.push_back({row.x, 0.0});
                    chunk.runs.back()[1] += row.weight;
                }
            });
        for (const Chunk& chunk : chunks) {
            out.weight += chunk.weight;
            out.log_spend += chunk.log_spend;
            out.x_log_spend += chunk.x_log_spend;
            for (const auto& [x, weight] : chunk.runs) {
                if (out.x_values.empty() || out.x_values.back() != x) {
                    out.x_values.push_back(x);
                    out.x_weights.push_back(0.0);
                }
                out.x_weights.back() += weight;
            }
        }
        return out;
    }

    // The sum over rows of w log L, as sum_log_likelihood gives it, from a summary.
    double sum_summary(const Summary& summary, double* g, double* h,
                       int n_threads) const {
        const int order = h != nullptr ? 2 : g != nullptr ? 1 : 0;
        const auto rows = order == 2   ? spend_sums<2>(summary, n_threads)
                          : order == 1 ? spend_sums<1>(summary, n_threads)
                                       : spend_sums<0>(summary, n_threads);
        // rows: sums of w x L, w L, w x u, w u, w x u^2, w u^2 with L = log(x m + v)
        // and u = 1 / (x m + v).
        const double weight = summary.weight;
        double ll = 0.0;
        std::array<double, 3> gx{};
        std::array<double, 6> hx{};
        for (std::size_t j = 0; j < summary.x_values.size(); ++j) {
            const double x = summary.x_values[j], w = summary.x_weights[j];
            const XTerms terms = x_terms(x, order);
            ll += w * (terms.log_ratio + terms.px * terms.log_x);
            gx[0] += w * x * (terms.digamma_px + terms.log_x);
            gx[1] += w * terms.digamma_q;
            hx[0] += w * x * x * terms.trigamma_px;
            hx[1] += w * x * terms.trigamma_sum;
            hx[3] += w * terms.trigamma_q;
        }
        ll += weight * (q * log_v - log_gamma_q) + p * summary.x_log_spend -
              summary.log_spend - p * rows[0] - q * rows[1];
        if (g != nullptr) {
            g[0] = gx[0] + summary.x_log_spend - rows[0];
            g[1] = gx[1] + weight * log_v - rows[1];
            g[2] = weight * q / v - p * rows[2] - q * rows[3];
        }
        if (h != nullptr) {
            h[0] = hx[0];
            h[1] = hx[1];
            h[2] = -rows[2];
            h[3] = hx[3];
            h[4] = weight / v - rows[3];
            h[5] = -weight * q / (v * v) + p * rows[4] + q * rows[5];
        }
        return ll;
    }

    // The row sums sum_summary needs for derivatives up to `order`, per fixed chunk.
    template <int order>
    std::array<double, 6> spend_sums(const Summary& summary, int n_threads) const {
        const std::size_t n = summary.spend.size();
        const auto partial = chunk_parts<std::array<double, 6>>(
            n, clv_threads(n, n_threads),
            [&](std::size_t begin, std::size_t end, std::array<double, 6>& sum) {
                const double* spend = summary.spend.data();
                const double* w = summary.row_weight.data();
                const double* wx = summary.x_weight.data();
                // A block at a time: its logarithms in one vectorised pass.
                constexpr std::size_t block = 64;
                double total[block], inverse[block], log_total[block];
                for (std::size_t at = begin; at < end; at += block) {
                    const std::size_t n_block = std::min(block, end - at);
                    for (std::size_t i = 0; i < n_block; ++i) {
                        total[i] = spend[at + i] + v;
                        if constexpr (order >= 1) inverse[i] = 1.0 / total[i];
                    }
                    map_block<LogPositive>(total, static_cast<std::int64_t>(n_block),
                                           log_total);
                    for (std::size_t i = 0; i < n_block; ++i) {
                        const double w_i = w[at + i], wx_i = wx[at + i];
                        sum[0] += wx_i * log_total[i];
                        sum[1] += w_i * log_total[i];
                        if constexpr (order >= 1) {
                            const double u = inverse[i];
                            sum[2] += wx_i * u;
                            sum[3] += w_i * u;
                            if constexpr (order == 2) {
                                sum[4] += wx_i * u * u;
                                sum[5] += w_i * u * u;
                            }
                        }
                    }
                }
            });
        std::array<double, 6> total{};
        for (const auto& part : partial)
            for (std::size_t j = 0; j < total.size(); ++j) total[j] += part[j];
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

}  // namespace detail
}  // namespace crmmine
