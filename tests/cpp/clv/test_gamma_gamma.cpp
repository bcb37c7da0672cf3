#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "crmmine/clv/detail/gamma_gamma_kernel.hpp"
#include "crmmine/clv/gamma_gamma.hpp"
#include "crmmine/core/error.hpp"
#include "oracles.hpp"

using namespace crmmine;

namespace {

struct Spend {
    std::vector<double> x, m, w;
    SpendHistoryView view(bool weighted = false) const {
        return {x.data(), m.data(), weighted ? w.data() : nullptr, x.size()};
    }
    void add(double x_, double m_, double w_ = 1.0) {
        x.push_back(x_);
        m.push_back(m_);
        w.push_back(w_);
    }
};

// Fader & Hardie (2013): the CDNOW estimates.
const GammaGamma published{6.25, 3.74, 15.44};

// n customers whose transactions ~ Gamma(p, rate nu), nu ~ Gamma(q, rate v), with
// 1 + Poisson(3) repeat purchases each.
Spend simulate_spend(double p, double q, double v, int n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::gamma_distribution<double> nu_dist(q, 1.0 / v);
    std::poisson_distribution<int> extra(3.0);
    Spend s;
    for (int i = 0; i < n; ++i) {
        const double nu = nu_dist(rng);
        std::gamma_distribution<double> spend(p, 1.0 / nu);
        const int x = 1 + extra(rng);
        double total = 0.0;
        for (int k = 0; k < x; ++k) total += spend(rng);
        s.add(x, total / x);
    }
    return s;
}

}  // namespace

TEST_CASE("Gamma-Gamma log-likelihood equals eq. (1a); gradient equals differences") {
    Spend s;
    s.add(1, 20.0);
    s.add(2, 35.5);
    s.add(7, 12.25);
    s.add(200, 0.01);
    s.add(1, 1e5);
    s.add(29, 299.6);
    const auto ll = individual_log_likelihood(published, s.view(), 1);
    for (std::size_t i = 0; i < 3; ++i)
        CHECK(ll[i] ==
              doctest::Approx(clv_test::gamma_gamma_ll(published.p, published.q,
                                                       published.v, s.x[i], s.m[i]))
                  .epsilon(1e-12));
    for (const GammaGamma& model :
         {published, GammaGamma{0.05, 80.0, 1e-3}, GammaGamma{300.0, 0.2, 5e4}}) {
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            Spend one;
            one.add(s.x[i], s.m[i]);
            const ClvLogLikelihood g = log_likelihood(model, one.view(), 1);
            for (std::size_t j = 0; j < 3; ++j) {
                auto shifted = [&](double e) {
                    std::vector<double> p = model.params();
                    p[j] *= std::exp(e);
                    return log_likelihood(GammaGamma::from_params(p), one.view(), 1)
                        .total;
                };
                const double fd = clv_test::derivative(shifted, 1e-4);
                CAPTURE(j);
                CAPTURE(g.gradient[j]);
                CAPTURE(fd);
                CHECK(clv_test::gradient_close(g.gradient[j], fd, g.total, s.x[i],
                                               model.params()));
            }
        }
    }
}

TEST_CASE("Gamma-Gamma fit recovers simulated parameters; expected spend formula") {
    const double p = 6.0, q = 3.7, v = 15.0;
    const Spend s = simulate_spend(p, q, v, 20'000, 5);
    const ClvFit fit = gamma_gamma_fit(s.view(), {});
    REQUIRE(fit.converged);
    // The reported log-likelihood is the data's, in its money unit.
    CHECK(fit.log_likelihood ==
          doctest::Approx(
              log_likelihood(GammaGamma::from_params(fit.params), s.view(), 1).total)
              .epsilon(1e-12));
    const auto se = fit.standard_errors();
    const double truth[] = {p, q, v};
    for (std::size_t j = 0; j < 3; ++j) {
        CAPTURE(j);
        CHECK(std::fabs(fit.params[j] - truth[j]) < 4.0 * se[j]);
    }
    ClvFitParams two;
    two.n_jobs = 2;
    CHECK(gamma_gamma_fit(s.view(), two).params == fit.params);

    // E[spend | x, m] = (1 - w) p v / (q - 1) + w m, w = p x / (p x + q - 1).
    Spend q_s;
    q_s.add(0, 0.0);
    q_s.add(1, 20.0);
    q_s.add(10, 5.0);
    const auto e = conditional_expected_average_profit(published, q_s.view(), 1);
    for (std::size_t i = 0; i < 3; ++i) {
        const double w =
            published.p * q_s.x[i] / (published.p * q_s.x[i] + published.q - 1);
        CHECK(e[i] ==
              doctest::Approx((1 - w) * published.p * published.v / (published.q - 1) +
                              w * q_s.m[i])
                  .epsilon(1e-14));
    }
    // q <= 1: no population mean, so no expectation for a customer without purchases.
    const auto none =
        conditional_expected_average_profit(GammaGamma{2.0, 0.5, 10.0}, q_s.view(), 1);
    CHECK(std::isinf(none[0]));
    CHECK(std::isfinite(none[1]));
}

TEST_CASE("A Gamma-Gamma fit leaves out customers without repeat purchases") {
    const Spend repeat = simulate_spend(6.0, 3.7, 15.0, 2'000, 21);
    Spend all;
    for (std::size_t i = 0; i < repeat.x.size(); ++i) {
        if (i % 3 == 0) all.add(0, 0.0);   // lifetimes' summary: no repeat, no spend
        if (i % 7 == 0) all.add(0, 12.5);  // or the first purchase's value
        all.add(repeat.x[i], repeat.m[i]);
    }
    const ClvFit fit = gamma_gamma_fit(all.view(), {});
    const ClvFit alone = gamma_gamma_fit(repeat.view(), {});
    // The same rows, summed in other chunks: equal but for rounding.
    for (std::size_t j = 0; j < 3; ++j)
        CHECK(fit.params[j] == doctest::Approx(alone.params[j]).epsilon(1e-10));
    CHECK(fit.log_likelihood == doctest::Approx(alone.log_likelihood).epsilon(1e-13));
    // Their spend is still checked, and positions are the caller's.
    Spend bad = all;
    bad.m[0] = -1.0;
    CHECK_THROWS_WITH_AS(gamma_gamma_fit(bad.view(), {}),
                         doctest::Contains("row 0 holds -1"), InvalidArgument);
}

TEST_CASE("Gamma-Gamma rejects customers without repeat purchases or spend") {
    auto argument = [](const Spend& s) -> std::string {
        try {
            gamma_gamma_fit(s.view(), {});
        } catch (const InvalidArgument& e) {
            return e.argument();
        }
        return "";
    };
    Spend zero;
    zero.add(0, 10.0);
    CHECK(argument(zero) == "frequency");
    Spend free;
    free.add(2, 0.0);
    CHECK(argument(free) == "monetary_value");
    Spend fractional;
    fractional.add(2.5, 3.0);
    CHECK(argument(fractional) == "frequency");
}

TEST_CASE(
    "The Gamma-Gamma moment start lies near the optimum, which it reaches sooner") {
    const Spend s = simulate_spend(6.0, 3.7, 15.0, 20'000, 9);
    const detail::FitProblem problem = detail::spend_fit_problem(s.view(), {}, 1);
    const ClvFit fit = gamma_gamma_fit(s.view(), {});
    REQUIRE(fit.converged);
    for (std::size_t j = 0; j < 3; ++j) {
        CAPTURE(j);
        CHECK(problem.start[j] / problem.param_scale[j] ==
              doctest::Approx(fit.params[j]).epsilon(0.25));
    }
    // The unit start in the fit's units: p = q = 1, v the mean spend.
    double spend = 0.0, buyers = 0.0;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
        spend += s.m[i];
        buyers += 1.0;
    }
    ClvFitParams unit;
    unit.initial = {1.0, 1.0, spend / buyers};
    const ClvFit from_unit = gamma_gamma_fit(s.view(), unit);
    REQUIRE(from_unit.converged);
    CHECK(fit.n_iter < from_unit.n_iter);
    CHECK(fit.log_likelihood ==
          doctest::Approx(from_unit.log_likelihood).epsilon(1e-12));
    for (std::size_t j = 0; j < 3; ++j)
        CHECK(fit.params[j] == doctest::Approx(from_unit.params[j]).epsilon(1e-5));
}

namespace {

// far_x: a customer with x far above the row count, whose sums by x go through a sort,
// not a table.
void check_summary_sums(bool far_x) {
    CAPTURE(far_x);
    Spend s = simulate_spend(6.0, 3.7, 15.0, 3'000, 11);
    std::mt19937_64 rng(4);
    std::uniform_real_distribution<double> weight(0.5, 3.0);
    for (double& w : s.w) w = weight(rng);
    s.add(200, 0.01, 2.0);  // a far x and a tiny spend
    s.add(1, 1e5, 1.0);
    s.add(0, 0.0, 5.0);  // left out: no repeat purchase
    s.add(3, 7.0, 0.0);  // left out: no weight
    if (far_x) s.add(20'000, 2.5, 1.5);
    const auto rows = detail::collapsed_spend_rows(s.view(true), 1);
    const detail::FitProblem problem = detail::spend_fit_problem(s.view(true), {}, 1);
    const detail::SpendSummary& summary = problem.spend;
    CHECK(summary.spend.size() == s.x.size() - 2);
    CHECK(summary.x_values.size() < rows.size());
    // The summary is in the fit's units: spend times scale, so v' = v scale.
    const double scale = problem.param_scale[2];
    const double to_natural[3] = {1.0, 1.0, scale};
    for (const GammaGamma& model :
         {published, GammaGamma{0.05, 80.0, 1e-3}, GammaGamma{300.0, 0.2, 5e4}}) {
        const auto params = model.params();
        const double scaled[3] = {params[0], params[1], params[2] * scale};
        const detail::GammaGammaKernel kernel(params.data()), scaled_kernel(scaled);
        double g_rows[3], h_rows[6], g_sum[3], h_sum[6];
        const double by_row =
            detail::sum_log_likelihood(kernel, rows, g_rows, 1, h_rows);
        const double summed = scaled_kernel.sum_summary(summary, g_sum, h_sum, 1) +
                              problem.log_likelihood_offset;
        CHECK(summed == doctest::Approx(by_row).epsilon(1e-12));
        // Gradient and Hessian entries cancel between parts: compare on the scale of
        // their largest part, the total weight times the entry's natural size.
        for (int j = 0; j < 3; ++j)
            CHECK(g_sum[j] * to_natural[j] ==
                  doctest::Approx(g_rows[j]).epsilon(1e-11).scale(std::fabs(by_row) /
                                                                  params[j]));
        for (int i = 0, at = 0; i < 3; ++i)
            for (int j = i; j < 3; ++j, ++at)
                CHECK(h_sum[at] * to_natural[i] * to_natural[j] ==
                      doctest::Approx(h_rows[at])
                          .epsilon(1e-11)
                          .scale(std::fabs(by_row) / (params[i] * params[j])));
        CHECK(scaled_kernel.sum_summary(summary, nullptr, nullptr, 1) ==
              summed - problem.log_likelihood_offset);
        // Built and summed on two threads: the same bits.
        const detail::FitProblem two = detail::spend_fit_problem(s.view(true), {}, 2);
        double g_two[3], h_two[6];
        CHECK(scaled_kernel.sum_summary(two.spend, g_two, h_two, 2) ==
              summed - problem.log_likelihood_offset);
        for (int j = 0; j < 3; ++j) CHECK(g_two[j] == g_sum[j]);
    }
}

}  // namespace

TEST_CASE("The Gamma-Gamma fit's summed likelihood equals the sum row by row") {
    check_summary_sums(false);
    check_summary_sums(true);
}

TEST_CASE("Gamma-Gamma on spend without spread between customers ends on its ridge") {
    // Every customer's mean spend is that of one Gamma(p x, rate nu x): the optimum
    // lies at q, v -> infinity with q / v -> nu, the likelihood that of a common nu.
    Spend s;
    const double xs[] = {1, 2, 3, 1, 5, 8, 2, 1, 4, 2, 1, 3};
    const double ms[] = {20.5, 35.0, 12.0, 60.0, 18.25, 22.0,
                         41.0, 9.5,  30.0, 27.5, 15.0,  33.0};
    double spend = 0.0, purchases = 0.0;
    for (std::size_t i = 0; i < 12; ++i) {
        s.add(xs[i], ms[i]);
        spend += xs[i] * ms[i];
        purchases += xs[i];
    }
    const ClvFit fit = gamma_gamma_fit(s.view(), {});
    REQUIRE(fit.converged);
    const double p = fit.params[0], q = fit.params[1], v = fit.params[2];
    CHECK(q > 1e6);
    // The common nu's estimate: p over the mean value of a purchase.
    const double nu = p * purchases / spend;
    CHECK(q / v == doctest::Approx(nu).epsilon(1e-4));
    double limit = 0.0;  // log L of Gamma(p x, rate nu x) mean spends
    for (std::size_t i = 0; i < 12; ++i) {
        const double shape = p * xs[i], rate = nu * xs[i];
        limit += shape * std::log(rate) - std::lgamma(shape) +
                 (shape - 1.0) * std::log(ms[i]) - rate * ms[i];
    }
    CHECK(fit.log_likelihood == doctest::Approx(limit).epsilon(1e-6));
}
