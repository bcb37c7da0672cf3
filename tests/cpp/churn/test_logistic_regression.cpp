#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "crmmine/churn/detail/logistic_loss.hpp"
#include "crmmine/churn/logistic_regression.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

namespace {

struct Data {
    RowMatrix<double> X;
    std::vector<std::uint8_t> y;
    std::vector<double> weight;
};

// Labels drawn from a logistic model with a 20 % base rate, so the classes overlap.
Data churn_like(std::int64_t n, std::int64_t d, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Data data{RowMatrix<double>(n, d),
              std::vector<std::uint8_t>(static_cast<std::size_t>(n)),
              std::vector<double>(static_cast<std::size_t>(n))};
    for (std::int64_t i = 0; i < n; ++i) {
        double z = -1.6;
        for (std::int64_t j = 0; j < d; ++j) {
            data.X(i, j) = normal(rng);
            z += data.X(i, j) * (j % 3 == 0 ? 0.8 : (j % 3 == 1 ? -0.5 : 0.0));
        }
        data.y[static_cast<std::size_t>(i)] = unit(rng) < 1.0 / (1.0 + std::exp(-z));
        data.weight[static_cast<std::size_t>(i)] = 0.5 + unit(rng);
    }
    return data;
}

LogisticRegressionParams make_params(LogisticPenalty penalty, double C) {
    LogisticRegressionParams params;
    params.penalty = penalty;
    params.C = C;
    params.l1_ratio = 0.3;
    params.tol = 1e-10;
    params.max_iter = 500;
    params.n_jobs = 1;
    return params;
}

}  // namespace

TEST_CASE("logistic objective gradient matches central finite differences") {
    const Data data = churn_like(300, 4, 1);
    for (LogisticPenalty penalty : {LogisticPenalty::none, LogisticPenalty::l2,
                                    LogisticPenalty::l1, LogisticPenalty::elasticnet}) {
        LogisticRegressionParams params = make_params(penalty, 0.7);
        params.class_weight = {1.0, 2.5};
        std::vector<double> coef{0.3, -0.2, 0.1, 0.05};
        const double intercept = -0.4;
        std::vector<double> grad;
        logistic_objective(data.X, data.y.data(), data.weight.data(), params, coef,
                           intercept, &grad);
        const double h = 1e-6;
        for (std::size_t j = 0; j <= coef.size(); ++j) {
            std::vector<double> up = coef;
            std::vector<double> down = coef;
            double b_up = intercept;
            double b_down = intercept;
            if (j < coef.size()) {
                up[j] += h;
                down[j] -= h;
            } else {
                b_up += h;
                b_down -= h;
            }
            const double fd =
                (logistic_objective(data.X, data.y.data(), data.weight.data(), params,
                                    up, b_up) -
                 logistic_objective(data.X, data.y.data(), data.weight.data(), params,
                                    down, b_down)) /
                (2 * h);
            CHECK(grad[j] == doctest::Approx(fd).epsilon(1e-6));
        }
    }
}

TEST_CASE("logistic regression fits reach a zero (sub)gradient") {
    const Data data = churn_like(2000, 6, 2);
    for (LogisticPenalty penalty :
         {LogisticPenalty::l2, LogisticPenalty::l1, LogisticPenalty::elasticnet}) {
        const LogisticRegressionParams params = make_params(penalty, 0.05);
        const LogisticRegressionModel model =
            fit(data.X, data.y.data(), data.weight.data(), params);
        CHECK(model.converged);
        std::vector<double> grad;
        const double f = logistic_objective(data.X, data.y.data(), data.weight.data(),
                                            params, model.coef, model.intercept, &grad);
        CHECK(f == doctest::Approx(model.objective).epsilon(1e-12));
        CHECK(std::abs(grad.back()) < 1e-6);
        const double l1 = penalty == LogisticPenalty::l1
                              ? 1.0
                              : (penalty == LogisticPenalty::elasticnet ? 0.3 : 0.0);
        for (std::size_t j = 0; j < model.coef.size(); ++j) {
            if (model.coef[j] != 0.0)
                CHECK(std::abs(grad[j]) < 1e-6);
            else  // zero only where the loss gradient is inside the L1 ball
                CHECK(std::abs(grad[j]) <= l1 + 1e-6);
        }
        // Any small move raises the objective.
        for (std::size_t j = 0; j < model.coef.size(); ++j)
            for (double step : {-1e-4, 1e-4}) {
                std::vector<double> moved = model.coef;
                moved[j] += step;
                CHECK(logistic_objective(data.X, data.y.data(), data.weight.data(),
                                         params, moved, model.intercept) >= f);
            }
    }
}

TEST_CASE("L1 on one feature matches a brute-force minimisation, zeros included") {
    const Data data = churn_like(500, 1, 3);
    for (double C : {0.0005, 0.002, 0.05, 1.0}) {
        LogisticRegressionParams params = make_params(LogisticPenalty::l1, C);
        params.fit_intercept = false;
        const LogisticRegressionModel model =
            fit(data.X, data.y.data(), nullptr, params);
        auto objective = [&](double w) {
            return logistic_objective(data.X, data.y.data(), nullptr, params, {w}, 0.0);
        };
        // Golden-section search on a convex function of one variable.
        double lo = -5.0;
        double hi = 5.0;
        const double r = (std::sqrt(5.0) - 1.0) / 2.0;
        for (int it = 0; it < 200; ++it) {
            const double a = hi - r * (hi - lo);
            const double b = lo + r * (hi - lo);
            if (objective(a) < objective(b))
                hi = b;
            else
                lo = a;
        }
        const double best = 0.5 * (lo + hi);
        // The origin is optimal exactly when |d loss / dw at 0| <= 1.
        std::vector<double> grad;
        params.penalty = LogisticPenalty::none;
        logistic_objective(data.X, data.y.data(), nullptr, params, {0.0}, 0.0, &grad);
        if (std::abs(grad[0]) <= 1.0) {
            CHECK(model.coef[0] == 0.0);
            CHECK(std::abs(best) < 1e-6);
        } else {
            CHECK(model.coef[0] != 0.0);
            CHECK(model.coef[0] == doctest::Approx(best).epsilon(1e-6));
        }
    }
}

TEST_CASE("logistic regression on separable and degenerate data stays finite") {
    RowMatrix<double> X(6, 2);
    X << -3, 1, -2, 1, -1, 1, 1, 1, 2, 1, 3, 1;  // a constant second column
    const std::vector<std::uint8_t> y{0, 0, 0, 1, 1, 1};
    LogisticRegressionParams params = make_params(LogisticPenalty::none, 1.0);
    params.max_iter = 30;
    for (LogisticSolver solver : {LogisticSolver::lbfgs, LogisticSolver::newton}) {
        params.solver = solver;
        const LogisticRegressionModel free = fit(X, y.data(), nullptr, params);
        // The unpenalised optimum is at infinity: L-BFGS does not get the gradient
        // to 1e-10 in 30 steps; Newton's steps grow the coefficient until the
        // gradient, which shrinks like exp(-coef), is below it.
        if (solver == LogisticSolver::lbfgs) CHECK_FALSE(free.converged);
        CHECK(std::isfinite(free.coef[0]));
        CHECK(std::isfinite(free.intercept));
        CHECK(free.coef[0] > 5.0);
        CHECK(free.objective < 1e-3);
    }
    params.solver = LogisticSolver::automatic;
    params.penalty = LogisticPenalty::l2;
    params.max_iter = 200;
    const LogisticRegressionModel ridge = fit(X, y.data(), nullptr, params);
    CHECK(ridge.converged);
    CHECK(ridge.coef[0] > 0.0);
    // Symmetric data: the constant column and the intercept carry nothing.
    CHECK(std::abs(ridge.coef[1]) < 1e-8);
    CHECK(std::abs(ridge.intercept) < 1e-8);
    params.penalty = LogisticPenalty::l1;
    const LogisticRegressionModel lasso = fit(X, y.data(), nullptr, params);
    CHECK(lasso.converged);
    CHECK(lasso.coef[1] == 0.0);
}

TEST_CASE("Newton and L-BFGS reach the same optimum of the smooth objectives") {
    const Data data = churn_like(3000, 7, 5);
    for (LogisticPenalty penalty : {LogisticPenalty::l2, LogisticPenalty::none}) {
        for (bool intercept : {true, false}) {
            LogisticRegressionParams params = make_params(penalty, 0.02);
            params.tol = 1e-8;  // L-BFGS's line search stalls near 1e-10 here
            params.fit_intercept = intercept;
            params.solver = LogisticSolver::lbfgs;
            const LogisticRegressionModel quasi =
                fit(data.X, data.y.data(), data.weight.data(), params);
            params.solver = LogisticSolver::newton;
            const LogisticRegressionModel newton =
                fit(data.X, data.y.data(), data.weight.data(), params);
            CHECK(quasi.converged);
            CHECK(newton.converged);
            // Quadratic convergence: a handful of steps where L-BFGS needs dozens.
            CHECK(newton.n_iter <= 10);
            CHECK(newton.n_iter < quasi.n_iter);
            CHECK(newton.objective == doctest::Approx(quasi.objective).epsilon(1e-12));
            for (std::size_t j = 0; j < newton.coef.size(); ++j)
                CHECK(newton.coef[j] == doctest::Approx(quasi.coef[j]).epsilon(1e-6));
            CHECK(newton.intercept == doctest::Approx(quasi.intercept).epsilon(1e-6));
        }
    }
}

TEST_CASE("logistic regression gives the same bits for 1 and 2 threads") {
    const Data data = churn_like(20000, 5, 4);
    for (LogisticPenalty penalty :
         {LogisticPenalty::l2, LogisticPenalty::elasticnet, LogisticPenalty::none}) {
        LogisticRegressionParams params = make_params(penalty, 0.1);
        params.balanced = true;
        // L2 by L-BFGS, unpenalised by Newton steps.
        if (penalty == LogisticPenalty::l2) params.solver = LogisticSolver::lbfgs;
        const LogisticRegressionModel one =
            fit(data.X, data.y.data(), data.weight.data(), params);
        params.n_jobs = 2;
        const LogisticRegressionModel two =
            fit(data.X, data.y.data(), data.weight.data(), params);
        CHECK(one.coef == two.coef);
        CHECK(one.intercept == two.intercept);
        CHECK(one.n_iter == two.n_iter);
        CHECK(one.predict_proba(data.X, 1) == two.predict_proba(data.X, 2));
    }
}

TEST_CASE("class weights equal repeated rows") {
    const Data data = churn_like(400, 3, 5);
    LogisticRegressionParams params = make_params(LogisticPenalty::l1, 0.2);
    params.class_weight = {1.0, 2.0};
    const LogisticRegressionModel weighted =
        fit(data.X, data.y.data(), nullptr, params);
    RowMatrix<double> X2(data.X.rows() * 2, data.X.cols());
    std::vector<std::uint8_t> y2;
    Eigen::Index rows = 0;
    for (Eigen::Index i = 0; i < data.X.rows(); ++i) {
        const int copies = data.y[static_cast<std::size_t>(i)] ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
            X2.row(rows++) = data.X.row(i);
            y2.push_back(data.y[static_cast<std::size_t>(i)]);
        }
    }
    params.class_weight = {1.0, 1.0};
    const LogisticRegressionModel repeated =
        fit(X2.topRows(rows), y2.data(), nullptr, params);
    for (std::size_t j = 0; j < weighted.coef.size(); ++j)
        CHECK(weighted.coef[j] == doctest::Approx(repeated.coef[j]).epsilon(1e-7));
    CHECK(weighted.intercept == doctest::Approx(repeated.intercept).epsilon(1e-7));
}

TEST_CASE("logistic regression refuses bad input, naming the argument") {
    RowMatrix<double> X(3, 1);
    X << 1, 2, 3;
    const std::vector<std::uint8_t> y{0, 1, 2};
    const std::vector<std::uint8_t> one_class{1, 1, 1};
    const std::vector<std::uint8_t> ok{0, 1, 1};
    LogisticRegressionParams params;
    CHECK_THROWS_WITH_AS(fit(X, y.data(), nullptr, params), doctest::Contains("y:"),
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(fit(X, one_class.data(), nullptr, params),
                         doctest::Contains("both classes"), InvalidArgument);
    params.C = 0.0;
    CHECK_THROWS_WITH_AS(fit(X, ok.data(), nullptr, params), doctest::Contains("C:"),
                         InvalidArgument);
    params.C = 1.0;
    const std::vector<double> negative{1.0, -1.0, 1.0};
    CHECK_THROWS_WITH_AS(fit(X, ok.data(), negative.data(), params),
                         doctest::Contains("sample_weight"), InvalidArgument);
    params.penalty = LogisticPenalty::l1;
    params.solver = LogisticSolver::lbfgs;
    CHECK_THROWS_WITH_AS(fit(X, ok.data(), nullptr, params),
                         doctest::Contains("solver:"), InvalidArgument);
    params.penalty = LogisticPenalty::l2;
    params.solver = LogisticSolver::automatic;
    X(1, 0) = std::nan("");
    CHECK_THROWS_WITH_AS(fit(X, ok.data(), nullptr, params), doctest::Contains("X:"),
                         InvalidArgument);
}

#ifdef CRMMINE_ISA_DISPATCH
TEST_CASE("the AVX2 linear scores give the baseline build's bits") {
    if (detail::isa_level() < 1) return;  // nothing to compare on this processor
    std::mt19937_64 generator(5);
    std::normal_distribution<double> normal(0.0, 3.0);
    for (const std::int64_t d : {1, 3, 4, 7, 23, 79}) {
        const std::int64_t rows = 301;
        std::vector<double> X(static_cast<std::size_t>(rows * d)),
            w(static_cast<std::size_t>(d));
        for (double& x : X) x = normal(generator);
        for (double& x : w) x = normal(generator);
        std::vector<double> baseline(rows), avx2(rows);
        detail::linear_score_rows(X.data(), rows, d, w.data(), 0.25, baseline.data());
        detail::linear_score_rows_avx2(X.data(), rows, d, w.data(), 0.25, avx2.data());
        CHECK(avx2 == baseline);
    }
}
#endif
