// Independent references for the CLV tests: the papers' formulas evaluated directly
// (plain lgamma / pow / hypergeometric series, fine for moderate inputs), simulators
// of the generative models, and finite-difference gradients.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/model_fit.hpp"

namespace clv_test {

// Plain series for 2F1(a, b; c; z), a, b, c > 0, 0 <= z < 1.
inline double naive_hyp2f1(double a, double b, double c, double z) {
    double term = 1.0, sum = 1.0;
    for (int k = 0; k < 200000; ++k) {
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if (term < 1e-17 * sum && k > 10) break;
    }
    return sum;
}

inline double lbeta(double a, double b) {
    return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// BG/NBD individual likelihood, Fader, Hardie & Lee (2005), eq. (6).
inline double bg_nbd_ll(double r, double alpha, double a, double b, double x,
                        double t_x, double T) {
    const double common =
        std::exp(std::lgamma(r + x) - std::lgamma(r) + r * std::log(alpha));
    double L = std::exp(lbeta(a, b + x) - lbeta(a, b)) * common *
               std::pow(alpha + T, -(r + x));
    if (x > 0)
        L += std::exp(lbeta(a + 1, b + x - 1) - lbeta(a, b)) * common *
             std::pow(alpha + t_x, -(r + x));
    return std::log(L);
}

// MBG/NBD individual likelihood (Batislam et al. 2007, as lifetimes).
inline double mbg_nbd_ll(double r, double alpha, double a, double b, double x,
                         double t_x, double T) {
    const double common =
        std::exp(std::lgamma(r + x) - std::lgamma(r) + r * std::log(alpha));
    const double L = std::exp(lbeta(a, b + x + 1) - lbeta(a, b)) * common *
                         std::pow(alpha + T, -(r + x)) +
                     std::exp(lbeta(a + 1, b + x) - lbeta(a, b)) * common *
                         std::pow(alpha + t_x, -(r + x));
    return std::log(L);
}

// Pareto/NBD individual likelihood, Fader & Hardie (2005) eq. (18)-(20), given the two
// hypergeometric values 2F1(r+s+x, t; r+s+x+1; |alpha-beta|/(max(alpha,beta)+t_x or
// T)) with t = r + x (alpha < beta) or s + 1.
inline double pareto_nbd_ll(double r, double alpha, double s, double beta, double x,
                            double t_x, double T, double f_tx, double f_T) {
    const double m = std::max(alpha, beta);
    const double rsx = r + s + x;
    const double A0 = f_tx / std::pow(m + t_x, rsx) - f_T / std::pow(m + T, rsx);
    const double L =
        std::exp(std::lgamma(r + x) - std::lgamma(r)) * std::pow(alpha, r) *
        std::pow(beta, s) *
        (std::pow(alpha + T, -(r + x)) * std::pow(beta + T, -s) + s / rsx * A0);
    return std::log(L);
}

// Gamma-Gamma individual likelihood, Fader & Hardie (2013) eq. (1a).
inline double gamma_gamma_ll(double p, double q, double v, double x, double m) {
    return std::lgamma(p * x + q) - std::lgamma(p * x) - std::lgamma(q) +
           q * std::log(v) + (p * x - 1) * std::log(m) + p * x * std::log(x) -
           (p * x + q) * std::log(x * m + v);
}

struct History {
    std::vector<double> x, t_x, T, w;

    crmmine::PurchaseHistoryView view(bool weighted = false) const {
        return {x.data(), t_x.data(), T.data(), weighted ? w.data() : nullptr,
                x.size()};
    }
    void add(double x_, double t_x_, double T_, double w_ = 1.0) {
        x.push_back(x_);
        t_x.push_back(t_x_);
        T.push_back(T_);
        w.push_back(w_);
    }
};

// Customers drawn from the BG/NBD: rate ~ Gamma(r, alpha), dropout ~ Beta(a, b); after
// each repeat purchase the customer leaves with that probability (modified: after the
// first purchase too, the MBG/NBD). T ~ U(T_lo, T_hi).
inline History simulate_bg_nbd(double r, double alpha, double a, double b,
                               std::size_t n, double T_lo, double T_hi,
                               std::uint64_t seed, bool modified = false) {
    std::mt19937_64 rng(seed);
    std::gamma_distribution<double> rate(r, 1.0 / alpha), ga(a, 1.0), gb(b, 1.0);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    History h;
    for (std::size_t i = 0; i < n; ++i) {
        const double lambda = rate(rng);
        const double A = ga(rng), B = gb(rng);
        const double p = A / (A + B);
        const double T = T_lo + (T_hi - T_lo) * uniform(rng);
        double t = 0.0, last = 0.0;
        double x = 0.0;
        if (modified && uniform(rng) < p) {
            h.add(0.0, 0.0, T);
            continue;
        }
        for (;;) {
            t += -std::log1p(-uniform(rng)) / lambda;
            if (t > T) break;
            x += 1.0;
            last = t;
            if (uniform(rng) < p) break;
        }
        h.add(x, last, T);
    }
    return h;
}

// Central differences with Richardson extrapolation: f'(0) from f(+-h), f(+-2h).
inline double derivative(const std::function<double(double)>& f, double h) {
    return (8.0 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12.0 * h);
}

// An analytic derivative against finite differences of a log-likelihood made of terms
// as large as about (1 + |ll| + (1 + x) sum_j (1 + |log theta_j|)): the differences
// carry a rounding error near 1e-12 times that size, so that much slack is allowed on
// top of a relative 1e-6.
inline bool gradient_close(double analytic, double fd, double ll, double x,
                           const std::vector<double>& params) {
    double size = 1.0 + std::fabs(ll);
    for (const double theta : params)
        size += (1.0 + x) * (1.0 + std::fabs(std::log(theta)));
    return std::fabs(analytic - fd) <= 1e-6 * std::fabs(fd) + 1e-10 * size;
}

// fit() with a warm start from a sample of sample_rows rows (on data of at least four
// times as many distinct rows) and with none: both must end at the same optimum, the
// warm one in fewer iterations over all rows.
template <class Fit>
void check_warm_start(Fit&& fit, std::size_t sample_rows, double params_epsilon) {
    const std::size_t saved = crmmine::detail::warm_start_rows;
    crmmine::detail::warm_start_rows = sample_rows;
    const crmmine::ClvFit warm = fit();
    crmmine::detail::warm_start_rows = std::size_t{1} << 40;
    const crmmine::ClvFit cold = fit();
    crmmine::detail::warm_start_rows = saved;
    REQUIRE(warm.converged);
    REQUIRE(cold.converged);
    CHECK(warm.n_iter < cold.n_iter);
    CHECK(warm.log_likelihood == doctest::Approx(cold.log_likelihood).epsilon(1e-10));
    for (std::size_t j = 0; j < cold.params.size(); ++j) {
        CAPTURE(j);
        CHECK(warm.params[j] ==
              doctest::Approx(cold.params[j]).epsilon(params_epsilon));
    }
}

// The NBD's log-likelihood of the history at (r, alpha): purchases with no dropout,
// the limit a fit at the no-dropout boundary must reach.
inline double nbd_log_likelihood(const History& h, double r, double alpha) {
    double total = 0.0;
    for (std::size_t i = 0; i < h.x.size(); ++i)
        total += std::lgamma(r + h.x[i]) - std::lgamma(r) + r * std::log(alpha) -
                 (r + h.x[i]) * std::log(alpha + h.T[i]);
    return total;
}

// Checks that a fit which ended at the no-dropout limit is at least as good as the
// model's own walk without that try, from the same start, in fewer iterations.
template <class Kernel>
void check_beats_the_plain_walk(const crmmine::ClvFit& fit, crmmine::ClvModel model,
                                const History& h) {
    namespace detail = crmmine::detail;
    const detail::FitProblem problem =
        detail::purchase_fit_problem(model, h.view(), {}, 1);
    detail::FitObjective<Kernel> objective(problem, 0.0, 1);
    const detail::MinimizeResult walk = detail::minimize_objective(
        objective, Eigen::VectorXd::Zero(4), detail::MinimizeSettings{});
    REQUIRE(walk.converged);
    const double walked =
        -walk.f * problem.total_weight + problem.log_likelihood_offset;
    CHECK(fit.log_likelihood >= walked - 1e-9 * std::fabs(walked));
    CHECK(fit.n_iter < walk.n_iter);
}

}  // namespace clv_test
