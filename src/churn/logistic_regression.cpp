#include "crmmine/churn/logistic_regression.hpp"

#include <LBFGS.h>
#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "crmmine/churn/detail/logistic_loss.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace {

// Penalty weights of the objective divided by C * sum_i s_i: alpha1 * ||w||_1 +
// 0.5 * alpha2 * ||w||^2 next to the mean loss.
struct Penalty {
    double alpha1 = 0.0;
    double alpha2 = 0.0;

    double value(const double* w, std::int64_t d) const {
        double l1 = 0.0;
        double l2 = 0.0;
        for (std::int64_t j = 0; j < d; ++j) {
            l1 += std::abs(w[j]);
            l2 += w[j] * w[j];
        }
        return alpha1 * l1 + 0.5 * alpha2 * l2;
    }
};

Penalty penalty_weights(const LogisticRegressionParams& params, double scale) {
    Penalty p;
    switch (params.penalty) {
        case LogisticPenalty::none:
            break;
        case LogisticPenalty::l2:
            p.alpha2 = scale;
            break;
        case LogisticPenalty::l1:
            p.alpha1 = scale;
            break;
        case LogisticPenalty::elasticnet:
            p.alpha1 = params.l1_ratio * scale;
            p.alpha2 = (1.0 - params.l1_ratio) * scale;
            break;
    }
    return p;
}

// The checked inputs; per-row weights are computed where they are used.
struct Problem {
    detail::LogisticData data{};
    double total_weight = 0.0;
    int n_threads = 1;
};

Problem make_problem(const Eigen::Ref<const RowMatrix<double>>& X,
                     const std::uint8_t* y, const double* sample_weight,
                     const LogisticRegressionParams& params) {
    params.validate();
    const std::int64_t n = X.rows();
    const std::int64_t d = X.cols();
    detail::require(n > 0 && d > 0, "X",
                    "is empty; pass at least one sample and feature");
    detail::require(y != nullptr, "y", "is missing; pass one label per row of X");
    Problem problem;
    problem.n_threads = resolve_num_threads(params.n_jobs);
    std::array<double, 2> class_total{0.0, 0.0};
    for (std::int64_t i = 0; i < n; ++i) {
        const std::uint8_t label = y[i];
        // The messages are built only on failure: building them for every row cost
        // more than the whole loss pass.
        if (label > 1)
            detail::throw_invalid("y", "holds " + std::to_string(label) + " at row " +
                                           std::to_string(i) +
                                           "; labels must be 0 or 1");
        const double w = sample_weight ? sample_weight[i] : 1.0;
        if (!(std::isfinite(w) && w >= 0.0))
            detail::throw_invalid("sample_weight", "must be finite and >= 0; row " +
                                                       std::to_string(i) + " holds " +
                                                       std::to_string(w));
        class_total[label] += w;
    }
    detail::require(class_total[0] > 0.0 && class_total[1] > 0.0, "y",
                    "needs samples of both classes 0 and 1 with positive weight");
    std::array<double, 2> class_weight = params.class_weight;
    if (params.balanced) {
        const double total = class_total[0] + class_total[1];
        class_weight = {total / (2.0 * class_total[0]), total / (2.0 * class_total[1])};
    }
    problem.total_weight =
        class_weight[0] * class_total[0] + class_weight[1] * class_total[1];
    detail::require(problem.total_weight > 0.0 && std::isfinite(problem.total_weight),
                    "class_weight", "leaves no positive total weight; use weights > 0");

    const std::int64_t n_chunks = detail::loss_chunks(n, 1);
    std::vector<char> finite(static_cast<std::size_t>(n_chunks), 1);
    detail::parallel_for(n_chunks, problem.n_threads, [&](std::int64_t chunk) {
        const std::int64_t b = detail::part_begin(n, n_chunks, chunk);
        const std::int64_t e = detail::part_begin(n, n_chunks, chunk + 1);
        finite[static_cast<std::size_t>(chunk)] = X.middleRows(b, e - b).allFinite();
    });
    detail::require(std::all_of(finite.begin(), finite.end(), [](char f) { return f; }),
                    "X", "contains NaN or infinity; drop or impute those values first");
    problem.data = {
        X.data(), n, d, y, sample_weight, {class_weight[0], class_weight[1]}};
    return problem;
}

// Mean loss plus penalty and its gradient over theta = (w, b): b present only with an
// intercept. Remembers the best point seen, as L-BFGS++ may throw from a line search
// that cannot progress at machine precision.
class SmoothObjective {
public:
    SmoothObjective(const Problem& problem, const Penalty& penalty, bool intercept)
        : problem_(problem),
          penalty_(penalty),
          intercept_(intercept),
          grad_(static_cast<std::size_t>(problem.data.d + 1)) {}

    double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) {
        const std::int64_t d = problem_.data.d;
        const double b = intercept_ ? theta[d] : 0.0;
        const double loss = detail::logistic_loss_pass(
            problem_.data, theta.data(), b, grad_.data(), nullptr, problem_.n_threads);
        const double inv = 1.0 / problem_.total_weight;
        double f = loss * inv + penalty_.value(theta.data(), d);
        for (std::int64_t j = 0; j < d; ++j)
            grad[j] =
                grad_[static_cast<std::size_t>(j)] * inv + penalty_.alpha2 * theta[j];
        if (intercept_) grad[d] = grad_[static_cast<std::size_t>(d)] * inv;
        ++evaluations;
        if (!(f >= best_f)) {
            best_f = f;
            best_theta = theta;
            best_grad_max = grad.size() ? grad.cwiseAbs().maxCoeff() : 0.0;
        }
        return f;
    }

    double best_f = std::numeric_limits<double>::infinity();
    Eigen::VectorXd best_theta;
    double best_grad_max = std::numeric_limits<double>::infinity();
    int evaluations = 0;

private:
    const Problem& problem_;
    Penalty penalty_;
    bool intercept_;
    std::vector<double> grad_;
};

LogisticRegressionModel fit_lbfgs(const Problem& problem, const Penalty& penalty,
                                  const LogisticRegressionParams& params) {
    const std::int64_t d = problem.data.d;
    const Eigen::Index size =
        static_cast<Eigen::Index>(d + (params.fit_intercept ? 1 : 0));
    SmoothObjective objective(problem, penalty, params.fit_intercept);
    LBFGSpp::LBFGSParam<double> lbfgs;
    lbfgs.m = 10;
    lbfgs.epsilon = params.tol;
    lbfgs.epsilon_rel = 0.0;
    lbfgs.max_iterations = params.max_iter;
    lbfgs.max_linesearch = 40;
    lbfgs.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_STRONG_WOLFE;
    LBFGSpp::LBFGSSolver<double, LBFGSpp::LineSearchBacktracking> solver(lbfgs);
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(size);
    double f = 0.0;
    LogisticRegressionModel model;
    try {
        model.n_iter = solver.minimize(objective, theta, f);
    } catch (const Error&) {
        throw;
    } catch (const std::exception&) {
        // The line search found no decrease: the iterate is as good as double allows.
        model.n_iter = std::min(objective.evaluations, params.max_iter);
    }
    theta = objective.best_theta;
    model.converged = objective.best_grad_max <= params.tol;
    model.coef.assign(theta.data(), theta.data() + d);
    model.intercept = params.fit_intercept ? theta[d] : 0.0;
    model.objective = objective.best_f * params.C * problem.total_weight;
    return model;
}

double soft_threshold(double z, double t) {
    return z > t ? z - t : (z < -t ? z + t : 0.0);
}

// The Newton system of a smooth objective, solved by Cholesky: (H + alpha2 I) delta =
// -(g + alpha2 w) over the fitted coordinates, the intercept unpenalised. A tiny ridge
// rescues a singular H (separable data without a penalty); the line search copes with
// the slightly shortened step.
void cholesky_direction(const std::vector<double>& H, const std::vector<double>& g,
                        const std::vector<double>& w, const Penalty& penalty,
                        std::int64_t d, std::int64_t n_coords,
                        std::vector<double>& delta) {
    const std::int64_t d1 = d + 1;
    Eigen::MatrixXd A(n_coords, n_coords);
    Eigen::VectorXd rhs(n_coords);
    for (std::int64_t j = 0; j < n_coords; ++j) {
        for (std::int64_t k = 0; k < n_coords; ++k)
            A(j, k) = H[static_cast<std::size_t>(j * d1 + k)];
        const bool penalised = j < d;
        const auto jj = static_cast<std::size_t>(j);
        if (penalised) A(j, j) += penalty.alpha2;
        rhs[j] = -(g[jj] + (penalised ? penalty.alpha2 * w[jj] : 0.0));
    }
    const double scale = std::max(A.diagonal().cwiseAbs().maxCoeff(), 1e-300);
    Eigen::LLT<Eigen::MatrixXd> factor(A);
    for (double ridge = 1e-12; factor.info() != Eigen::Success && ridge < 1.0;
         ridge *= 100.0) {
        Eigen::MatrixXd shifted = A;
        shifted.diagonal().array() += ridge * scale;
        factor.compute(shifted);
    }
    std::fill(delta.begin(), delta.end(), 0.0);
    if (factor.info() != Eigen::Success) return;
    const Eigen::VectorXd step = factor.solve(rhs);
    for (std::int64_t j = 0; j < n_coords; ++j)
        delta[static_cast<std::size_t>(j)] = step[j];
}

// The minimiser of the quadratic model plus the exact L1 part, by cyclic coordinate
// descent, to a tolerance that tightens with the outer violation.
void coordinate_descent_direction(const std::vector<double>& H,
                                  const std::vector<double>& g,
                                  const std::vector<double>& w, const Penalty& penalty,
                                  std::int64_t d, std::int64_t n_coords,
                                  double inner_tol, std::vector<double>& delta) {
    const std::int64_t d1 = d + 1;
    std::vector<double> Hdelta(static_cast<std::size_t>(d1), 0.0);
    std::fill(delta.begin(), delta.end(), 0.0);
    for (int sweep = 0; sweep < 1000; ++sweep) {
        double largest = 0.0;
        for (std::int64_t j = 0; j < n_coords; ++j) {
            const auto jj = static_cast<std::size_t>(j);
            const bool penalised = j < d;
            const double c = H[static_cast<std::size_t>(j * d1 + j)] +
                             (penalised ? penalty.alpha2 : 0.0);
            if (!(c > 0.0)) continue;
            const double u0 = w[jj] + delta[jj];
            const double grad =
                g[jj] + Hdelta[jj] + (penalised ? penalty.alpha2 * u0 : 0.0);
            const double z = u0 - grad / c;
            const double u = penalised ? soft_threshold(z, penalty.alpha1 / c) : z;
            const double change = u - u0;
            if (change == 0.0) continue;
            delta[jj] += change;
            const double* column = H.data() + j * d1;  // H is symmetric
            for (std::int64_t k = 0; k < d1; ++k)
                Hdelta[static_cast<std::size_t>(k)] += column[k] * change;
            largest = std::max(largest, std::abs(change) * c);
        }
        if (largest <= inner_tol) break;
    }
}

// Newton steps on the mean loss: for smooth penalties the exact step (Cholesky), for
// L1 and elastic-net the proximal step whose model is minimised by coordinate descent
// (Yuan, Ho & Lin 2012, newGLMNET); then an Armijo backtracking on the true objective.
// The full step is tried with its gradient and Hessian, so an accepted full step (the
// rule near the optimum) costs one pass over X.
LogisticRegressionModel fit_newton(const Problem& problem, const Penalty& penalty,
                                   const LogisticRegressionParams& params) {
    const std::int64_t d = problem.data.d;
    const std::int64_t d1 = d + 1;
    const std::int64_t n_coords = params.fit_intercept ? d1 : d;
    const double inv = 1.0 / problem.total_weight;
    const auto size = static_cast<std::size_t>(d1);
    std::vector<double> w(size, 0.0);  // intercept last
    std::vector<double> g(size), trial_g(size);
    std::vector<double> H(size * size), trial_H(size * size);
    std::vector<double> delta(size), trial(size);
    // The objective at `at`, its loss gradient into grad and (non-null) Hessian into
    // hess, both per unit of total weight.
    auto evaluate = [&](const std::vector<double>& at, std::vector<double>& grad,
                        std::vector<double>* hess) {
        const double loss = detail::logistic_loss_pass(
            problem.data, at.data(), at[static_cast<std::size_t>(d)], grad.data(),
            hess ? hess->data() : nullptr, problem.n_threads);
        for (double& v : grad) v *= inv;
        if (hess)
            for (double& v : *hess) v *= inv;
        return loss * inv + penalty.value(at.data(), d);
    };

    // The largest entry of the minimum-norm subgradient: zero exactly at the optimum.
    auto violation_at = [&](const std::vector<double>& at,
                            const std::vector<double>& grad) {
        double largest = 0.0;
        for (std::int64_t j = 0; j < n_coords; ++j) {
            const auto jj = static_cast<std::size_t>(j);
            double gj = grad[jj];
            if (j < d) {
                gj += penalty.alpha2 * at[jj];
                if (at[jj] > 0.0)
                    gj += penalty.alpha1;
                else if (at[jj] < 0.0)
                    gj -= penalty.alpha1;
                else
                    gj = std::max(std::abs(gj) - penalty.alpha1, 0.0);
            }
            largest = std::max(largest, std::abs(gj));
        }
        return largest;
    };

    LogisticRegressionModel model;
    double f = evaluate(w, g, &H);
    for (int step = 0;; ++step) {
        const double violation = violation_at(w, g);
        model.n_iter = step;
        if (violation <= params.tol) {
            model.converged = true;
            break;
        }
        if (step >= params.max_iter) break;

        if (penalty.alpha1 == 0.0)
            cholesky_direction(H, g, w, penalty, d, n_coords, delta);
        else
            coordinate_descent_direction(
                H, g, w, penalty, d, n_coords,
                std::max(0.05 * violation * violation, 0.01 * params.tol), delta);

        for (std::int64_t j = 0; j < d1; ++j)
            trial[static_cast<std::size_t>(j)] =
                w[static_cast<std::size_t>(j)] + delta[static_cast<std::size_t>(j)];
        double decrease = penalty.value(trial.data(), d) - penalty.value(w.data(), d);
        for (std::int64_t j = 0; j < n_coords; ++j)
            decrease +=
                g[static_cast<std::size_t>(j)] * delta[static_cast<std::size_t>(j)];
        if (!(decrease < 0.0)) break;  // no descent direction left at double precision

        // Near the optimum the predicted decrease drops below the rounding of f, and
        // the Armijo test would reject good steps on noise: there the full step is
        // judged by the gradient instead.
        const bool at_rounding =
            std::abs(decrease) <= 1e-13 * std::max(1.0, std::abs(f));
        const double full_f = evaluate(trial, trial_g, &trial_H);
        if (full_f <= f + 0.01 * decrease ||
            (at_rounding && violation_at(trial, trial_g) < violation)) {
            w.swap(trial);
            g.swap(trial_g);
            H.swap(trial_H);
            f = full_f;
            continue;
        }
        if (at_rounding) break;  // as good as double precision allows
        bool accepted = false;
        for (double t = 0.5; t > 1e-12; t *= 0.5) {
            for (std::int64_t j = 0; j < d1; ++j)
                trial[static_cast<std::size_t>(j)] =
                    w[static_cast<std::size_t>(j)] +
                    t * delta[static_cast<std::size_t>(j)];
            if (evaluate(trial, trial_g, nullptr) <= f + 0.01 * t * decrease) {
                accepted = true;
                break;
            }
        }
        if (!accepted) break;
        w.swap(trial);
        f = evaluate(w, g, &H);
    }
    model.coef.assign(w.begin(), w.begin() + d);
    model.intercept = params.fit_intercept ? w[static_cast<std::size_t>(d)] : 0.0;
    model.objective = f * params.C * problem.total_weight;
    return model;
}

// Scores rows [b, e) of X (n x d, row-major) block by block and hands each block to
// write(z, first_row, rows); returns the first row whose score is not finite, or -1.
template <class Write>
std::int64_t score_rows(const double* X, std::int64_t d, std::int64_t b, std::int64_t e,
                        const double* coef, double intercept, Write& write) {
    std::int64_t bad = -1;
    double z[detail::kScoreBlock];
    for (std::int64_t first = b; first < e; first += detail::kScoreBlock) {
        const std::int64_t rows = std::min(detail::kScoreBlock, e - first);
        detail::linear_score_rows(X + first * d, rows, d, coef, intercept, z);
        for (std::int64_t r = 0; r < rows && bad < 0; ++r)
            if (!std::isfinite(z[r])) bad = first + r;
        write(z, first, rows);
    }
    return bad;
}

#ifdef CRMMINE_ISA_DISPATCH
// score_rows, and the write it inlines, compiled for AVX2.
template <class Write>
CRMMINE_AVX2_SAME_BITS std::int64_t score_rows_avx2(const double* X, std::int64_t d,
                                                    std::int64_t b, std::int64_t e,
                                                    const double* coef,
                                                    double intercept, Write& write) {
    return score_rows(X, d, b, e, coef, intercept, write);
}
#endif

// Scores X * coef + intercept block by block; write(z, first_row, rows) turns each
// block of scores into output. Rows whose score is not finite (NaN or infinity in X)
// are refused after the pass: the check costs nothing here, where a separate pass over
// X would cost a read.
template <class Write>
void score_blocks(const Eigen::Ref<const RowMatrix<double>>& X,
                  const std::vector<double>& coef, double intercept, int n_jobs,
                  Write&& write) {
    const std::int64_t n = X.rows();
    const std::int64_t d = X.cols();
    detail::require(static_cast<std::size_t>(d) == coef.size(), "X",
                    "has " + std::to_string(d) +
                        " features, but the model was fitted on " +
                        std::to_string(coef.size()));
    const std::int64_t n_chunks = detail::loss_chunks(n, 1);
    std::vector<std::int64_t> bad_row(static_cast<std::size_t>(n_chunks), -1);
    detail::parallel_for(
        n_chunks, resolve_num_threads(n_jobs), [&](std::int64_t chunk) {
            const std::int64_t b = detail::part_begin(n, n_chunks, chunk);
            const std::int64_t e = detail::part_begin(n, n_chunks, chunk + 1);
            auto& bad = bad_row[static_cast<std::size_t>(chunk)];
#ifdef CRMMINE_ISA_DISPATCH
            if (detail::isa_level() >= 1) {
                bad = score_rows_avx2(X.data(), d, b, e, coef.data(), intercept, write);
                return;
            }
#endif
            bad = score_rows(X.data(), d, b, e, coef.data(), intercept, write);
        });
    for (std::int64_t row : bad_row)
        if (row >= 0)
            detail::throw_invalid(
                "X", "row " + std::to_string(row) +
                         " contains NaN or infinity (or overflows the score); drop or "
                         "impute those values first");
}

}  // namespace

void LogisticRegressionParams::validate() const {
    detail::require(std::isfinite(C) && C > 0.0, "C",
                    "must be a finite number > 0, got " + std::to_string(C));
    detail::require(
        penalty != LogisticPenalty::elasticnet || (l1_ratio >= 0.0 && l1_ratio <= 1.0),
        "l1_ratio", "must be in [0, 1], got " + std::to_string(l1_ratio));
    detail::require(std::isfinite(class_weight[0]) && std::isfinite(class_weight[1]) &&
                        class_weight[0] >= 0.0 && class_weight[1] >= 0.0,
                    "class_weight", "must be finite and >= 0");
    detail::require(solver != LogisticSolver::lbfgs || penalty == LogisticPenalty::l2 ||
                        penalty == LogisticPenalty::none,
                    "solver",
                    "'lbfgs' supports penalty 'l2' or None only; use solver='auto' or "
                    "'newton' for l1 and elasticnet");
    detail::require(max_iter >= 1, "max_iter",
                    "must be at least 1, got " + std::to_string(max_iter));
    detail::require(std::isfinite(tol) && tol >= 0.0, "tol",
                    "must be a finite number >= 0, got " + std::to_string(tol));
}

LogisticRegressionModel fit(Eigen::Ref<const RowMatrix<double>> X,
                            const std::uint8_t* y, const double* sample_weight,
                            const LogisticRegressionParams& params) {
    const Problem problem = make_problem(X, y, sample_weight, params);
    const Penalty penalty =
        penalty_weights(params, 1.0 / (params.C * problem.total_weight));
    const bool smooth = penalty.alpha1 == 0.0;
    const std::int64_t d = problem.data.d;
    const bool newton =
        !smooth || params.solver == LogisticSolver::newton ||
        (params.solver == LogisticSolver::automatic && d <= kNewtonMaxFeatures);
    if (!newton) return fit_lbfgs(problem, penalty, params);
    const std::int64_t d1 = d + 1;
    if (d1 * d1 > (std::int64_t{1} << 24))
        throw ResourceLimitExceeded(
            smooth ? "solver" : "penalty",
            "Newton steps keep a (n_features + 1)^2 Hessian; " + std::to_string(d) +
                " features need more than 128 MB; " +
                (smooth ? "use solver='lbfgs'"
                        : "use penalty='l2' or fewer features (at most 4095)"));
    return fit_newton(problem, penalty, params);
}

double logistic_objective(Eigen::Ref<const RowMatrix<double>> X, const std::uint8_t* y,
                          const double* sample_weight,
                          const LogisticRegressionParams& params,
                          const std::vector<double>& coef, double intercept,
                          std::vector<double>* gradient) {
    const Problem problem = make_problem(X, y, sample_weight, params);
    const std::int64_t d = problem.data.d;
    detail::require(coef.size() == static_cast<std::size_t>(d), "coef",
                    "needs one entry per column of X");
    const Penalty penalty = penalty_weights(params, 1.0);
    std::vector<double> grad(static_cast<std::size_t>(d + 1));
    const double loss = detail::logistic_loss_pass(
        problem.data, coef.data(), intercept, grad.data(), nullptr, problem.n_threads);
    if (gradient) {
        gradient->resize(static_cast<std::size_t>(d + 1));
        for (std::int64_t j = 0; j <= d; ++j) {
            const auto k = static_cast<std::size_t>(j);
            double gj = params.C * grad[k];
            if (j < d) {
                gj += penalty.alpha2 * coef[k];
                if (coef[k] != 0.0) gj += penalty.alpha1 * (coef[k] > 0.0 ? 1.0 : -1.0);
            }
            (*gradient)[k] = gj;
        }
    }
    return params.C * loss + penalty.value(coef.data(), d);
}

std::vector<double> LogisticRegressionModel::decision_function(
    Eigen::Ref<const RowMatrix<double>> X, int n_jobs) const {
    std::vector<double> out(static_cast<std::size_t>(X.rows()));
    score_blocks(X, coef, intercept, n_jobs,
                 [&](const double* z, std::int64_t first, std::int64_t rows) {
                     std::copy(z, z + rows, out.data() + first);
                 });
    return out;
}

std::vector<double> LogisticRegressionModel::predict_proba(
    Eigen::Ref<const RowMatrix<double>> X, int n_jobs) const {
    std::vector<double> out(static_cast<std::size_t>(X.rows()));
    score_blocks(X, coef, intercept, n_jobs,
                 [&](const double* z, std::int64_t first, std::int64_t rows) {
                     detail::sigmoid_block(z, rows, out.data() + first);
                 });
    return out;
}

void LogisticRegressionModel::predict_proba(Eigen::Ref<const RowMatrix<double>> X,
                                            double* both, int n_jobs) const {
    score_blocks(X, coef, intercept, n_jobs,
                 [&](const double* z, std::int64_t first, std::int64_t rows) {
                     double p[detail::kScoreBlock];
                     detail::sigmoid_block(z, rows, p);
                     double* out = both + 2 * first;
                     for (std::int64_t r = 0; r < rows; ++r) {
                         out[2 * r] = 1.0 - p[r];
                         out[2 * r + 1] = p[r];
                     }
                 });
}

}  // namespace crmmine
