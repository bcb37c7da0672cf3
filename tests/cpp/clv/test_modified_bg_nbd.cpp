#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "crmmine/clv/modified_bg_nbd.hpp"
#include "oracles.hpp"

using namespace crmmine;
using clv_test::History;

namespace {

History customers() {
    History h;
    h.add(0, 0, 38.86);
    h.add(2, 30.43, 38.86);
    h.add(1, 1.71, 38.86);
    h.add(7, 29.43, 32.0);
    h.add(1, 0.0, 5.0);
    h.add(12, 27.0, 27.0);
    h.add(0, 0, 2.0);
    return h;
}

}  // namespace

TEST_CASE("MBG/NBD individual log-likelihood equals the direct formula") {
    const ModifiedBgNbd model{0.525, 6.183, 0.891, 1.614};
    const History h = customers();
    const auto ll = individual_log_likelihood(model, h.view(), 1);
    for (std::size_t i = 0; i < ll.size(); ++i)
        CHECK(ll[i] ==
              doctest::Approx(clv_test::mbg_nbd_ll(model.r, model.alpha, model.a,
                                                   model.b, h.x[i], h.t_x[i], h.T[i]))
                  .epsilon(1e-12));
}

TEST_CASE("MBG/NBD gradient equals finite differences") {
    History h = customers();
    h.add(200, 1e-3, 1e-3);
    h.add(0, 0, 1e-3);
    for (const ModifiedBgNbd& model :
         {ModifiedBgNbd{0.525, 6.183, 0.891, 1.614}, ModifiedBgNbd{3.0, 0.02, 5.0, 0.1},
          ModifiedBgNbd{0.05, 200.0, 0.02, 5e3}}) {
        for (std::size_t i = 0; i < h.x.size(); ++i) {
            History one;
            one.add(h.x[i], h.t_x[i], h.T[i]);
            const ClvLogLikelihood ll = log_likelihood(model, one.view(), 1);
            for (std::size_t j = 0; j < 4; ++j) {
                auto shifted = [&](double e) {
                    std::vector<double> p = model.params();
                    p[j] *= std::exp(e);
                    return log_likelihood(ModifiedBgNbd::from_params(p), one.view(), 1)
                        .total;
                };
                const double fd = clv_test::derivative(shifted, 1e-4);
                CAPTURE(j);
                CAPTURE(ll.gradient[j]);
                CAPTURE(fd);
                CHECK(clv_test::gradient_close(ll.gradient[j], fd, ll.total, h.x[i],
                                               model.params()));
            }
        }
    }
}

TEST_CASE("MBG/NBD predictions equal lifetimes' formulas") {
    const ModifiedBgNbd m{0.525, 6.183, 0.891, 1.614};
    const double r = m.r, alpha = m.alpha, a = m.a, b = m.b;
    const History h = customers();
    const double t = 30.0;
    const auto expected =
        conditional_expected_number_of_purchases_up_to_time(m, &t, 1, h.view(), 1);
    const auto alive = conditional_probability_alive(m, h.view(), 1);
    for (std::size_t i = 0; i < h.x.size(); ++i) {
        const double x = h.x[i], t_x = h.t_x[i], T = h.T[i];
        const double hyp =
            clv_test::naive_hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t));
        const double numerator =
            (a + b + x) / (a - 1) *
            (1 - hyp * std::pow((alpha + T) / (alpha + t + T), r + x));
        const double odds = a / (b + x) * std::pow((alpha + T) / (alpha + t_x), r + x);
        CHECK(expected[i] == doctest::Approx(numerator / (1 + odds)).epsilon(1e-11));
        CHECK(alive[i] == doctest::Approx(1 / (1 + odds)).epsilon(1e-13));
    }
    const std::vector<double> times = {0.0, 5.0, 52.0};
    const auto unconditional =
        expected_number_of_purchases_up_to_time(m, times.data(), times.size());
    for (std::size_t i = 0; i < times.size(); ++i) {
        const double u = times[i];
        const double naive =
            b / (a - 1) *
            (1 - clv_test::naive_hyp2f1(r, b + 1, a + b, u / (alpha + u)) *
                     std::pow(alpha / (alpha + u), r));
        CHECK(unconditional[i] == doctest::Approx(naive).epsilon(1e-11).scale(1e-12));
    }
    const double horizon = 20.0;
    double total = 0.0;
    for (std::int64_t n = 0; n < 80; ++n) {
        const double p =
            probability_of_n_purchases_up_to_time(m, &horizon, 1, &n, 1, 1).front();
        const double nd = static_cast<double>(n);
        const double q = horizon / (alpha + horizon);
        auto nb = [&](double j) {
            return std::exp(std::lgamma(r + j) - std::lgamma(r) - std::lgamma(j + 1) +
                            r * std::log1p(-q) + j * std::log(q));
        };
        double finite_sum = 0.0;
        for (double j = 0; j < nd; ++j) finite_sum += nb(j) / std::pow(1 - q, r);
        const double naive =
            std::exp(clv_test::lbeta(a, b + nd + 1) - clv_test::lbeta(a, b)) * nb(nd) +
            std::exp(clv_test::lbeta(a + 1, b + nd) - clv_test::lbeta(a, b)) *
                (1 - std::pow(1 - q, r) * finite_sum);
        if (n < 20) CHECK(p == doctest::Approx(naive).epsilon(1e-10).scale(1e-12));
        total += p;
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("MBG/NBD fit recovers simulated parameters; extremes stay finite") {
    const double truth[] = {0.6, 5.0, 1.2, 3.0};
    const History sim = clv_test::simulate_bg_nbd(
        truth[0], truth[1], truth[2], truth[3], 20000, 26.0, 52.0, 99, true);
    const ClvFit fit = modified_bg_nbd_fit(sim.view(), {});
    REQUIRE(fit.converged);
    const auto se = fit.standard_errors();
    for (std::size_t j = 0; j < 4; ++j) {
        CAPTURE(j);
        CHECK(std::fabs(fit.params[j] - truth[j]) < 4.0 * se[j]);
    }
    ClvFitParams two;
    two.n_jobs = 2;
    CHECK(modified_bg_nbd_fit(sim.view(), two).params == fit.params);

    History extreme;
    extreme.add(200, 1e-3, 1e-3);
    extreme.add(0, 0, 0);
    extreme.add(3000, 5.0, 5.0);
    const ModifiedBgNbd model = ModifiedBgNbd::from_params(fit.params);
    const double t = 1e4;
    for (const double v : conditional_expected_number_of_purchases_up_to_time(
             model, &t, 1, extreme.view(), 1))
        CHECK(std::isfinite(v));
    for (const double v : individual_log_likelihood(model, extreme.view(), 1))
        CHECK(std::isfinite(v));
    for (const double v : conditional_probability_alive(model, extreme.view(), 1))
        CHECK((v >= 0.0 && v <= 1.0));
}

TEST_CASE("MBG/NBD fit converges with a single repeat buyer") {
    // lifetimes' BFGS needs luck here; the likelihood rises towards homogeneous
    // purchase rates (r, alpha -> infinity), where its gradient vanishes.
    History h;
    for (int i = 0; i < 2000; ++i) h.add(0, 0, 20.0 + i % 20);
    h.add(1, 7.0, 30.0);
    const ClvFit fit = modified_bg_nbd_fit(h.view(), {});
    CAPTURE(fit.message);
    CHECK(fit.converged);
    CHECK(std::isfinite(fit.log_likelihood));
    const double t = 1e5;
    for (const double v : conditional_expected_number_of_purchases_up_to_time(
             ModifiedBgNbd::from_params(fit.params), &t, 1, h.view(), 1))
        CHECK((std::isfinite(v) && v >= 0.0));
}
