// Unconstrained minimization by Newton's method where the objective has an analytic
// Hessian, and otherwise by L-BFGS (Liu & Nocedal 1989) built from LBFGS++'s
// two-loop recursion and its backtracking line search under the strong Wolfe
// conditions. Around them: non-finite objective values count as +infinity (the line
// search then backs off), the best point seen is kept, and a failed line search
// restarts from that point by steepest descent before giving up, so a fit ends with a
// diagnosis rather than an exception. Also a Hessian by central differences of an
// analytic gradient.
#pragma once

#include <LBFGS.h>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "crmmine/core/error.hpp"

namespace crmmine {
namespace detail {

struct MinimizeSettings {
    int max_iter = 1000;
    double tol = 1e-7;  // on the largest absolute gradient component
    int memory = 10;
};

struct MinimizeResult {
    Eigen::VectorXd x;
    double f = std::numeric_limits<double>::infinity();
    Eigen::VectorXd gradient;
    Eigen::MatrixXd hessian;  // at x, when the method computed it (Newton); else empty
    int n_iter = 0;
    bool converged = false;
    std::string message;
};

// The rounding noise of an objective value f: changes below it carry no information.
inline double rounding_noise(double f) {
    return 1e-12 * (1.0 + std::fabs(f));
}

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
    const double noise = rounding_noise(f0);
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
MinimizeResult lbfgs_minimize(Objective&& objective, Eigen::VectorXd x,
                              const MinimizeSettings& settings) {
    using Vector = Eigen::VectorXd;
    const auto n = static_cast<int>(x.size());
    MinimizeResult best;
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
            MinimizeResult done;
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

// The step d within ||d|| <= radius that minimises the quadratic model
// g.d + d.H.d / 2 (Moré & Sorensen 1983, on H's eigen-decomposition): Newton's step
// when H is positive definite and the step fits, else the boundary point where
// (H + mu I) d = -g for the mu >= max(0, -lambda_min) found by bisection. When the
// gradient has no component along the most negative curvature (the "hard case"), the
// step is completed along that eigenvector to the boundary.
inline Eigen::VectorXd trust_region_step(const Eigen::MatrixXd& hessian,
                                         const Eigen::VectorXd& gradient,
                                         double radius) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(hessian);
    if (eigen.info() != Eigen::Success) {
        const double norm = gradient.norm();
        return norm > 0.0 ? Eigen::VectorXd(-gradient * (radius / norm)) : gradient;
    }
    const Eigen::VectorXd& lambda = eigen.eigenvalues();  // ascending
    const Eigen::VectorXd p = eigen.eigenvectors().transpose() * gradient;
    auto coefficients = [&](double mu) {
        Eigen::VectorXd c(p.size());
        for (Eigen::Index i = 0; i < p.size(); ++i) {
            const double denominator = lambda[i] + mu;
            c[i] = denominator > 0.0 ? -p[i] / denominator : 0.0;
        }
        return c;
    };
    const double scale = std::max(lambda.cwiseAbs().maxCoeff(), 1e-300);
    if (lambda[0] > 1e-10 * scale) {
        const Eigen::VectorXd newton = coefficients(0.0);
        if (newton.norm() <= radius) return eigen.eigenvectors() * newton;
    }
    double lo = std::max(0.0, -lambda[0]) * (1.0 + 1e-12) + 1e-300;
    Eigen::VectorXd c = coefficients(lo);
    if (c.norm() <= radius) {
        // the hard case: reach the boundary along the most negative curvature
        const double tau = std::sqrt(std::max(0.0, radius * radius - c.squaredNorm()));
        c[0] += p[0] > 0.0 ? -tau : tau;
        return eigen.eigenvectors() * c;
    }
    double hi = lo + gradient.norm() / radius + scale;
    for (int k = 0; k < 200 && hi - lo > 1e-14 * hi; ++k) {
        const double mid = 0.5 * (lo + hi);
        (coefficients(mid).norm() > radius ? lo : hi) = mid;
    }
    return eigen.eigenvectors() * coefficients(hi);
}

// objective(x, gradient, hessian) returns f(x), writes the gradient and, when hessian
// is not null, the Hessian. Newton's method in a trust region: each step minimises
// the quadratic model within a ball, whose radius (at most max_step, in the units of
// x) doubles after a good prediction on the boundary and shrinks after a poor one. A
// step is taken when f falls by at least a ten-thousandth of the predicted fall, or,
// within f's rounding noise, when the gradient shrinks. Should the radius collapse,
// L-BFGS carries on from the point reached. The result holds the Hessian at its
// point when Newton finished.
template <class Objective>
MinimizeResult newton_minimize(Objective&& objective, Eigen::VectorXd x,
                               const MinimizeSettings& settings,
                               double max_step = 5.0) {
    using Vector = Eigen::VectorXd;
    const auto n = static_cast<int>(x.size());
    auto evaluate = [&](const Vector& at, Vector& gradient, Eigen::MatrixXd& hessian) {
        const double f = objective(at, gradient, &hessian);
        if (std::isfinite(f) && gradient.allFinite() && hessian.allFinite()) return f;
        return std::numeric_limits<double>::infinity();
    };
    MinimizeResult out;
    Vector gradient(n), trial_gradient(n);
    Eigen::MatrixXd hessian(n, n), trial_hessian(n, n);
    double f = evaluate(x, gradient, hessian);
    if (!std::isfinite(f)) {
        out.x = x;
        out.gradient = Vector::Zero(n);
        out.message = "the objective is not finite at the starting values";
        return out;
    }
    double radius = std::min(1.0, max_step);
    int n_iter = 0;
    for (;; ++n_iter) {
        const double largest = gradient.lpNorm<Eigen::Infinity>();
        if (largest <= settings.tol || n_iter >= settings.max_iter) {
            out.x = x;
            out.f = f;
            out.gradient = gradient;
            out.hessian = hessian;
            out.n_iter = n_iter;
            out.converged = largest <= settings.tol;
            out.message = out.converged
                              ? "converged: largest gradient component below tol"
                              : "stopped after max_iter iterations";
            return out;
        }
        bool accepted = false;
        while (!accepted && radius > 1e-12) {
            const Vector step = trust_region_step(hessian, gradient, radius);
            const double predicted =
                -(gradient.dot(step) + 0.5 * step.dot(hessian * step));
            const Vector trial = x + step;
            const double f_trial = evaluate(trial, trial_gradient, trial_hessian);
            const double ratio = predicted > 0.0 ? (f - f_trial) / predicted : -1.0;
            const double length = step.norm();
            if (!(ratio >= 0.25))
                radius = 0.25 * length;
            else if (ratio > 0.75 && length > 0.99 * radius)
                radius = std::min(2.0 * radius, max_step);
            if (ratio >= 1e-4 || (f_trial <= f + rounding_noise(f) &&
                                  trial_gradient.lpNorm<Eigen::Infinity>() < largest)) {
                x = trial;
                f = f_trial;
                gradient.swap(trial_gradient);
                hessian.swap(trial_hessian);
                accepted = true;
            }
        }
        if (!accepted) break;
    }
    MinimizeSettings rest = settings;
    rest.max_iter = std::max(0, settings.max_iter - n_iter);
    out = lbfgs_minimize(
        [&](const Vector& at, Vector& g) { return objective(at, g, nullptr); }, x,
        rest);
    out.n_iter += n_iter;
    return out;
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
