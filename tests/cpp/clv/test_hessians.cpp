// The analytic Hessians that Newton's method and the standard errors use, against
// central differences of the analytic gradients (themselves checked against
// differences of the likelihood in each model's tests).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "crmmine/clv/detail/bg_nbd_kernel.hpp"
#include "crmmine/clv/detail/gamma_gamma_kernel.hpp"
#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/pareto_nbd_kernel.hpp"
#include "oracles.hpp"

using namespace crmmine;
using detail::CustomerRow;

namespace {

template <class Kernel>
std::vector<double> gradient_at(const std::vector<double>& params,
                                const CustomerRow& row) {
    std::vector<double> g(params.size());
    detail::sum_log_likelihood(Kernel(params.data()), {row}, g.data(), 1);
    return g;
}

// Every entry of the packed Hessian of one row against d g_i / d theta_j from
// differences in log theta_j; the slack covers the differences' rounding error on
// gradients of size |g|.
template <class Kernel>
void check_hessian(const std::vector<double>& params, const CustomerRow& row) {
    constexpr int k = Kernel::n_params;
    std::vector<double> g(k), h(detail::packed_size(k));
    const double ll =
        detail::sum_log_likelihood(Kernel(params.data()), {row}, g.data(), 1, h.data());
    REQUIRE(std::isfinite(ll));
    double size = 1.0;
    for (const double v : g) size += std::fabs(v);
    for (int i = 0; i < k; ++i)
        for (int j = i; j < k; ++j) {
            auto shifted = [&](double e) {
                std::vector<double> p = params;
                p[static_cast<std::size_t>(j)] *= std::exp(e);
                return gradient_at<Kernel>(p, row)[static_cast<std::size_t>(i)];
            };
            const double theta = params[static_cast<std::size_t>(j)];
            const double fd = clv_test::derivative(shifted, 1e-4) / theta;
            const double analytic =
                h[static_cast<std::size_t>(detail::packed_index(k, i, j))];
            CAPTURE(row.x);
            CAPTURE(row.t_x);
            CAPTURE(row.T);
            CAPTURE(i);
            CAPTURE(j);
            CAPTURE(analytic);
            CAPTURE(fd);
            CHECK(std::fabs(analytic - fd) <=
                  1e-6 * std::fabs(fd) + 1e-9 * size * (1.0 + row.x) / theta);
        }
}

std::vector<CustomerRow> purchase_rows() {
    return {{0, 0, 38.86, 1},    {2, 30.43, 38.86, 1}, {1, 1.71, 38.86, 1},
            {7, 29.43, 32.0, 1}, {1, 0.0, 5.0, 1},     {12, 27.0, 27.0, 1},
            {25, 35.9, 36.0, 1}, {200, 1e-3, 1e-3, 1}, {200, 0.5, 40.0, 1},
            {0, 0, 1e-3, 1}};
}

const std::vector<std::vector<double>> purchase_params = {{0.243, 4.414, 0.793, 2.426},
                                                          {2.0, 0.01, 3.5, 0.2},
                                                          {0.05, 300.0, 0.01, 1e4},
                                                          {1.0, 1.0, 1.0, 1.0},
                                                          {30.0, 2.0, 15.0, 40.0}};

}  // namespace

TEST_CASE("BG/NBD Hessian equals differences of the gradient") {
    for (const auto& params : purchase_params)
        for (const CustomerRow& row : purchase_rows())
            check_hessian<detail::BgNbdKernel<false>>(params, row);
}

TEST_CASE("MBG/NBD Hessian equals differences of the gradient") {
    for (const auto& params : purchase_params)
        for (const CustomerRow& row : purchase_rows())
            check_hessian<detail::BgNbdKernel<true>>(params, row);
}

TEST_CASE("NBD limit Hessian equals differences of the gradient") {
    for (const auto& params : purchase_params)
        for (const CustomerRow& row : purchase_rows())
            check_hessian<detail::NbdLimitKernel>({params[0], params[1]}, row);
}

TEST_CASE("The Pareto/NBD likelihood tends to its NBD limit as s / beta -> 0") {
    for (const auto& params : purchase_params)
        for (const CustomerRow& row : purchase_rows()) {
            const std::vector<double> far{params[0], params[1], 0.5, 1e20};
            const detail::ParetoNbdKernel pareto_kernel(far.data());
            // Where the NBD leaves the silence after t_x less likely than about s /
            // beta, the dropout branch still dominates: the limit is not uniform.
            if (pareto_kernel.probability_alive(row.x, row.t_x, row.T) < 1.0 - 1e-12)
                continue;
            const double pareto =
                detail::sum_log_likelihood(pareto_kernel, {row}, nullptr, 1);
            const double nbd = detail::sum_log_likelihood(
                detail::NbdLimitKernel(params.data()), {row}, nullptr, 1);
            CAPTURE(row.x);
            CAPTURE(row.T);
            CHECK(pareto == doctest::Approx(nbd).epsilon(1e-10));
        }
}

TEST_CASE("Gamma-Gamma Hessian equals differences of the gradient") {
    const std::vector<std::vector<double>> models = {
        {6.25, 3.74, 15.44}, {0.3, 25.0, 0.02}, {40.0, 0.6, 1e3}, {1.0, 1.0, 1.0}};
    for (const auto& params : models)
        for (const auto& [x, m] : std::vector<std::pair<double, double>>{
                 {1, 20.0}, {2, 35.5}, {7, 12.25}, {200, 0.01}, {1, 1e5}, {29, 299.6}})
            check_hessian<detail::GammaGammaKernel>(params, {x, m, std::log(m), 1.0});
}

namespace {

// The terms of x reached by steps from x0 against those computed afresh. The first
// n_logs fields are sums of logarithms of size about (1 + x) (1 + max |log theta|),
// which the fresh computation gets as a difference of two (for b = 1e4, of two values
// near 9.2 x): that rounding is allowed for.
template <class Kernel, class Fields>
void check_steps(const std::vector<double>& params, std::size_t n_logs,
                 Fields&& fields) {
    const Kernel kernel(params.data());
    double log_size = 1.0;
    for (const double theta : params)
        log_size = std::max(log_size, 1.0 + std::fabs(std::log(theta)));
    for (const double x0 : {0.0, 1.0, 5.0, 180.0}) {
        auto stepped = kernel.x_terms(x0, 2);
        for (double x = x0; x < x0 + 16.0; x += 1.0) {
            kernel.step_x_terms(stepped, x, 2);
            const auto fresh = kernel.x_terms(x + 1.0, 2);
            const auto a = fields(stepped), b = fields(fresh);
            for (std::size_t i = 0; i < a.size(); ++i) {
                CAPTURE(x);
                CAPTURE(i);
                const double slack = i < n_logs ? 1e-15 * (2.0 + x) * log_size : 0.0;
                CHECK(std::fabs(a[i] - b[i]) <= 1e-12 * std::fabs(b[i]) + slack);
            }
        }
    }
}

}  // namespace

TEST_CASE("x terms stepped one purchase at a time equal those computed afresh") {
    auto bg_fields = [](const auto& t) {
        return std::vector<double>{
            t.log_rising_r,  t.log_beta_ratio,     t.digamma_r,  t.digamma_b,
            t.digamma_ab,    t.trigamma_r,         t.trigamma_b, t.trigamma_ab,
            t.log_odds_base, t.inverse_denominator};
    };
    for (const auto& params : purchase_params) {
        check_steps<detail::BgNbdKernel<false>>(params, 2, bg_fields);
        check_steps<detail::BgNbdKernel<true>>(params, 2, bg_fields);
    }
    for (const std::vector<double>& params :
         {std::vector<double>{0.553, 10.578, 0.606, 11.669}, {40.0, 2.0, 3e4, 2e9}})
        check_steps<detail::ParetoNbdKernel>(params, 1, [](const auto& t) {
            return std::vector<double>{t.log_rising_r, t.digamma_r, t.log_rsx};
        });
    for (const auto& params : purchase_params)
        check_steps<detail::NbdLimitKernel>(params, 1, [](const auto& t) {
            return std::vector<double>{t.log_rising_r, t.digamma_r, t.trigamma_r};
        });
}

namespace {

// The Hessian of the total negative log-likelihood in the natural parameters from
// second differences of its value alone, in log-parameters (step h), taken to natural
// parameters by the chain rule: an oracle independent of every gradient and Hessian.
Eigen::MatrixXd hessian_from_values(ClvModel model, const std::vector<double>& params,
                                    const PurchaseHistoryView& data, double h) {
    const auto k = static_cast<Eigen::Index>(params.size());
    auto f = [&](Eigen::Index i, double di, Eigen::Index j, double dj) {
        std::vector<double> p = params;
        p[static_cast<std::size_t>(i)] *= std::exp(di);
        p[static_cast<std::size_t>(j)] *= std::exp(dj);
        return -clv_log_likelihood(model, p, data, 1).total;
    };
    const double center = f(0, 0.0, 0, 0.0);
    Eigen::MatrixXd hessian(k, k);
    for (Eigen::Index i = 0; i < k; ++i) {
        const double up = f(i, h, i, 0.0), down = f(i, -h, i, 0.0);
        const double gradient = (up - down) / (2.0 * h);
        const double theta = params[static_cast<std::size_t>(i)];
        hessian(i, i) =
            ((up - 2.0 * center + down) / (h * h) - gradient) / (theta * theta);
        for (Eigen::Index j = i + 1; j < k; ++j) {
            const double mixed =
                (f(i, h, j, h) - f(i, h, j, -h) - f(i, -h, j, h) + f(i, -h, j, -h)) /
                (4.0 * h * h);
            hessian(i, j) = hessian(j, i) =
                mixed / (theta * params[static_cast<std::size_t>(j)]);
        }
    }
    return hessian;
}

void check_close(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want, double rtol) {
    REQUIRE(got.rows() == want.rows());
    REQUIRE(got.cols() == want.cols());
    for (Eigen::Index i = 0; i < want.rows(); ++i)
        for (Eigen::Index j = 0; j < want.cols(); ++j) {
            CAPTURE(i);
            CAPTURE(j);
            CHECK(std::fabs(got(i, j) - want(i, j)) <=
                  rtol * std::sqrt(want(i, i) * want(j, j)));
        }
}

}  // namespace

TEST_CASE("Covariance taken after the fit equals the fit's own, and the likelihood's") {
    const clv_test::History history =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 3000, 27.0, 39.0, 5);
    // Spend that differs between customers, so that the Gamma-Gamma optimum is finite:
    // without such spread it lies at q, v -> infinity, where no test of the gradient
    // settles the walk.
    std::vector<double> spend_x, spend_m;
    for (int i = 0; i < 60; ++i) {
        spend_x.push_back(1.0 + i % 5);
        spend_m.push_back(10.0 * std::exp(1.2 * std::sin(1.7 * i)));
    }
    const PurchaseHistoryView spend{spend_x.data(), spend_m.data(), nullptr, nullptr,
                                    spend_x.size()};
    for (const ClvModel model : {ClvModel::bg_nbd, ClvModel::modified_bg_nbd,
                                 ClvModel::pareto_nbd, ClvModel::gamma_gamma}) {
        CAPTURE(std::string(clv_model_name(model)));
        const PurchaseHistoryView data =
            model == ClvModel::gamma_gamma ? spend : history.view();
        ClvFitParams settings;
        settings.n_jobs = 1;
        const ClvFit fit = clv_fit(model, data, settings);
        REQUIRE(fit.converged);
        settings.covariance = false;
        const ClvFit bare = clv_fit(model, data, settings);
        CHECK(bare.covariance.size() == 0);
        CHECK(bare.params == fit.params);
        const RowMatrix<double> later =
            clv_covariance(model, fit.params, data, settings);
        check_close(later, fit.covariance, 1e-8);
        // Hessians, not their inverses: the BG/NBD's a and b lie on a ridge, and
        // inverting multiplies the oracle's O(h^2) error by the condition number.
        if (model != ClvModel::gamma_gamma)
            check_close(later.inverse(),
                        hessian_from_values(model, fit.params, data, 1e-3), 1e-5);
    }
}

namespace {

// The log-likelihood, gradient and packed Hessian of rows added one by one with
// Kernel::log_likelihood, each row's x terms computed afresh: the oracle of the sums
// by groups of equal x that sum_log_likelihood takes for the BG/NBD and MBG/NBD.
template <class Kernel>
std::vector<double> row_by_row(const Kernel& kernel,
                               const std::vector<CustomerRow>& rows) {
    constexpr int k = Kernel::n_params;
    std::vector<double> out(1 + k + detail::packed_size(k), 0.0);
    std::vector<double> g(k), h(detail::packed_size(k));
    for (const CustomerRow& row : rows) {
        const double ll =
            kernel.log_likelihood(kernel.x_terms(row.x, 2), row, g.data(), h.data());
        out[0] += row.weight * ll;
        for (std::size_t j = 0; j < g.size(); ++j) out[1 + j] += row.weight * g[j];
        for (std::size_t j = 0; j < h.size(); ++j) out[1 + k + j] += row.weight * h[j];
    }
    return out;
}

template <class Kernel>
void check_group_sums(const std::vector<double>& params,
                      const std::vector<CustomerRow>& rows,
                      const std::vector<double>& times) {
    constexpr int k = Kernel::n_params;
    Kernel kernel(params.data());
    std::vector<double> table;
    if (!times.empty()) kernel.use_times(times, table);
    const std::vector<double> want = row_by_row(kernel, rows);
    std::vector<double> g(k), h(detail::packed_size(k));
    const double ll = detail::sum_log_likelihood(kernel, rows, g.data(), 1, h.data());
    // Entries cancel between rows and terms: compared on the scale of the sum of
    // their magnitudes' bound, |log L| over the parameters involved.
    CHECK(ll == doctest::Approx(want[0]).epsilon(1e-12));
    for (int i = 0; i < k; ++i) {
        const auto is = static_cast<std::size_t>(i);
        CAPTURE(i);
        CHECK(std::fabs(g[is] - want[1 + is]) <=
              1e-11 * (std::fabs(want[0]) + 1.0) / std::min(params[is], 1.0));
        for (int j = i; j < k; ++j) {
            const auto at = static_cast<std::size_t>(detail::packed_index(k, i, j));
            CAPTURE(j);
            CHECK(std::fabs(h[at] - want[1 + k + at]) <=
                  1e-11 * (std::fabs(want[0]) + 1.0) /
                      (std::min(params[is], 1.0) *
                       std::min(params[static_cast<std::size_t>(j)], 1.0)));
        }
    }
    // Value only and value with gradient sum the same terms.
    CHECK(detail::sum_log_likelihood(kernel, rows, nullptr, 1) == ll);
    std::vector<double> g1(k);
    CHECK(detail::sum_log_likelihood(kernel, rows, g1.data(), 1) == ll);
    CHECK(g1 == g);
}

}  // namespace

TEST_CASE("BG/NBD and MBG/NBD sums by groups of x equal the rows' terms one by one") {
    // Rows grouped by x as a fit keeps them, with weights, several rows per x, and
    // their times indexed for the table of a daily history.
    const clv_test::History history =
        clv_test::simulate_bg_nbd(0.243, 4.414, 0.793, 2.426, 700, 27.0, 39.0, 3);
    std::vector<CustomerRow> rows;
    for (std::size_t i = 0; i < history.x.size(); ++i)
        rows.push_back({history.x[i], std::round(history.t_x[i]),
                        std::round(history.T[i]), 1.0 + static_cast<double>(i % 4)});
    for (const CustomerRow& extreme : purchase_rows()) rows.push_back(extreme);
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.x < b.x; });
    std::vector<double> times;
    for (CustomerRow& row : rows)
        for (auto [t, slot] :
             {std::pair{row.t_x, &row.t_x_slot}, {row.T, &row.T_slot}}) {
            const auto at = std::find(times.begin(), times.end(), t);
            *slot = static_cast<std::uint32_t>(at - times.begin());
            if (at == times.end()) times.push_back(t);
        }
    for (const auto& params : purchase_params)
        for (const auto& table : {std::vector<double>{}, times}) {
            CAPTURE(params[0]);
            CAPTURE(table.size());
            check_group_sums<detail::BgNbdKernel<false>>(params, rows, table);
            check_group_sums<detail::BgNbdKernel<true>>(params, rows, table);
        }
}
