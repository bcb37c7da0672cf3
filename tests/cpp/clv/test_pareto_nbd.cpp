#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/pareto_nbd_kernel.hpp"
#include "crmmine/clv/pareto_nbd.hpp"
#include "oracles.hpp"

using namespace crmmine;
using clv_test::History;

namespace {

// Schmittlein et al. / Fader & Hardie: the CDNOW cohort estimates.
const ParetoNbd published{0.553, 10.578, 0.606, 11.669};
const ParetoNbd alpha_larger{0.8, 15.0, 1.3, 6.0};

struct HypCase {
    double x, t_x, T, f_tx, f_T;
};

// For each customer the two values 2F1(r+s+x, t; r+s+x+1; |alpha-beta| / (max + t_x
// or T)) of Fader & Hardie (2005) eq. (19)/(20), from scipy.special.hyp2f1 (SciPy
// 1.17), t = r + x when alpha < beta, s + 1 otherwise.
const std::vector<HypCase> published_cases = {
    {2.0, 30.43, 38.86, 1.0521818117335944, 1.0432004614521748},
    {0.0, 0, 38.86, 1.0292217536891886, 1.0064842207040574},
    {5.0, 10.0, 30.0, 1.2796969362097268, 1.1350801053412831},
    {1.0, 1.71, 38.86, 1.093972592658193, 1.0234068979825048},
    {12.0, 20.5, 21.0, 1.4955231067925105, 1.486183032965458},
};
const std::vector<HypCase> alpha_larger_cases = {
    {2.0, 30.43, 38.86, 1.498045271453677, 1.3983459595819552},
    {0.0, 0, 38.86, 4.007528729298652, 1.327437982569898},
    {5.0, 10.0, 30.0, 2.419057864638749, 1.5618100453171027},
    {1.0, 1.71, 38.86, 3.673585393341914, 1.3709050153456686},
    {12.0, 20.5, 21.0, 1.864274177449028, 1.8458341593520002},
};

History history_of(const std::vector<HypCase>& cases) {
    History h;
    for (const auto& c : cases) h.add(c.x, c.t_x, c.T);
    return h;
}

}  // namespace

namespace {

// The fit of `sim` on two threads is `fit`, the fit on one, bit for bit.
void check_two_threads_agree(const ClvFit& fit, const History& sim) {
    ClvFitParams two;
    two.n_jobs = 2;
    const ClvFit again = pareto_nbd_fit(sim.view(), two);
    CHECK(again.params == fit.params);
    CHECK(again.log_likelihood == fit.log_likelihood);
}

}  // namespace

TEST_CASE("Pareto/NBD individual log-likelihood equals eq. (18) with scipy's 2F1") {
    for (const auto& [model, cases] : {std::pair{published, published_cases},
                                       std::pair{alpha_larger, alpha_larger_cases}}) {
        const History h = history_of(cases);
        const auto ll = individual_log_likelihood(model, h.view(), 1);
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const HypCase& c = cases[i];
            CHECK(ll[i] ==
                  doctest::Approx(clv_test::pareto_nbd_ll(model.r, model.alpha, model.s,
                                                          model.beta, c.x, c.t_x, c.T,
                                                          c.f_tx, c.f_T))
                      .epsilon(1e-12));
        }
    }
}

TEST_CASE("Pareto/NBD gradient equals finite differences, extreme customers included") {
    History h = history_of(published_cases);
    h.add(200, 1e-3, 1e-3);
    h.add(200, 0.5, 40.0);
    h.add(0, 0, 1e-3);
    h.add(3, 39.999999, 40.0);
    const std::vector<ParetoNbd> models = {
        published, alpha_larger, ParetoNbd{0.3, 1e-3, 0.8, 50.0},
        ParetoNbd{2.0, 80.0, 0.05, 1e-3}, ParetoNbd{1.0, 5.0, 500.0, 4000.0}};
    for (const ParetoNbd& model : models) {
        for (std::size_t i = 0; i < h.x.size(); ++i) {
            CAPTURE(i);
            History one;
            one.add(h.x[i], h.t_x[i], h.T[i]);
            const ClvLogLikelihood ll = log_likelihood(model, one.view(), 1);
            REQUIRE(std::isfinite(ll.total));
            for (std::size_t j = 0; j < 4; ++j) {
                auto shifted = [&](double e) {
                    std::vector<double> p = model.params();
                    p[j] *= std::exp(e);
                    return log_likelihood(ParetoNbd::from_params(p), one.view(), 1)
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

TEST_CASE("Pareto/NBD predictions equal Fader & Hardie's expressions") {
    const ParetoNbd& m = published;
    const History h = history_of(published_cases);
    const double t = 39.0;
    const auto expected =
        conditional_expected_number_of_purchases_up_to_time(m, &t, 1, h.view(), 1);
    const auto alive = conditional_probability_alive(m, h.view(), 1);
    for (std::size_t i = 0; i < published_cases.size(); ++i) {
        const HypCase& c = published_cases[i];
        // Eq. (18) splits into "alive at T" and "gone"; P(alive) is the first share.
        const double ll = clv_test::pareto_nbd_ll(m.r, m.alpha, m.s, m.beta, c.x, c.t_x,
                                                  c.T, c.f_tx, c.f_T);
        const double first = std::lgamma(m.r + c.x) - std::lgamma(m.r) +
                             m.r * std::log(m.alpha) + m.s * std::log(m.beta) -
                             (m.r + c.x) * std::log(m.alpha + c.T) -
                             m.s * std::log(m.beta + c.T);
        const double p_alive = std::exp(first - ll);
        CHECK(alive[i] == doctest::Approx(p_alive).epsilon(1e-12));
        // Eq. (41).
        const double naive =
            p_alive * (m.r + c.x) * (m.beta + c.T) / ((m.alpha + c.T) * (m.s - 1)) *
            (1 - std::pow((m.beta + c.T) / (m.beta + c.T + t), m.s - 1));
        CHECK(expected[i] == doctest::Approx(naive).epsilon(1e-12));
    }
    const double u = 52.0;
    const double unconditional =
        expected_number_of_purchases_up_to_time(m, &u, 1).front();
    CHECK(unconditional ==
          doctest::Approx(m.r * m.beta / (m.alpha * (m.s - 1)) *
                          (1 - std::pow(m.beta / (m.beta + u), m.s - 1)))
              .epsilon(1e-13));
}

TEST_CASE("Pareto/NBD P(X(t) = n) equals the closed form and sums to one") {
    // Fader & Hardie's closed form with plain 2F1 series, fine for small n (it
    // subtracts nearly equal sums as n grows).
    for (const ParetoNbd& m : {published, alpha_larger}) {
        const double r = m.r, alpha = m.alpha, s = m.s, beta = m.beta;
        const double t = 26.0;
        const double big = std::max(alpha, beta), d = std::fabs(alpha - beta);
        double total = 0.0;
        for (std::int64_t n = 0; n < 400; ++n) {
            const double p =
                probability_of_n_purchases_up_to_time(m, &t, 1, &n, 1, 1).front();
            CHECK((p >= 0.0 && p <= 1.0));
            total += p;
            if (n > 6) continue;
            const double x = static_cast<double>(n);
            const double b_param = alpha < beta ? r + x : s + 1;
            const double first = std::exp(
                std::lgamma(r + x) - std::lgamma(r) - std::lgamma(x + 1) +
                r * std::log(alpha / (alpha + t)) + x * std::log(t / (alpha + t)) +
                s * std::log(beta / (beta + t)));
            const double B1 =
                clv_test::naive_hyp2f1(r + s, b_param, r + s + x + 1, d / big) /
                std::pow(big, r + s);
            double B2 = 0.0;
            for (double i = 0; i <= x; ++i)
                B2 += std::exp(std::lgamma(r + s + i) - std::lgamma(r + s) -
                               std::lgamma(i + 1) + i * std::log(t)) *
                      clv_test::naive_hyp2f1(r + s + i, b_param, r + s + x + 1,
                                             d / (big + t)) /
                      std::pow(big + t, r + s + i);
            const double second =
                std::pow(alpha, r) * std::pow(beta, s) *
                std::exp(clv_test::lbeta(r + x, s + 1) - clv_test::lbeta(r, s)) *
                (B1 - B2);
            CHECK(p == doctest::Approx(first + second).epsilon(1e-9));
        }
        CHECK(total == doctest::Approx(1.0).epsilon(1e-9));
    }
}

TEST_CASE("Pareto/NBD stays finite for extreme customers; fit on simulated data") {
    History extreme;
    extreme.add(200, 1e-3, 1e-3);
    extreme.add(200, 0.0, 1e-3);
    extreme.add(0, 0, 0);
    extreme.add(5000, 3.0, 100.0);
    extreme.add(0, 0, 40.0);
    extreme.add(1, 12.0, 40.0);
    // The last two are where fits on data with hardly any repeat buyer wander: rates
    // and dropout without heterogeneity (r, alpha or s, beta -> infinity).
    for (const ParetoNbd& m :
         {published, alpha_larger, ParetoNbd{0.2, 1e-4, 0.3, 1e3},
          ParetoNbd{3e14, 2.8e18, 87.0, 3439.0}, ParetoNbd{0.7, 8.0, 5e6, 1.6e8}}) {
        for (const double t : {0.0, 1.0, 1e5}) {
            for (const double v : conditional_expected_number_of_purchases_up_to_time(
                     m, &t, 1, extreme.view(), 1))
                CHECK((std::isfinite(v) && v >= 0.0));
        }
        for (const double v : conditional_probability_alive(m, extreme.view(), 1))
            CHECK((v >= 0.0 && v <= 1.0));
        const auto individual = individual_log_likelihood(m, extreme.view(), 1);
        for (std::size_t i = 0; i < individual.size(); ++i) {
            CHECK(std::isfinite(individual[i]));
            if (extreme.x[i] == 0) CHECK(individual[i] <= 0.0);  // a probability
        }
        const ClvLogLikelihood ll = log_likelihood(m, extreme.view(), 1);
        for (const double g : ll.gradient) CHECK(std::isfinite(g));
    }

    // Simulated Pareto/NBD customers: rate ~ Gamma(r, alpha), lifetime ~ Exp(mu), mu ~
    // Gamma(s, beta).
    const double truth[] = {0.7, 8.0, 0.9, 12.0};
    std::mt19937_64 rng(11);
    std::gamma_distribution<double> rate(truth[0], 1.0 / truth[1]),
        death(truth[2], 1.0 / truth[3]);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    History sim;
    for (int i = 0; i < 20000; ++i) {
        const double lambda = rate(rng), mu = death(rng);
        const double T = 26.0 + 26.0 * uniform(rng);
        const double end = std::min(T, -std::log1p(-uniform(rng)) / mu);
        double t = 0.0, last = 0.0, x = 0.0;
        for (;;) {
            t += -std::log1p(-uniform(rng)) / lambda;
            if (t > end) break;
            x += 1.0;
            last = t;
        }
        sim.add(x, last, T);
    }
    const ClvFit fit = pareto_nbd_fit(sim.view(), {});
    REQUIRE(fit.converged);
    CHECK(fit.log_likelihood ==
          doctest::Approx(
              log_likelihood(ParetoNbd::from_params(fit.params), sim.view(), 1).total)
              .epsilon(1e-12));
    const auto se = fit.standard_errors();
    for (std::size_t j = 0; j < 4; ++j) {
        CAPTURE(j);
        CHECK(std::fabs(fit.params[j] - truth[j]) < 4.0 * se[j]);
    }
    check_two_threads_agree(fit, sim);
}

TEST_CASE("Pareto/NBD fit converges when hardly anybody buys again") {
    for (const int buyers : {1, 3, 5}) {
        History h;
        for (int i = 0; i < 2000; ++i) h.add(0, 0, 20.0 + i % 20);
        for (int i = 0; i < buyers; ++i) h.add(1, 3.0 + 4 * i, 30.0);
        const ClvFit fit = pareto_nbd_fit(h.view(), {});
        CAPTURE(buyers);
        CAPTURE(fit.message);
        CHECK(fit.converged);
        // the data are almost all "no purchase": probabilities, so log L <= 0 for them
        CHECK(fit.log_likelihood < 0.0);
    }
}

TEST_CASE(
    "A Pareto/NBD fit from a sample's optimum and curvature ends at the cold one") {
    const History sim =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 10'000, 20.0, 40.0, 23);
    clv_test::check_warm_start([&] { return pareto_nbd_fit(sim.view(), {}); }, 2048,
                               1e-4);
    // Samples of 256 and then 2,048 rows (the second from the first's optimum and
    // curvature) before every row.
    const std::size_t saved = detail::warm_start_rows;
    detail::warm_start_rows = 256;
    const std::size_t middle = detail::middle_sample_rows();
    detail::warm_start_rows = saved;
    REQUIRE(middle == 2048);
    REQUIRE(pareto_nbd_fit(sim.view(), {}).n_unique >=
            static_cast<std::int64_t>(4 * middle));
    clv_test::check_warm_start([&] { return pareto_nbd_fit(sim.view(), {}); }, 256,
                               1e-4);
}

TEST_CASE("A small Pareto/NBD fit from an eighth of its rows ends at the cold one") {
    // 3,000 CDNOW-like customers, below four times warm_start_rows: the sample is an
    // eighth of the distinct rows.
    const History sim =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 3'000, 26.0, 39.0, 7);
    const ClvFit fit = pareto_nbd_fit(sim.view(), {});
    REQUIRE(fit.n_unique < static_cast<std::int64_t>(4 * detail::warm_start_rows));
    REQUIRE(detail::warm_sample_rows<detail::ParetoNbdKernel>(static_cast<std::size_t>(
                fit.n_unique)) == static_cast<std::size_t>(fit.n_unique) / 8);
    clv_test::check_warm_start([&] { return pareto_nbd_fit(sim.view(), {}); },
                               detail::warm_start_rows, 1e-4);
}

TEST_CASE("The information matrix is the mean outer product of the rows' scores") {
    // Oracle: each row's score in log parameters by central differences of its own
    // log-likelihood, independent of the analytic gradient.
    const History sim =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 300, 26.0, 39.0, 11);
    const detail::FitProblem problem =
        detail::purchase_fit_problem(ClvModel::pareto_nbd, sim.view(), {}, 1);
    for (const double penalizer : {0.0, 0.1}) {
        CAPTURE(penalizer);
        detail::FitObjective<detail::ParetoNbdKernel> objective(problem, penalizer, 1);
        const Eigen::Vector4d y(-0.5, -1.3, -0.3, -1.2);
        Eigen::VectorXd g(4), g_plain(4);
        Eigen::MatrixXd information;
        const double f = objective.information(y, g, information);
        CHECK(f == objective(y, g_plain, nullptr));
        CHECK(g == g_plain);

        auto row_log_likelihood = [&](const detail::CustomerRow& row,
                                      const Eigen::Vector4d& at) {
            std::array<double, 4> theta{};
            for (int j = 0; j < 4; ++j)
                theta[static_cast<std::size_t>(j)] = std::exp(at[j]);
            const detail::ParetoNbdKernel kernel(theta.data());
            detail::CustomerRow one = row;
            one.weight = 1.0;
            return detail::sum_log_likelihood(kernel, {one}, nullptr, 1);
        };
        Eigen::Matrix4d outer = Eigen::Matrix4d::Zero();
        Eigen::Vector4d mean = Eigen::Vector4d::Zero();
        for (const detail::CustomerRow& row : problem.rows) {
            Eigen::Vector4d score;
            for (int j = 0; j < 4; ++j) {
                const double h = 1e-5;
                Eigen::Vector4d up = y, down = y;
                up[j] += h;
                down[j] -= h;
                score[j] =
                    (row_log_likelihood(row, up) - row_log_likelihood(row, down)) /
                    (2 * h);
            }
            outer += row.weight * score * score.transpose();
            mean += row.weight * score;
        }
        outer /= problem.total_weight;
        mean /= problem.total_weight;
        Eigen::Matrix4d expected = outer - mean * mean.transpose();
        for (int j = 0; j < 4; ++j) {
            const double t =
                std::exp(y[j]) * problem.penalty_scale[static_cast<std::size_t>(j)];
            expected(j, j) += 4.0 * penalizer * t * t;
        }
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
                CAPTURE(i);
                CAPTURE(j);
                CHECK(information(i, j) ==
                      doctest::Approx(expected(i, j)).epsilon(1e-6).scale(1e-6));
            }
    }
}

TEST_CASE("An informed walk ends at the L-BFGS walk's optimum in fewer iterations") {
    // The walk a sample gets (fit_model), on CDNOW-like customers.
    const History sim =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 3'000, 26.0, 39.0, 7);
    const detail::FitProblem problem =
        detail::purchase_fit_problem(ClvModel::pareto_nbd, sim.view(), {}, 1);
    const detail::FitProblem sample =
        detail::strided_sample(problem, problem.rows.size() / 8);
    detail::FitObjective<detail::ParetoNbdKernel> objective(sample, 0.0, 1);
    const Eigen::VectorXd start = Eigen::VectorXd::Zero(4);
    const detail::MinimizeResult plain =
        detail::walk_minimize(objective, start, detail::MinimizeSettings{});
    const detail::MinimizeResult informed =
        detail::walk_minimize(objective, start, detail::MinimizeSettings{},
                              std::numeric_limits<double>::infinity(), true);
    REQUIRE(plain.converged);
    REQUIRE(informed.converged);
    CHECK(informed.f == doctest::Approx(plain.f).epsilon(1e-12));
    for (int j = 0; j < 4; ++j) {
        CAPTURE(j);
        CHECK(informed.x[j] == doctest::Approx(plain.x[j]).epsilon(1e-5));
    }
    CHECK(informed.n_iter < plain.n_iter);
}

TEST_CASE("A strided sample keeps its rows' times in a table of its own") {
    // Times in whole days, as in daily data, so that many rows share them.
    History sim =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 3'000, 26.0, 39.0, 7);
    for (std::size_t i = 0; i < sim.x.size(); ++i) {
        sim.T[i] = std::round(sim.T[i] * 7.0) / 7.0;
        sim.t_x[i] = std::min(sim.T[i], std::round(sim.t_x[i] * 7.0) / 7.0);
    }
    const detail::FitProblem problem =
        detail::purchase_fit_problem(ClvModel::pareto_nbd, sim.view(), {}, 1);
    REQUIRE_FALSE(problem.times.empty());
    const detail::FitProblem sample =
        detail::strided_sample(problem, problem.rows.size() / 8);
    REQUIRE(sample.rows.size() < problem.rows.size());
    CHECK(sample.times.size() < problem.times.size());
    std::vector<bool> used(sample.times.size(), false);
    for (const detail::CustomerRow& row : sample.rows) {
        REQUIRE(row.t_x_slot < sample.times.size());
        REQUIRE(row.T_slot < sample.times.size());
        CHECK(sample.times[row.t_x_slot] == row.t_x);
        CHECK(sample.times[row.T_slot] == row.T);
        used[row.t_x_slot] = used[row.T_slot] = true;
    }
    CHECK(std::count(used.begin(), used.end(), false) == 0);
    std::vector<double> distinct = sample.times;
    std::sort(distinct.begin(), distinct.end());
    CHECK(std::adjacent_find(distinct.begin(), distinct.end()) == distinct.end());
    // The same rows fitted through the problem's table: the same objective, bit for
    // bit, since each time's table entry is computed the same way.
    detail::FitProblem through_problem = sample;
    through_problem.times = problem.times;
    const std::size_t stride = problem.rows.size() / (problem.rows.size() / 8);
    for (std::size_t i = 0; i < through_problem.rows.size(); ++i)
        through_problem.rows[i] = problem.rows[i * stride];
    detail::FitObjective<detail::ParetoNbdKernel> own(sample, 0.0, 1);
    detail::FitObjective<detail::ParetoNbdKernel> shared(through_problem, 0.0, 1);
    Eigen::VectorXd y(4), g_own(4), g_shared(4);
    y << -0.5, -1.3, -0.3, -1.2;
    CHECK(own(y, g_own, nullptr) == shared(y, g_shared, nullptr));
    CHECK(g_own == g_shared);
}

TEST_CASE("A bounded walk ends at its first iterate past the bound, unconverged") {
    // How a small sample that walks out along a ridge is dropped early.
    const History sim =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 3'000, 26.0, 39.0, 7);
    const detail::FitProblem problem =
        detail::purchase_fit_problem(ClvModel::pareto_nbd, sim.view(), {}, 1);
    detail::FitObjective<detail::ParetoNbdKernel> objective(problem, 0.0, 1);
    const detail::MinimizeResult free = detail::walk_minimize(
        objective, Eigen::VectorXd::Zero(4), detail::MinimizeSettings{});
    REQUIRE(free.converged);
    const double bound = 0.5 * free.x.lpNorm<Eigen::Infinity>();
    const detail::MinimizeResult bounded = detail::walk_minimize(
        objective, Eigen::VectorXd::Zero(4), detail::MinimizeSettings{}, bound);
    CHECK_FALSE(bounded.converged);
    CHECK_FALSE(detail::usable_warm_start(bounded, bound));
    CHECK(detail::warm_start_bound(detail::warm_start_rows / 8) ==
          doctest::Approx(std::log(100.0)));
    CHECK(detail::warm_start_bound(detail::warm_start_rows) ==
          doctest::Approx(std::log(1e6)));
}

TEST_CASE("A sample fit that ends on a ridge does not start the full fit") {
    // Little dropout heterogeneity: the fit of a sample of 2,048 walks off to s = 5e8,
    // beta = 2e10, where the likelihood is flat; started there, the full fit stopped
    // at a log-likelihood 0.1 below the cold start's.
    const History sim =
        clv_test::simulate_bg_nbd(0.5, 6.0, 0.8, 2.5, 10'000, 20.0, 40.0, 23);
    const std::size_t saved = detail::warm_start_rows;
    detail::warm_start_rows = 2048;
    const ClvFit sample_started = pareto_nbd_fit(sim.view(), {});
    detail::warm_start_rows = std::size_t{1} << 40;
    const ClvFit cold = pareto_nbd_fit(sim.view(), {});
    detail::warm_start_rows = saved;
    CHECK(sample_started.params == cold.params);
    CHECK(sample_started.log_likelihood == cold.log_likelihood);
}

TEST_CASE(
    "Pareto/NBD fit on customers who hardly ever drop out ends at the NBD limit") {
    // Dropout probability about 1e-6 a purchase: the optimum lies at s / beta -> 0,
    // where the likelihood is the NBD's of purchases alone.
    // A sample of an eighth of the rows still finds an interior optimum here; the fit
    // from it walks off towards s, beta -> 0 and is abandoned for the fit from the
    // start, which tries the limit.
    const History sim =
        clv_test::simulate_bg_nbd(0.7, 8.0, 1e-3, 1e3, 5'000, 20.0, 40.0, 5);
    const ClvFit fit = pareto_nbd_fit(sim.view(), {});
    REQUIRE(fit.converged);
    CHECK(fit.params[2] / fit.params[3] < 1e-6);
    CHECK(fit.log_likelihood == doctest::Approx(clv_test::nbd_log_likelihood(
                                                    sim, fit.params[0], fit.params[1]))
                                    .epsilon(1e-9));
    // At least as good as L-BFGS walking out along the ridge to the gradient test.
    clv_test::check_beats_the_plain_walk<detail::ParetoNbdKernel>(
        fit, ClvModel::pareto_nbd, sim);

    check_two_threads_agree(fit, sim);
}

TEST_CASE("Pareto/NBD fit where the data show dropout is the L-BFGS fit, bit for bit") {
    // BG/NBD customers as in CDNOW: the start's gradient points to the limit without
    // dropout, which is tried and turned down. (From the start: no sample warm start.)
    const History sim =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 3'000, 26.0, 39.0, 7);
    const std::size_t saved = detail::warm_start_rows;
    detail::warm_start_rows = std::size_t{1} << 40;
    const ClvFit fit = pareto_nbd_fit(sim.view(), {});
    detail::warm_start_rows = saved;
    REQUIRE(fit.converged);
    const detail::FitProblem problem =
        detail::purchase_fit_problem(ClvModel::pareto_nbd, sim.view(), {}, 1);
    detail::FitObjective<detail::ParetoNbdKernel> objective(problem, 0.0, 1);
    const detail::MinimizeResult walk = detail::minimize_objective(
        objective, Eigen::VectorXd::Zero(4), detail::MinimizeSettings{});
    for (int j = 0; j < 4; ++j) {
        CAPTURE(j);
        CHECK(std::log(fit.params[static_cast<std::size_t>(j)] *
                       problem.param_scale[static_cast<std::size_t>(j)]) ==
              doctest::Approx(walk.x[j]).epsilon(1e-15));
    }
    CHECK(fit.n_iter == walk.n_iter);
}

TEST_CASE("Pareto/NBD sums from the time table equal those without, bit for bit") {
    // Whole days: each time recurs, so series are kept by (x, t) and reused.
    History days;
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<int> day(0, 120), count(0, 6);
    for (int i = 0; i < 3'000; ++i) {
        const double T = day(rng) + 20.0, x = count(rng);
        const double t_x = x == 0 ? 0.0 : std::min<double>(T, day(rng));
        days.add(x, t_x, T);
    }
    const detail::FitProblem problem =
        detail::purchase_fit_problem(ClvModel::pareto_nbd, days.view(), {}, 1);
    REQUIRE(!problem.times.empty());
    for (const std::vector<double>& params : {std::vector<double>{0.55, 0.27, 0.6, 0.3},
                                              {0.8, 0.2, 1e-6, 6e4},
                                              {0.9, 0.03, 0.5, 3.0}}) {
        detail::ParetoNbdKernel with_table(params.data());
        std::vector<double> table;
        with_table.use_times(problem.times, table);
        const detail::ParetoNbdKernel without(params.data());
        std::vector<double> g1(4), g2(4);
        for (const int threads : {1, 2}) {
            const double ll1 = detail::sum_log_likelihood(with_table, problem.rows,
                                                          g1.data(), threads);
            const double ll2 =
                detail::sum_log_likelihood(without, problem.rows, g2.data(), threads);
            CHECK(ll1 == ll2);
            CHECK(g1 == g2);
            CHECK(detail::sum_log_likelihood(with_table, problem.rows, nullptr,
                                             threads) == ll1);
        }
    }
}

TEST_CASE("Pareto/NBD fit at the NBD limit keeps within max_iter") {
    const History sim =
        clv_test::simulate_bg_nbd(0.7, 8.0, 1e-3, 1e3, 2'000, 20.0, 40.0, 5);
    const ClvFit free_fit = pareto_nbd_fit(sim.view(), {});
    REQUIRE(free_fit.converged);
    for (int max_iter = 0; max_iter <= free_fit.n_iter; ++max_iter) {
        ClvFitParams settings;
        settings.max_iter = max_iter;
        const ClvFit fit = pareto_nbd_fit(sim.view(), settings);
        CAPTURE(max_iter);
        CHECK(fit.n_iter <= max_iter);
        if (fit.converged) CHECK(fit.log_likelihood >= free_fit.log_likelihood - 1e-6);
    }
}
