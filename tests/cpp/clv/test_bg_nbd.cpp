#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "crmmine/clv/bg_nbd.hpp"
#include "crmmine/clv/detail/bg_nbd_kernel.hpp"
#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/modified_bg_nbd.hpp"
#include "crmmine/core/error.hpp"
#include "oracles.hpp"

using namespace crmmine;
using clv_test::History;

namespace {

// Fader, Hardie & Lee (2005), table 1 / section 6: the CDNOW cohort estimates.
const BgNbd published{0.243, 4.414, 0.793, 2.426};

History mixed_customers() {
    History h;
    h.add(0, 0, 38.86);
    h.add(2, 30.43, 38.86);
    h.add(1, 1.71, 38.86);
    h.add(7, 29.43, 32.0);
    h.add(1, 0.0, 5.0);  // repeat purchase on the first day
    h.add(12, 27.0, 27.0);
    h.add(3, 0.5, 36.1);
    h.add(25, 35.9, 36.0);
    return h;
}

double total_ll(const BgNbd& model, const History& h, bool weighted = false) {
    return log_likelihood(model, h.view(weighted), 1).total;
}

}  // namespace

TEST_CASE("BG/NBD individual log-likelihood equals the paper's formula") {
    const History h = mixed_customers();
    const std::vector<double> ll = individual_log_likelihood(published, h.view(), 1);
    REQUIRE(ll.size() == h.x.size());
    for (std::size_t i = 0; i < ll.size(); ++i)
        CHECK(ll[i] == doctest::Approx(clv_test::bg_nbd_ll(published.r, published.alpha,
                                                           published.a, published.b,
                                                           h.x[i], h.t_x[i], h.T[i]))
                           .epsilon(1e-12));
    double sum = 0.0;
    for (const double v : ll) sum += v;
    CHECK(total_ll(published, h) == doctest::Approx(sum).epsilon(1e-13));
}

TEST_CASE("BG/NBD gradient equals finite differences, extreme customers included") {
    History h = mixed_customers();
    h.add(200, 1e-3, 1e-3);
    h.add(200, 0.5, 40.0);
    h.add(0, 0, 1e-3);
    const std::vector<BgNbd> models = {published,
                                       {2.0, 0.01, 3.5, 0.2},
                                       {0.05, 300.0, 0.01, 1e4},
                                       {1.0, 1.0, 1.0, 1.0}};
    for (const BgNbd& model : models) {
        for (std::size_t i = 0; i < h.x.size(); ++i) {
            History one;
            one.add(h.x[i], h.t_x[i], h.T[i]);
            const ClvLogLikelihood ll = log_likelihood(model, one.view(), 1);
            REQUIRE(std::isfinite(ll.total));
            for (std::size_t j = 0; j < 4; ++j) {
                auto shifted = [&](double e) {
                    std::vector<double> p = model.params();
                    p[j] *= std::exp(e);
                    return total_ll(BgNbd::from_params(p), one);
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

TEST_CASE("BG/NBD predictions equal the paper's formulas") {
    const double r = published.r, alpha = published.alpha, a = published.a,
                 b = published.b;
    // Eq. (10): expected purchases in (T, T + t]; the paper's example, x = 2, t_x =
    // 30.43, T = 38.86, t = 39, gives 1.226.
    History h = mixed_customers();
    const double t = 39.0;
    const auto expected = conditional_expected_number_of_purchases_up_to_time(
        published, &t, 1, h.view(), 1);
    const auto alive = conditional_probability_alive(published, h.view(), 1);
    CHECK(expected[1] == doctest::Approx(1.226).epsilon(5e-4));
    for (std::size_t i = 0; i < h.x.size(); ++i) {
        const double x = h.x[i], t_x = h.t_x[i], T = h.T[i];
        const double hyp =
            clv_test::naive_hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
        const double numerator =
            (a + b + x - 1) / (a - 1) *
            (1 - hyp * std::pow((alpha + T) / (alpha + T + t), r + x));
        const double odds =
            x > 0 ? a / (b + x - 1) * std::pow((alpha + T) / (alpha + t_x), r + x)
                  : 0.0;
        CHECK(expected[i] == doctest::Approx(numerator / (1 + odds)).epsilon(1e-11));
        CHECK(alive[i] == doctest::Approx(1 / (1 + odds)).epsilon(1e-13));
    }
    // Eq. (9) and (8), unconditional.
    const std::vector<double> times = {0.0, 1.0, 13.0, 52.0, 104.0};
    const auto unconditional =
        expected_number_of_purchases_up_to_time(published, times.data(), times.size());
    for (std::size_t i = 0; i < times.size(); ++i) {
        const double u = times[i];
        const double naive =
            (a + b - 1) / (a - 1) *
            (1 - clv_test::naive_hyp2f1(r, b, a + b - 1, u / (alpha + u)) *
                     std::pow(alpha / (alpha + u), r));
        CHECK(unconditional[i] == doctest::Approx(naive).epsilon(1e-11).scale(1e-12));
    }
    std::vector<std::int64_t> counts;
    for (std::int64_t n = 0; n <= 60; ++n) counts.push_back(n);
    const double horizon = 26.0;
    const auto pmf = probability_of_n_purchases_up_to_time(
        published, &horizon, 1, counts.data(), counts.size(), 1);
    double total = 0.0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
        const double n = static_cast<double>(counts[k]);
        const double q = horizon / (alpha + horizon);
        auto nb = [&](double j) {
            return std::exp(std::lgamma(r + j) - std::lgamma(r) - std::lgamma(j + 1) +
                            r * std::log1p(-q) + j * std::log(q));
        };
        double finite_sum = 0.0;
        for (double j = 0; j < n; ++j) finite_sum += nb(j) / std::pow(1 - q, r);
        double naive =
            std::exp(clv_test::lbeta(a, b + n) - clv_test::lbeta(a, b)) * nb(n);
        if (n > 0)
            naive +=
                std::exp(clv_test::lbeta(a + 1, b + n - 1) - clv_test::lbeta(a, b)) *
                (1 - std::pow(1 - q, r) * finite_sum);
        if (n < 20) CHECK(pmf[k] == doctest::Approx(naive).epsilon(1e-10).scale(1e-12));
        CHECK(pmf[k] >= 0.0);
        total += pmf[k];
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("BG/NBD conditional expectation when r far exceeds a + b (integrated)") {
    // (r + x) - (a + b + x - 1) = 4.5: the Euler series would alternate, so the
    // expectation is integrated over the dropout probability; the paper's formula
    // (positive terms here) is the reference.
    for (const BgNbd& m : {BgNbd{6.0, 2.0, 1.5, 1.0}}) {
        History h;
        h.add(2, 0.5, 1.0);
        h.add(0, 0, 1.0);
        h.add(7, 3.0, 4.0);
        for (const double t : {10.0, 40.0}) {
            const auto e = conditional_expected_number_of_purchases_up_to_time(
                m, &t, 1, h.view(), 1);
            for (std::size_t i = 0; i < h.x.size(); ++i) {
                const double x = h.x[i], t_x = h.t_x[i], T = h.T[i];
                const double hyp = clv_test::naive_hyp2f1(
                    m.r + x, m.b + x, m.a + m.b + x - 1, t / (m.alpha + T + t));
                const double numerator =
                    (m.a + m.b + x - 1) / (m.a - 1) *
                    (1 - hyp * std::pow((m.alpha + T) / (m.alpha + T + t), m.r + x));
                const double odds =
                    x > 0 ? m.a / (m.b + x - 1) *
                                std::pow((m.alpha + T) / (m.alpha + t_x), m.r + x)
                          : 0.0;
                CHECK(e[i] == doctest::Approx(numerator / (1 + odds)).epsilon(1e-10));
            }
        }
    }
}

TEST_CASE("BG/NBD conditional expectation integrated with a tiny a") {
    // r far above a + b as above, and a tiny a: the logit of the dropout probability
    // has a tail hundreds of units long and bends within a unit of its peak. The
    // paper's hypergeometric series does not apply (a + b - 1 < 0 at x = 0);
    // references from eq. 10 at 50 digits with mpmath (bg_nbd_expected_mpmath).
    const BgNbd m{6.0, 2.0, 0.02, 0.3};
    History h;
    h.add(2, 0.5, 1.0);
    h.add(0, 0, 1.0);
    h.add(7, 3.0, 4.0);
    const double expected[2][3] = {
        {24.05624906215352, 18.010602113809526, 20.584781318774386},
        {93.86934516059463, 69.87021193401013, 80.78343033136215}};
    for (int k = 0; k < 2; ++k) {
        const double t = k == 0 ? 10.0 : 40.0;
        const auto e =
            conditional_expected_number_of_purchases_up_to_time(m, &t, 1, h.view(), 1);
        for (std::size_t i = 0; i < 3; ++i)
            CHECK(e[i] == doctest::Approx(expected[k][i]).epsilon(1e-10));
    }
}

// With a and b both huge (a fit that ends far along the likelihood's flat ridge,
// dropout probability a / (a + b) = 2.4e-8 with almost no spread) the Euler series
// needs about a * z terms and its two halves cancel; the expectation is integrated
// over the dropout probability about the peak of its Beta. References: Fader, Hardie
// & Lee (2005) eq. 10 at 50 digits with mpmath (the benchmark's
// bg_nbd_expected_mpmath), t = 10.
TEST_CASE("BG/NBD conditional expectation with a and b both huge") {
    const BgNbd huge_a_and_b{0.921588483805326, 11.61061192623447, 458201430.78595394,
                             1.9122043207466824e16};
    History h;
    h.add(0, 0.0, 53.0);
    h.add(3, 20.0, 53.0);
    const double t = 10.0;
    const std::vector<double> e = conditional_expected_number_of_purchases_up_to_time(
        huge_a_and_b, &t, 1, h.view(), 1);
    CHECK(e[0] == doctest::Approx(0.1426373242794279).epsilon(1e-8));
    CHECK(e[1] == doctest::Approx(0.6069570896200639).epsilon(1e-8));
}

TEST_CASE("BG/NBD and MBG/NBD conditional expectations along the a, b ridge") {
    // a from 1e5 to 3e7, b / a from 13 to 3e7; x from 0 to 40, t = 39. References from
    // eq. 10 (Batislam et al. for the MBG/NBD) at 50 digits with mpmath, the
    // benchmark's bg_nbd_expected_mpmath.
    struct Reference {
        double r, alpha, a, b;
        double bg[4], mbg[4];
    };
    const Reference references[] = {
        {0.5,
         3.0,
         2e6,
         5e9,
         {0.5906997529769085, 1.76576338193181, 8.833745819446994, 47.33161672948592},
         {0.5899171394533637, 1.765763381933198, 8.833745819452957,
          47.331616729591516}},
        {2.0,
         40.0,
         1e5,
         3e12,
         {1.1142856832448997, 1.6714282996350427, 5.014284923024401, 23.39998922930209},
         {1.1142855694949145, 1.6714282996350427, 5.014284923024401,
          23.39998922930209}},
        {1.3,
         7.0,
         3e7,
         4e8,
         {1.2630738970395745, 1.0794390917068815, 5.102775957291006,
          11.008547494960276},
         {0.763982931530802, 1.0794390933352567, 5.102775963300043, 11.00854752167117}},
    };
    History h;
    h.add(0, 0.0, 30.0);
    h.add(1, 5.0, 30.0);
    h.add(7, 25.0, 30.0);
    h.add(40, 29.0, 30.0);
    const double t = 39.0;
    for (const Reference& ref : references) {
        const auto bg = conditional_expected_number_of_purchases_up_to_time(
            BgNbd{ref.r, ref.alpha, ref.a, ref.b}, &t, 1, h.view(), 1);
        const auto mbg = conditional_expected_number_of_purchases_up_to_time(
            ModifiedBgNbd{ref.r, ref.alpha, ref.a, ref.b}, &t, 1, h.view(), 1);
        for (std::size_t i = 0; i < 4; ++i) {
            CHECK(bg[i] == doctest::Approx(ref.bg[i]).epsilon(1e-8));
            CHECK(mbg[i] == doctest::Approx(ref.mbg[i]).epsilon(1e-8));
        }
    }
}

TEST_CASE("BG/NBD and MBG/NBD conditional expectations with a tiny and b huge") {
    // The first set is the BG/NBD fit of every Online Retail customer in weeks. The
    // logit of the dropout probability then has a tail thousands of units long, where
    // p underflows; dropping it cost 2e-4 of the expectation. References from eq. 10
    // (Batislam et al. for the MBG/NBD) at 50 digits with mpmath, the benchmark's
    // bg_nbd_expected_mpmath; t = 4, then 39.
    struct Reference {
        double r, alpha, a, b;
        double bg[2][4], mbg[2][4];
    };
    const Reference references[] = {
        {0.9215884834469451,
         11.610611917138542,
         0.012271131563863946,
         375069.5845042296,
         {{0.07742714860435003, 0.1847209660202704, 0.7495461683443255,
           3.933764035495786},
          {0.7549146814476818, 1.8010293462967626, 7.3080742694341625,
           38.354177225645174}},
         {{0.07742713930483683, 0.18472096602036678, 0.7495461683444486,
           3.9337640354974055},
          {0.7549145907774768, 1.8010293462978952, 7.308074269437688,
           38.35417722571994}}},
        {0.5,
         2.0,
         0.001,
         1e7,
         {{0.05263157894695291, 0.18749999981380547, 0.8947368419188543,
           5.062499996855496},
          {0.5131578946973424, 1.8281249979346643, 8.723684204892221,
           49.359374857319104}},
         {{0.05263157892401134, 0.18749999981380547, 0.8947368419188543,
           5.062499996855496},
          {0.5131578944736621, 1.8281249979346645, 8.723684204892223,
           49.35937485731912}}},
    };
    History h;
    h.add(0, 0.0, 36.0);
    h.add(1, 5.0, 30.0);
    h.add(8, 34.0, 36.0);
    h.add(40, 29.0, 30.0);
    for (const Reference& ref : references) {
        for (int k = 0; k < 2; ++k) {
            const double t = k == 0 ? 4.0 : 39.0;
            const auto bg = conditional_expected_number_of_purchases_up_to_time(
                BgNbd{ref.r, ref.alpha, ref.a, ref.b}, &t, 1, h.view(), 1);
            const auto mbg = conditional_expected_number_of_purchases_up_to_time(
                ModifiedBgNbd{ref.r, ref.alpha, ref.a, ref.b}, &t, 1, h.view(), 1);
            for (std::size_t i = 0; i < 4; ++i) {
                CHECK(bg[i] == doctest::Approx(ref.bg[k][i]).epsilon(1e-8));
                CHECK(mbg[i] == doctest::Approx(ref.mbg[k][i]).epsilon(1e-8));
            }
        }
    }
}

TEST_CASE("BG/NBD stays finite for extreme customers and horizons") {
    History h;
    h.add(200, 1e-3, 1e-3);
    h.add(200, 0.0, 1e-3);
    h.add(5000, 10.0, 10.0);
    h.add(0, 0, 0);
    h.add(200, 1e-3, 1e4);
    h.add(1, 3.0, 30.0);
    h.add(0, 0, 30.0);
    // Parameters an optimizer reaches on degenerate data: dropout Beta collapsing to
    // {0, 1} (a, b -> 0; b + x - 1 must keep the tiny b at x = 1), or Poisson-like
    // purchasing (r, alpha -> infinity).
    for (const BgNbd& model :
         {published, BgNbd{0.01, 1e-3, 50.0, 0.05}, BgNbd{40.0, 1e4, 1.0, 1.0},
          BgNbd{0.32, 13.4, 1e-15, 2.5e-17}, BgNbd{1.2e17, 3.9e17, 5.9e4, 29.8}}) {
        for (const double t : {0.0, 1e-3, 39.0, 1e5}) {
            const auto e = conditional_expected_number_of_purchases_up_to_time(
                model, &t, 1, h.view(), 1);
            for (const double v : e) CHECK((std::isfinite(v) && v >= 0.0));
        }
        for (const double v : conditional_probability_alive(model, h.view(), 1))
            CHECK((v >= 0.0 && v <= 1.0));
        const auto individual = individual_log_likelihood(model, h.view(), 1);
        for (std::size_t i = 0; i < individual.size(); ++i) {
            CHECK(std::isfinite(individual[i]));
            // without repeat purchases the likelihood is a probability
            if (h.x[i] == 0) CHECK(individual[i] <= 0.0);
        }
        const ClvLogLikelihood ll = log_likelihood(model, h.view(), 1);
        for (const double g : ll.gradient) CHECK(std::isfinite(g));
    }
    // 200 purchases in a blink: the paper's formula still fits in a double here.
    const double t = 1.0, x = 200.0, T = 1e-3;
    const auto busy = conditional_expected_number_of_purchases_up_to_time(
        published, &t, 1, h.view(), 1);
    const double r = published.r, alpha = published.alpha, a = published.a,
                 b = published.b;
    const double hyp =
        clv_test::naive_hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
    const double naive = (a + b + x - 1) / (a - 1) *
                         (1 - hyp * std::pow((alpha + T) / (alpha + T + t), r + x)) /
                         (1 + a / (b + x - 1));
    CHECK(busy[0] == doctest::Approx(naive).epsilon(1e-10));
}

TEST_CASE("Equal rows merge where the history repeats itself, not past a probe") {
    // 80,000 customers on 400 daily patterns: merged to the 400.
    const History daily =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 400, 20.0, 40.0, 3);
    History repeated;
    for (int k = 0; k < 200; ++k)
        for (std::size_t i = 0; i < daily.x.size(); ++i)
            repeated.add(daily.x[i], std::round(daily.t_x[i]), std::round(daily.T[i]));
    ClvFitParams params;
    params.n_jobs = 1;
    params.max_iter = 1;
    std::set<std::tuple<double, double, double>> patterns;
    for (std::size_t i = 0; i < repeated.x.size(); ++i)
        patterns.insert({repeated.x[i], repeated.t_x[i], repeated.T[i]});
    CHECK(bg_nbd_fit(repeated.view(), params).n_unique ==
          static_cast<std::int64_t>(patterns.size()));
    // 70,000 customers with continuous times, then 20,000 copies of the one with the
    // most purchases (rows are grouped by x, so the copies come last): the probe finds
    // no repeat, so nothing merges, and the fit is the same function.
    History continuous =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 70'000, 20.0, 40.0, 4);
    const auto busiest = static_cast<std::size_t>(
        std::max_element(continuous.x.begin(), continuous.x.end()) -
        continuous.x.begin());
    for (int k = 0; k < 20'000; ++k)
        continuous.add(continuous.x[busiest], continuous.t_x[busiest],
                       continuous.T[busiest]);
    params.max_iter = 1000;
    const ClvFit fit = bg_nbd_fit(continuous.view(), params);
    CHECK(fit.n_unique == static_cast<std::int64_t>(continuous.x.size()));
    CHECK(
        fit.log_likelihood ==
        doctest::Approx(
            log_likelihood(BgNbd::from_params(fit.params), continuous.view(), 1).total)
            .epsilon(1e-12));
}

TEST_CASE(
    "BG/NBD fit: weights equal duplicated rows; 1 and 2 threads agree bit for bit") {
    const History sim =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 3000, 20.0, 40.0, 7);
    History weighted, duplicated;
    for (std::size_t i = 0; i < sim.x.size(); ++i) {
        const double w = static_cast<double>(1 + i % 4);
        weighted.add(sim.x[i], sim.t_x[i], sim.T[i], w);
        for (int k = 0; k < static_cast<int>(w); ++k)
            duplicated.add(sim.x[i], sim.t_x[i], sim.T[i]);
    }
    ClvFitParams params;
    params.n_jobs = 1;
    const ClvFit a = bg_nbd_fit(weighted.view(true), params);
    const ClvFit b = bg_nbd_fit(duplicated.view(), params);
    CHECK(a.converged);
    CHECK(a.n_unique == static_cast<std::int64_t>(sim.x.size()));
    CHECK(b.n_unique == a.n_unique);
    CHECK(a.params == b.params);
    CHECK(a.log_likelihood == b.log_likelihood);
    // Two threads share the work from 1,024 rows per thread on: 40,000 customers.
    const History big =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 40'000, 20.0, 40.0, 8);
    const ClvFit c = bg_nbd_fit(big.view(), params);
    params.n_jobs = 2;
    const ClvFit d = bg_nbd_fit(big.view(), params);
    CHECK(d.params == c.params);
    CHECK(d.log_likelihood == c.log_likelihood);
    CHECK(std::memcmp(d.covariance.data(), c.covariance.data(), 16 * sizeof(double)) ==
          0);
    const double t = 10.0;
    const BgNbd model = BgNbd::from_params(a.params);
    CHECK(conditional_expected_number_of_purchases_up_to_time(model, &t, 1, sim.view(),
                                                              1) ==
          conditional_expected_number_of_purchases_up_to_time(model, &t, 1, sim.view(),
                                                              2));
    CHECK(log_likelihood(model, duplicated.view(), 1).gradient ==
          log_likelihood(model, duplicated.view(), 2).gradient);
}

TEST_CASE("BG/NBD fit recovers the parameters of 20,000 simulated customers") {
    const double truth[] = {0.5, 6.0, 0.8, 2.5};
    const History sim = clv_test::simulate_bg_nbd(truth[0], truth[1], truth[2],
                                                  truth[3], 20000, 26.0, 52.0, 2024);
    const ClvFit fit = bg_nbd_fit(sim.view(), {});
    REQUIRE(fit.converged);
    const std::vector<double> se = fit.standard_errors();
    for (std::size_t j = 0; j < 4; ++j) {
        CAPTURE(j);
        CHECK(std::isfinite(se[j]));
        CHECK(std::fabs(fit.params[j] - truth[j]) < 4.0 * se[j]);
    }
    // The covariance is the inverse of the observed information: its diagonal matches
    // the curvature of the log-likelihood in each parameter only up to correlation, but
    // it must be symmetric positive definite.
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
            CHECK(fit.covariance(i, j) == doctest::Approx(fit.covariance(j, i)));
    CHECK(fit.mean_log_likelihood ==
          doctest::Approx(fit.log_likelihood / 20000.0).epsilon(1e-14));
}

TEST_CASE("BG/NBD fit is a stationary point of the documented penalized objective") {
    const History sim =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 2000, 20.0, 40.0, 3);
    ClvFitParams params;
    params.penalizer = 0.1;
    params.tol = 1e-10;
    const ClvFit fit = bg_nbd_fit(sim.view(), params);
    CAPTURE(fit.message);
    REQUIRE(fit.converged);
    // -LL / n + penalizer * (r^2 + (alpha / max T)^2 + a^2 + b^2) on log-parameters.
    double max_T = 0.0;
    for (const double T : sim.T) max_T = std::max(max_T, T);
    const BgNbd model = BgNbd::from_params(fit.params);
    const ClvLogLikelihood ll = log_likelihood(model, sim.view(), 1);
    const double n = static_cast<double>(sim.x.size());
    const double scaled[] = {model.r, model.alpha / max_T, model.a, model.b};
    for (std::size_t j = 0; j < 4; ++j)
        CHECK(std::fabs(-ll.gradient[j] / n +
                        2.0 * params.penalizer * scaled[j] * scaled[j]) < 1e-9);
    // The reported log-likelihood is the data's, in the data's time unit.
    CHECK(fit.log_likelihood == doctest::Approx(ll.total).epsilon(1e-12));
    const ClvFit plain = bg_nbd_fit(sim.view(), {});
    CHECK(fit.log_likelihood < plain.log_likelihood);
    CHECK(plain.log_likelihood ==
          doctest::Approx(total_ll(BgNbd::from_params(plain.params), sim))
              .epsilon(1e-12));
}

TEST_CASE("BG/NBD fit converges on degenerate data") {
    // Almost no repeat buyers, and a crowd of identical customers: lifetimes' BFGS
    // stops with ConvergenceError on such data; the likelihood keeps rising towards a
    // boundary, where the gradient vanishes.
    History few;
    for (int i = 0; i < 3000; ++i) few.add(0, 0, 30.0 + i % 7);
    few.add(1, 3.0, 35.0);
    few.add(1, 12.0, 31.0);
    History identical;
    for (int i = 0; i < 5000; ++i) identical.add(1, 5.0, 10.0);
    for (int i = 0; i < 10; ++i) identical.add(0, 0, 10.0);
    // Forty CDNOW-like customers, of whom a third bought again: the dropout Beta
    // collapses to {0, 1} (a, b -> 0).
    History small;
    const double tx[] = {30.4, 1.7, 12.0, 5.1,  20.3, 33.0, 2.4,
                         26.1, 7.7, 15.0, 36.3, 9.9,  3.3};
    const double xs[] = {2, 1, 1, 3, 1, 6, 1, 2, 1, 1, 4, 1, 2};
    for (int i = 0; i < 13; ++i) small.add(xs[i], tx[i], 38.0 - i % 5);
    for (int i = 0; i < 27; ++i) small.add(0, 0, 38.0 - i % 7);
    for (const History* h : {&few, &identical, &small}) {
        const ClvFit fit = bg_nbd_fit(h->view(), {});
        CAPTURE(fit.message);
        CHECK(fit.converged);
        for (const double p : fit.params) CHECK((std::isfinite(p) && p > 0.0));
        CHECK(std::isfinite(fit.log_likelihood));
        // The fitted log-likelihood is at least that of the default start.
        CHECK(fit.log_likelihood >= total_ll(BgNbd{1.0, 35.0, 1.0, 1.0}, *h) - 1e-6);
    }
}

TEST_CASE("BG/NBD rejects bad input naming the argument") {
    auto message = [](auto&& call) -> std::string {
        try {
            call();
        } catch (const InvalidArgument& e) {
            return e.what();
        } catch (const TypeMismatch& e) {
            return e.what();
        }
        return "";
    };
    History good = mixed_customers();
    auto fit_with = [&](double x, double t_x, double T, double w = 1.0) {
        History h = good;
        h.add(x, t_x, T, w);
        return message([&] { bg_nbd_fit(h.view(true), {}); });
    };
    CHECK(fit_with(-1, 0, 5).rfind("frequency", 0) == 0);
    CHECK(fit_with(1.5, 1, 5).rfind("frequency", 0) == 0);
    CHECK(fit_with(std::nan(""), 1, 5).rfind("frequency", 0) == 0);
    CHECK(fit_with(2, 6, 5).rfind("recency", 0) == 0);
    CHECK(fit_with(0, 1, 5).rfind("recency", 0) == 0);
    CHECK(fit_with(2, -1, 5).rfind("recency", 0) == 0);
    CHECK(fit_with(2, 1, std::numeric_limits<double>::infinity()).rfind("T", 0) == 0);
    CHECK(fit_with(2, 1, 5, -1).rfind("weights", 0) == 0);
    CHECK(message([] { bg_nbd_fit(History().view(), {}); }).rfind("frequency", 0) == 0);
    ClvFitParams bad;
    bad.penalizer = -1;
    CHECK(message([&] { bg_nbd_fit(good.view(), bad); }).rfind("penalizer", 0) == 0);
    bad = {};
    bad.initial = {1, 2, 3};
    CHECK(message([&] { bg_nbd_fit(good.view(), bad); }).rfind("initial", 0) == 0);
    bad.initial = {1, 2, 0, 4};
    CHECK(message([&] { bg_nbd_fit(good.view(), bad); }).rfind("initial", 0) == 0);
    CHECK(message([] { BgNbd::from_params({1, -2, 3, 4}); }).rfind("params", 0) == 0);
    const double negative = -1.0;
    CHECK(message([&] {
              conditional_expected_number_of_purchases_up_to_time(published, &negative,
                                                                  1, good.view());
          }).rfind("t", 0) == 0);
    const std::int64_t minus = -2;
    const double one = 1.0;
    CHECK(message([&] {
              probability_of_n_purchases_up_to_time(published, &one, 1, &minus, 1);
          }).rfind("n", 0) == 0);
    const std::vector<double> two = {1.0, 2.0};
    CHECK(message([&] {
              conditional_expected_number_of_purchases_up_to_time(published, two.data(),
                                                                  2, good.view());
          }).rfind("t", 0) == 0);
}

TEST_CASE(
    "BG/NBD fit on whole-week times (a table of distinct times) matches direct sums") {
    // Weekly data has few distinct times, and the fit then takes log1p(t / alpha)
    // from a table; the likelihood and gradient evaluated directly must agree.
    const History sim =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 5000, 20.0, 40.0, 11);
    History weekly;
    for (std::size_t i = 0; i < sim.x.size(); ++i) {
        const double T = std::ceil(sim.T[i]);
        const double t_x = sim.x[i] > 0 ? std::min(T, std::floor(sim.t_x[i])) : 0.0;
        weekly.add(sim.x[i], t_x, T);
    }
    for (const bool modified : {false, true}) {
        const ClvFit fit = modified ? modified_bg_nbd_fit(weekly.view(), {})
                                    : bg_nbd_fit(weekly.view(), {});
        REQUIRE(fit.converged);
        const ClvLogLikelihood direct =
            modified ? log_likelihood(ModifiedBgNbd::from_params(fit.params),
                                      weekly.view(), 1)
                     : log_likelihood(BgNbd::from_params(fit.params), weekly.view(), 1);
        CHECK(fit.log_likelihood == doctest::Approx(direct.total).epsilon(1e-12));
        for (const double g : direct.gradient)
            CHECK(std::fabs(g) / static_cast<double>(weekly.x.size()) < 1e-6);
    }
}

TEST_CASE("Collapsed fit rows equal a brute-force merge of equal customers") {
    // Repeats among 3,000 customers on whole days (x up to 5, t_x and T up to 8), in a
    // shuffled order, some of weight 0, and one x far above the row count, which takes
    // the sorting path instead of the counting one.
    History h;
    std::mt19937_64 rng(11);
    for (int i = 0; i < 3000; ++i) {
        const double T = static_cast<double>(rng() % 9);
        const double x = T > 0.0 ? static_cast<double>(rng() % 6) : 0.0;
        const double t_x =
            x > 0.0 ? static_cast<double>(rng() % (1 + static_cast<int>(T))) : 0.0;
        h.add(x, t_x, T, static_cast<double>(rng() % 4) * 0.5);
    }
    for (const bool huge_x : {false, true}) {
        if (huge_x) h.add(1e6, 3.0, 8.0, 2.0);
        for (const bool for_fit : {false, true}) {
            // The oracle: for each x in increasing order, the distinct (t_x, T) in
            // order of first appearance, weights added in row order.
            std::vector<detail::CustomerRow> expected;
            std::vector<double> xs = h.x;
            std::sort(xs.begin(), xs.end());
            xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
            for (const double x : xs)
                for (std::size_t i = 0; i < h.x.size(); ++i) {
                    if (h.x[i] != x || (for_fit && !(h.w[i] > 0.0))) continue;
                    auto same = std::find_if(
                        expected.begin(), expected.end(), [&](const auto& row) {
                            return row.x == x && row.t_x == h.t_x[i] && row.T == h.T[i];
                        });
                    if (same == expected.end())
                        expected.push_back({x, h.t_x[i], h.T[i], h.w[i]});
                    else
                        same->weight += h.w[i];
                }
            const auto rows = detail::collapsed_purchase_rows(h.view(true), 2, for_fit);
            CAPTURE(for_fit);
            CAPTURE(huge_x);
            REQUIRE(rows.size() == expected.size());
            for (std::size_t k = 0; k < rows.size(); ++k) {
                CHECK(rows[k].x == expected[k].x);
                CHECK(rows[k].t_x == expected[k].t_x);
                CHECK(rows[k].T == expected[k].T);
                CHECK(rows[k].weight == expected[k].weight);
            }
        }
    }
    History unweighted;
    unweighted.add(1, 2.0, 5.0, 0.0);
    CHECK_THROWS_AS(detail::collapsed_purchase_rows(unweighted.view(true), 1, true),
                    InvalidArgument);
}

TEST_CASE("A fit warm-started from a sample ends at the cold start's optimum") {
    // 10,000 distinct customers and samples of 2,048: a warm start from every 4th row.
    const History sim =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 10'000, 20.0, 40.0, 21);
    const History sim_modified =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 10'000, 20.0, 40.0, 22, true);
    ClvFitParams params;
    for (const int n_jobs : {1, 2}) {
        CAPTURE(n_jobs);
        params.n_jobs = n_jobs;
        clv_test::check_warm_start([&] { return bg_nbd_fit(sim.view(), params); }, 2048,
                                   1e-5);
        clv_test::check_warm_start(
            [&] { return modified_bg_nbd_fit(sim_modified.view(), params); }, 2048,
            1e-5);
    }
    // The same bits on any thread count.
    const std::size_t saved = detail::warm_start_rows;
    detail::warm_start_rows = 2048;
    params.n_jobs = 1;
    const ClvFit one = bg_nbd_fit(sim.view(), params);
    params.n_jobs = 2;
    const ClvFit two = bg_nbd_fit(sim.view(), params);
    detail::warm_start_rows = saved;
    CHECK(two.params == one.params);
    CHECK(two.log_likelihood == one.log_likelihood);
}

TEST_CASE("BG/NBD fit on customers who hardly ever drop out ends at the NBD limit") {
    // Dropout probability about 1e-6 a purchase: the optimum lies at a / b -> 0,
    // where the likelihood is the NBD's of purchases alone.
    const History sim =
        clv_test::simulate_bg_nbd(0.7, 8.0, 1e-3, 1e3, 5'000, 20.0, 40.0, 5);
    const ClvFit fit = bg_nbd_fit(sim.view(), {});
    REQUIRE(fit.converged);
    CHECK(fit.message.find("limit without dropout") != std::string::npos);
    CHECK(fit.log_likelihood == doctest::Approx(clv_test::nbd_log_likelihood(
                                                    sim, fit.params[0], fit.params[1]))
                                    .epsilon(1e-9));
    // At least as good as Newton walking out along the ridge to the gradient test.
    clv_test::check_beats_the_plain_walk<detail::BgNbdKernel<false>>(
        fit, ClvModel::bg_nbd, sim);
}
