#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "crmmine/clv/detail/pareto_nbd_kernel.hpp"
#include "crmmine/clv/detail/quadrature.hpp"
#include "crmmine/clv/detail/special_functions.hpp"
#include "oracles.hpp"

using namespace crmmine::detail;

TEST_CASE(
    "log_gamma_ratio, digamma_difference and trigamma_difference equal finite products "
    "and sums") {
    // Gamma(y + d) / Gamma(y) = y (y + 1) ... (y + d - 1) for whole d, which needs no
    // gamma function at all; likewise digamma(y + d) - digamma(y) = sum 1 / (y + j).
    for (const double y : {1e-6, 0.3, 2.5, 9.99, 10.0, 12.5, 1e3, 1e8, 1e14}) {
        for (const int d : {1, 3, 7, 40}) {
            double log_product = 0.0, sum = 0.0;
            for (int j = 0; j < d; ++j) {
                log_product += std::log(y + j);
                sum += 1.0 / (y + j);
            }
            CHECK(log_gamma_ratio(y, d) ==
                  doctest::Approx(log_product).epsilon(1e-14).scale(1.0));
            CHECK(digamma_difference(y, d) == doctest::Approx(sum).epsilon(1e-13));
            double squares = 0.0;  // trigamma(y + d) - trigamma(y) = -sum 1 / (y + j)^2
            for (int j = 0; j < d; ++j) squares -= 1.0 / ((y + j) * (y + j));
            CHECK(trigamma_difference(y, d) == doctest::Approx(squares).epsilon(1e-12));
        }
        CHECK(log_gamma_ratio(y, 0.0) == 0.0);
        CHECK(digamma_difference(y, 0.0) == 0.0);
        CHECK(trigamma_difference(y, 0.0) == 0.0);
    }
    // Non-integer steps against lgamma where the difference does not cancel.
    for (const double y : {0.7, 4.2, 15.3, 60.0})
        for (const double d : {0.35, 2.7, 11.1})
            CHECK(log_gamma_ratio(y, d) ==
                  doctest::Approx(std::lgamma(y + d) - std::lgamma(y)).epsilon(1e-13));
}

TEST_CASE("log_beta, log_sum_exp, log1p_exp and sigmoid at known and extreme values") {
    // B(2, 3) = 1/12, B(0.5, 0.5) = pi.
    CHECK(log_beta(2.0, 3.0) == doctest::Approx(std::log(1.0 / 12.0)).epsilon(1e-15));
    CHECK(log_beta(0.5, 0.5) == doctest::Approx(std::log(M_PI)).epsilon(1e-15));
    CHECK(log_sum_exp(1000.0, 1000.0) == doctest::Approx(1000.0 + std::log(2.0)));
    CHECK(log_sum_exp(-1000.0, -1001.0) ==
          doctest::Approx(-1000.0 + std::log1p(std::exp(-1.0))));
    const double ninf = -std::numeric_limits<double>::infinity();
    CHECK(log_sum_exp(ninf, 3.0) == 3.0);
    CHECK(log1p_exp(800.0) == 800.0);
    CHECK(log1p_exp(-800.0) == doctest::Approx(std::exp(-800.0)));
    CHECK(sigmoid(-800.0) >= 0.0);
    CHECK(sigmoid(800.0) == 1.0);
    CHECK(one_minus_power_over(0.0, std::log(0.25)) == doctest::Approx(std::log(4.0)));
    CHECK(one_minus_power_over(2.0, std::log(0.5)) == doctest::Approx(0.375));
    CHECK(one_minus_power_over(1e-12, std::log(0.25)) ==
          doctest::Approx(std::log(4.0)).epsilon(1e-10));
}

TEST_CASE("log1p_fast agrees with log1p to a few ulps") {
    for (const double x : {0.0, 1e-300, 3e-17, 1e-12, 2.5e-8, 1e-4, 0.3, 1.0, 7.5, 1e6,
                           3e200, -0.5, -1e-9}) {
        CAPTURE(x);
        CHECK(log1p_fast(x) == doctest::Approx(std::log1p(x)).epsilon(1e-15));
    }
}

TEST_CASE("log 2F1(1, p; q; z) matches scipy") {
    // log(scipy.special.hyp2f1(1, p, q, z)) computed with SciPy 1.17.
    struct Case {
        double p, q, z, expected;
    };
    const std::vector<Case> cases = {
        {0.5, 1.7, 0.3, 0.1014710813357028},
        {2.5, 3.1, 0.9, 1.6384588919179512},
        {201.3, 202.0, 0.95, 2.93666318535833},
        {1.2, 250.0, 0.99, 0.004782308072794043},
        {3.0, 3.5, 0.0, 0.0},
        {12.0, 40.0, 0.7, 0.23985466939646616},
    };
    for (const Case& c : cases) {
        const Hyp2f1Series s = log_hyp2f1_1pq(c.p, c.q, c.z, true);
        CHECK(s.converged);
        CHECK(s.log_value == doctest::Approx(c.expected).epsilon(1e-13).scale(1e-3));
    }
    // z near 1 with p close to q: no convergence within the default budget; the
    // caller then integrates instead (tested below).
    CHECK_FALSE(log_hyp2f1_1pq(0.6, 1.6, 0.999, false).converged);
    CHECK(log_hyp2f1_1pq(0.6, 1.6, 0.999, false, 200000).log_value ==
          doctest::Approx(1.5529291367455185).epsilon(1e-12));
}

TEST_CASE("log 2F1(a, b; a + 1; z) of the Pareto/NBD through Euler's transform") {
    // 2F1(a, b; a+1; z) = (1 - z)^(1 - b) 2F1(1, a + 1 - b; a + 1; z); the first case
    // is about e^138, the size a customer with 200 purchases produces.
    // log(scipy.special.hyp2f1(a, b, a + 1, z)), SciPy 1.17.
    struct Case {
        double a, b, z, expected;
    };
    for (const Case& c : std::vector<Case>{{201.2, 200.6, 0.5, 138.35615134903225},
                                           {201.2, 1.6, 0.97, 5.404436179639624},
                                           {3.1, 2.5, 0.8, 2.8683200657824632}}) {
        const double value =
            (1.0 - c.b) * std::log1p(-c.z) +
            log_hyp2f1_1pq(c.a + 1.0 - c.b, c.a + 1.0, c.z, false).log_value;
        CHECK(value == doctest::Approx(c.expected).epsilon(1e-13));
    }
}

TEST_CASE("derivatives of log 2F1(1, p; q; z) equal finite differences") {
    for (const auto& [p, q, z] : std::vector<std::array<double, 3>>{
             {0.5, 1.7, 0.3}, {2.5, 3.1, 0.9}, {40.0, 45.0, 0.6}, {1.5, 30.0, 0.98}}) {
        const Hyp2f1Series s = log_hyp2f1_1pq(p, q, z, true);
        auto at = [&](double dp, double dq, double dz) {
            return log_hyp2f1_1pq(p + dp, q + dq, z + dz, false).log_value;
        };
        const double h = 1e-4;
        CHECK(s.d_p == doctest::Approx(clv_test::derivative(
                                           [&](double e) { return at(e, 0, 0); }, h))
                           .epsilon(1e-8));
        CHECK(s.d_q == doctest::Approx(clv_test::derivative(
                                           [&](double e) { return at(0, e, 0); }, h))
                           .epsilon(1e-8));
        CHECK(s.d_z == doctest::Approx(clv_test::derivative(
                                           [&](double e) { return at(0, 0, e); }, 1e-6))
                           .epsilon(1e-7));
    }
}

TEST_CASE("Gauss-Hermite rule integrates polynomials and a cosine against exp(-x^2)") {
    const HermiteRule rule = gauss_hermite_rule(24);
    REQUIRE(rule.x.size() == 24);
    // int x^(2k) exp(-x^2) dx = Gamma(k + 1/2); odd powers vanish, to the rounding of
    // their terms. Exact to degree 47; checked to 23, beyond which the outer nodes,
    // whose weights are below 1e-20 and carry the solver's rounding, dominate.
    for (int k = 0; k <= 11; ++k) {
        double even = 0.0, odd = 0.0, odd_size = 0.0;
        for (std::size_t i = 0; i < rule.x.size(); ++i) {
            const double w = rule.scaled_weight[i] * std::exp(-rule.x[i] * rule.x[i]);
            even += w * std::pow(rule.x[i], 2 * k);
            odd += w * std::pow(rule.x[i], 2 * k + 1);
            odd_size += std::fabs(w * std::pow(rule.x[i], 2 * k + 1));
        }
        CHECK(even == doctest::Approx(std::tgamma(k + 0.5)).epsilon(1e-12));
        CHECK(std::fabs(odd) <= 1e-13 * odd_size);
    }
    double cosine = 0.0;
    for (std::size_t i = 0; i < rule.x.size(); ++i)
        cosine += rule.scaled_weight[i] * std::exp(-rule.x[i] * rule.x[i]) *
                  std::cos(rule.x[i]);
    CHECK(cosine == doctest::Approx(std::sqrt(M_PI) * std::exp(-0.25)).epsilon(1e-14));
}

TEST_CASE("peak of the logit-Beta density against 50-digit log-gammas") {
    // a log p + b log q - log B(a, b) at p = a / (a + b) with mpmath at 50 digits; in
    // double precision the log-gammas alone lose 1e-9 at b = 1e6 and every digit
    // beyond.
    struct Reference {
        double a, b, expected;
    };
    for (const Reference& c : std::vector<Reference>{
             {0.5, 3.0, -1.4999456351470027},
             {12.0, 40.0, 0.18490907375924626},
             {3.0, 1000000.0, -0.39731181455361624},
             {2000.0, 15.0, 0.42579551620142942},
             {0.02, 0.7, -4.0160365812195571},
             {11.0, 9.0, -0.13190756289304093},
             {100000.0, 3000000000000.0, 4.8375233492804417},
             {460000000.0, 1.9e+16, 9.0544299782326122},
         })
        CHECK(log_logit_beta_peak(c.a, c.b) ==
              doctest::Approx(c.expected).epsilon(1e-13));
}

TEST_CASE("log-concave quadrature integrates a narrow Gaussian and an exponential") {
    // exp(-(u - 3)^2 / (2 0.01^2)) over the real line: 0.01 sqrt(2 pi).
    auto gauss = [](double u, double& d) {
        d = -(u - 3.0) / 1e-4;
        return -(u - 3.0) * (u - 3.0) / 2e-4;
    };
    LogConcaveRule rule;
    log_concave_rule(gauss, -std::numeric_limits<double>::infinity(), 50.0, 3.0, rule);
    double sum = 0.0;
    for (const auto& node : rule.nodes) sum += node.weight;
    CHECK(std::exp(rule.psi_ref) * sum ==
          doctest::Approx(0.01 * std::sqrt(2.0 * M_PI)).epsilon(1e-13));
    // exp(-400 u) on [0, 2]: (1 - e^-800) / 400, decaying by e^-400 per unit.
    auto decay = [](double u, double& d) {
        d = -400.0;
        return -400.0 * u;
    };
    log_concave_rule(decay, 0.0, 2.0, 0.0, rule);
    sum = 0.0;
    for (const auto& node : rule.nodes) sum += node.weight;
    CHECK(std::exp(rule.psi_ref) * sum == doctest::Approx(1.0 / 400.0).epsilon(1e-13));
}

namespace {

// log[(alpha+t1)^e1 (beta+t1)^e2 int_{t0}^{t1} (alpha+tau)^-e1 (beta+tau)^-e2 dtau] by
// composite Simpson in log(min(alpha, beta) + tau): a brute-force reference.
double brute_scaled_integral(double e1, double e2, double alpha, double beta, double t0,
                             double t1) {
    const int n = 200000;
    const double m = std::min(alpha, beta);
    const double lo = std::log(m + t0), hi = std::log(m + t1);
    auto f = [&](double y) {
        const double tau = std::min(std::exp(y) - m, t1);
        return std::exp(y + e1 * std::log1p((t1 - tau) / (alpha + tau)) +
                        e2 * std::log1p((t1 - tau) / (beta + tau)));
    };
    const double h = (hi - lo) / n;
    double sum = f(lo) + f(hi);
    for (int i = 1; i < n; ++i) sum += f(lo + i * h) * (i % 2 == 1 ? 4.0 : 2.0);
    return std::log(sum * h / 3.0);
}

}  // namespace

TEST_CASE(
    "Pareto/NBD dropout integral: series and quadrature paths against brute force") {
    // Also parameters far out (r, alpha ~ 1e14, 1e18), where the optimizer may wander:
    // the scaled integral stays of the size of the answer.
    struct Case {
        double e1, e2, alpha, beta, t0, t1;
    };
    const std::vector<Case> cases = {
        {2.5, 1.6, 0.27, 0.30, 0.78, 1.0},     // CDNOW-like, alpha < beta
        {0.55, 1.6, 0.27, 0.30, 0.0, 1.0},     // no repeat purchase
        {3.0, 2.2, 1.5, 0.4, 0.2, 0.9},        // alpha > beta
        {0.4, 1.2, 1e-4, 5.0, 0.0, 1.0},       // z near 1: the series gives up
        {0.9, 1.05, 3.0, 1e-5, 0.0, 0.5},      // z near 1 the other way round
        {5.0, 1.7, 0.3, 0.3, 0.1, 0.6},        // alpha == beta
        {2.0, 1.5, 0.5, 0.8, 0.4, 0.4000001},  // t_x next to T: the difference cancels
        {3e6, 88.0, 2.8e10, 3.4, 0.0, 0.9},    // alpha and e1 far out
        // beta far above alpha + T, as where a fit runs to the NBD boundary (Online
        // Retail in days: s -> 0, beta -> 1e7): the expansion in (alpha + tau) / beta
        {0.83, 1.000001, 69.0, 2.4e7, 0.0, 373.0},     // no repeat purchase
        {200.8, 1.000001, 69.0, 2.4e7, 300.0, 373.0},  // many purchases
        {2.0, 1.3, 0.2, 150.0, 0.3, 1.0},              // j + 1 - e1 = 0 at j = 1
        {0.6, 40.0, 0.1, 3e4, 0.0, 1.0},               // large e2: more terms
        {1.7, 2.5, 800.0, 0.05, 0.2, 0.9},             // alpha far above beta
    };
    for (const Case& c : cases) {
        const ParetoIntegral I =
            pareto_log_integral(c.e1, c.e2, c.alpha, c.beta, c.t0, c.t1, true);
        const double expected =
            brute_scaled_integral(c.e1, c.e2, c.alpha, c.beta, c.t0, c.t1);
        CHECK(I.log_value == doctest::Approx(expected).epsilon(1e-10).scale(1.0));
        auto value = [&](double de1, double de2, double da, double db) {
            return pareto_log_integral(c.e1 + de1, c.e2 + de2, c.alpha + da,
                                       c.beta + db, c.t0, c.t1, false)
                .log_value;
        };
        const double h_e1 = 1e-4 * std::max(1.0, c.e1),
                     h_e2 = 1e-4 * std::max(1.0, c.e2);
        CHECK(I.d_e1 ==
              doctest::Approx(clv_test::derivative(
                                  [&](double e) { return value(e, 0, 0, 0); }, h_e1))
                  .epsilon(1e-7));
        CHECK(I.d_e2 ==
              doctest::Approx(clv_test::derivative(
                                  [&](double e) { return value(0, e, 0, 0); }, h_e2))
                  .epsilon(1e-7));
        CHECK(I.d_alpha ==
              doctest::Approx(
                  clv_test::derivative([&](double e) { return value(0, 0, e, 0); },
                                       1e-5 * c.alpha))
                  .epsilon(1e-6));
        CHECK(I.d_beta ==
              doctest::Approx(
                  clv_test::derivative([&](double e) { return value(0, 0, 0, e); },
                                       1e-5 * c.beta))
                  .epsilon(1e-6));
    }
    CHECK(pareto_log_integral(2.0, 1.5, 0.5, 0.8, 0.4, 0.4, true).log_value ==
          -std::numeric_limits<double>::infinity());
}

TEST_CASE(
    "Pareto/NBD dropout integral far from alpha = beta: gradient to its own size") {
    // There the partial derivatives in beta are tiny (1e-13 at beta = 2.4e7), below
    // any absolute tolerance; in log-parameters and relative to their size they are
    // what the optimizer steps on.
    struct Case {
        double e1, e2, alpha, beta, t0, t1;
    };
    const std::vector<Case> cases = {
        {0.83, 1.000001, 69.0, 2.4e7, 0.0, 373.0},
        {200.8, 1.000001, 69.0, 2.4e7, 300.0, 373.0},
        {2.0, 1.3, 0.2, 150.0, 0.3, 1.0},
        {0.6, 40.0, 0.1, 3e4, 0.0, 1.0},
        {1.7, 2.5, 800.0, 0.05, 0.2, 0.9},
    };
    for (const Case& c : cases) {
        const ParetoIntegral I =
            pareto_log_integral(c.e1, c.e2, c.alpha, c.beta, c.t0, c.t1, true);
        auto value = [&](double de1, double de2, double log_a, double log_b) {
            return pareto_log_integral(c.e1 * std::exp(de1), c.e2 * std::exp(de2),
                                       c.alpha * std::exp(log_a),
                                       c.beta * std::exp(log_b), c.t0, c.t1, false)
                .log_value;
        };
        const double gradient[4] = {c.e1 * I.d_e1, c.e2 * I.d_e2, c.alpha * I.d_alpha,
                                    c.beta * I.d_beta};
        for (int k = 0; k < 4; ++k) {
            const double expected = clv_test::derivative(
                [&](double e) {
                    return value(k == 0 ? e : 0, k == 1 ? e : 0, k == 2 ? e : 0,
                                 k == 3 ? e : 0);
                },
                1e-4);
            CHECK(gradient[k] == doctest::Approx(expected).epsilon(2e-5).scale(0.0));
        }
    }
}

TEST_CASE(
    "series_outlasts gives up only on series whose last allowed term is above eps") {
    // The K-th term (p)_K / (q)_K z^K by its product; the series cannot stop before
    // it falls to eps, so a series given up on must have it above eps.
    int given_up = 0;
    for (const double p : {0.8, 3.5, 40.0})
        for (const double b : {0.5, 2.0, 6.0, 25.0})
            for (const double z : {0.5, 0.99, 0.9999, 1.0 - 1e-6})
                for (const int K : {150, 2000}) {
                    const double q = p + b;
                    double log_term = 0.0;
                    for (int k = 0; k < K; ++k)
                        log_term += std::log((p + k) / (q + k) * z);
                    const bool outlasts = series_outlasts(p, q, z, K, 1e-16);
                    CAPTURE(p);
                    CAPTURE(q);
                    CAPTURE(z);
                    CAPTURE(K);
                    if (outlasts) {
                        CHECK(log_term > std::log(1e-16));
                        ++given_up;
                    }
                }
    CHECK(given_up > 10);  // the check does fire near z = 1
}
