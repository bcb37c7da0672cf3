// Unconstrained minimization by L-BFGS (Liu & Nocedal 1989) built from LBFGS++'s
// two-loop recursion and its backtracking line search under the strong Wolfe
// conditions. Around them: non-finite objective values count as +infinity (the line
// search then backs off), the best point seen is kept, and a failed line search
// restarts from that point by steepest descent before giving up, so a fit ends with a
// diagnosis rather than an exception. Also a Hessian by central differences of an
// analytic gradient.
#pragma once

#include <LBFGS.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "crmmine/core/error.hpp"

namespace crmmine {
namespace detail {

struct LbfgsSettings {
    int max_iter = 1000;
    double tol = 1e-7;  // on the largest absolute gradient component
    int memory = 10;
};

struct LbfgsResult {
    Eigen::VectorXd x;
    double f = std::numeric_limits<double>::infinity();
    Eigen::VectorXd gradient;
    int n_iter = 0;
    bool converged = false;
    std::string message;
};

// Near the optimum, changes of f fall below its rounding noise and a line search on f
// values stalls. Hager & Zhang's approximate Wolfe conditions (2005) decide on the
// directional derivative instead: accept a step where f has not risen beyond the
// noise level and phi'(step) lies in [0.9 phi'(0), -0.8 phi'(0)].
template <class Evaluate>
bool approximate_wolfe_step(Evaluate& evaluate, const Eigen::VectorXd& x0, double f0,
                            const Eigen::VectorXd& g0, const Eigen::VectorXd& direction,
                            double step, Eigen::VectorXd& x, double& f,
                            Eigen::VectorXd& g) {
    const double slope0 = g0.dot(direction);
    const double noise = 1e-12 * (1.0 + std::fabs(f0));
    double lo = 0.0, hi = std::numeric_limits<double>::infinity();
    for (int trial = 0; trial < 80; ++trial) {
        x = x0 + step * direction;
        f = evaluate(x, g);
        const double slope = g.dot(direction);
        if (!std::isfinite(f) || f > f0 + noise || slope > -0.8 * slope0)
            hi = step;  // past the minimum along the line
        else if (slope < 0.9 * slope0)
            lo = step;  // still descending steeply
        else
            return true;
        step = std::isinf(hi) ? 2.0 * step : 0.5 * (lo + hi);
        if (hi - lo <= 1e-15 * hi) break;
    }
    return false;
}

// objective(x, gradient) returns f(x) and writes the gradient.
template <class Objective>
LbfgsResult lbfgs_minimize(Objective&& objective, Eigen::VectorXd x,
                           const LbfgsSettings& settings) {
    using Vector = Eigen::VectorXd;
    const auto n = static_cast<int>(x.size());
    LbfgsResult best;
    best.x = x;
    best.gradient = Vector::Zero(n);

    auto evaluate = [&](const Vector& at, Vector& gradient) -> double {
        double f = objective(at, gradient);
        if (!std::isfinite(f) || !gradient.allFinite()) {
            gradient.setZero();
            return std::numeric_limits<double>::infinity();
        }
        if (f < best.f) {
            best.f = f;
            best.x = at;
            best.gradient = gradient;
        }
        return f;
    };

    LBFGSpp::LBFGSParam<double> param;
    param.m = settings.memory;
    param.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_STRONG_WOLFE;
    param.max_linesearch = 60;
    LBFGSpp::BFGSMat<double> memory;
    memory.reset(n, settings.memory);

    Vector gradient(n);
    double f = evaluate(x, gradient);
    if (!std::isfinite(f)) {
        best.message = "the objective is not finite at the starting values";
        return best;
    }
    bool fresh = true;  // no curvature pairs: the next step is steepest descent
    Vector direction(n), x_previous(n), gradient_previous(n);
    int n_iter = 0;
    for (;;) {
        if (gradient.lpNorm<Eigen::Infinity>() <= settings.tol) {
            LbfgsResult done;
            done.x = x;
            done.f = f;
            done.gradient = gradient;
            done.n_iter = n_iter;
            done.converged = true;
            done.message = "converged: largest gradient component below tol";
            return done;
        }
        if (n_iter >= settings.max_iter) {
            best.message = "stopped after max_iter iterations";
            break;
        }
        if (fresh)
            direction = -gradient;
        else
            memory.apply_Hv(gradient, -1.0, direction);
        if (!(gradient.dot(direction) < 0.0)) {
            memory.reset(n, settings.memory);
            fresh = true;
            direction = -gradient;
        }
        double step = fresh ? 1.0 / direction.norm() : 1.0;
        const double initial_step = step;
        const double f_previous = f;
        x_previous = x;
        gradient_previous = gradient;
        try {
            LBFGSpp::LineSearchBacktracking<double>::LineSearch(
                evaluate, f, x, gradient, step, direction, x_previous, param);
        } catch (const Error&) {
            throw;  // an interrupt or a bad argument, not a numerical failure
        } catch (const std::exception& error) {
            if (!approximate_wolfe_step(evaluate, x_previous, f_previous,
                                        gradient_previous, direction, initial_step, x,
                                        f, gradient)) {
                x = best.x;
                gradient = best.gradient;
                f = best.f;
                if (fresh) {
                    char norm[32];
                    std::snprintf(norm, sizeof norm, "%.3g",
                                  gradient.lpNorm<Eigen::Infinity>());
                    best.message = std::string("the line search failed (") +
                                   error.what() +
                                   ") with the largest gradient component at " + norm;
                    break;
                }
                memory.reset(n, settings.memory);
                fresh = true;
                continue;
            }
        }
        ++n_iter;
        const Vector s = x - x_previous;
        const Vector y = gradient - gradient_previous;
        if (s.dot(y) > 1e-16 * s.norm() * y.norm()) {
            memory.add_correction(s, y);
            fresh = false;
        } else {
            memory.reset(n, settings.memory);
            fresh = true;
        }
    }
    best.n_iter = n_iter;
    return best;
}

// Hessian of a function from central differences of its analytic gradient, with step
// h in every coordinate, symmetrized.
template <class Gradient>
Eigen::MatrixXd hessian_from_gradient(Gradient&& gradient_at, const Eigen::VectorXd& x,
                                      double h) {
    const auto n = x.size();
    Eigen::MatrixXd hessian(n, n);
    Eigen::VectorXd plus(n), minus(n);
    for (Eigen::Index j = 0; j < n; ++j) {
        Eigen::VectorXd at = x;
        at[j] = x[j] + h;
        gradient_at(at, plus);
        at[j] = x[j] - h;
        gradient_at(at, minus);
        hessian.col(j) = (plus - minus) / (2.0 * h);
    }
    return 0.5 * (hessian + hessian.transpose());
}

}  // namespace detail
}  // namespace crmmine
