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
#include <utility>

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
    bool stopped = false;   // ended by the caller's stop test (lbfgs_minimize)
    bool at_limit = false;  // ended at a limit of the model (try_no_dropout_limit)
    std::string message;
};

// A walk's result at its last iterate x, with the objective f and gradient there.
inline MinimizeResult ended_at(const Eigen::VectorXd& x, double f,
                               const Eigen::VectorXd& gradient, int n_iter,
                               std::string message) {
    MinimizeResult out;
    out.x = x;
    out.f = f;
    out.gradient = gradient;
    out.n_iter = n_iter;
    out.message = std::move(message);
    return out;
}

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

// A stop test for lbfgs_minimize that never stops it early.
struct NeverStop {
    bool operator()(const Eigen::VectorXd&, double, const Eigen::VectorXd&) const {
        return false;
    }
};

// objective(x, gradient) returns f(x) and writes the gradient. stop(x, f, gradient),
// asked at every iterate that has not converged, may end the run there: the result
// then holds that iterate, not converged, with stopped set.
template <class Objective, class Stop = NeverStop>
MinimizeResult lbfgs_minimize(Objective&& objective, Eigen::VectorXd x,
                              const MinimizeSettings& settings, Stop&& stop = {}) {
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
            MinimizeResult done =
                ended_at(x, f, gradient, n_iter,
                         "converged: largest gradient component below tol");
            done.converged = true;
            return done;
        }
        if (n_iter >= settings.max_iter) {
            best.message = "stopped after max_iter iterations";
            break;
        }
        if (stop(x, f, gradient)) {
            MinimizeResult stopped =
                ended_at(x, f, gradient, n_iter, "stopped by the caller");
            stopped.stopped = true;
            return stopped;
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

// The Newton step -H^-1 g where H is positive definite; elsewhere -(H + mu I)^-1 g
// with mu twice the most negative eigenvalue (Levenberg's shift), a descent direction
// that stays short along the negative curvature. Mirroring those eigenvalues instead
// (Dauphin et al. 2014) took long steps along the flat ridge of the MBG/NBD on Online
// Retail and ended at a worse optimum than lifetimes'.
inline Eigen::VectorXd newton_direction(const Eigen::MatrixXd& hessian,
                                        const Eigen::VectorXd& gradient) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(hessian);
    if (eigen.info() != Eigen::Success) return -gradient;
    const Eigen::VectorXd& lambda = eigen.eigenvalues();
    const double floor = 1e-10 * lambda.cwiseAbs().maxCoeff();
    if (!(floor > 0.0)) return -gradient;
    const double shift =
        lambda.minCoeff() < floor ? 2.0 * std::fabs(lambda.minCoeff()) + floor : 0.0;
    const Eigen::VectorXd projected = eigen.eigenvectors().transpose() * gradient;
    return -(eigen.eigenvectors() *
             projected.cwiseQuotient((lambda.array() + shift).matrix()));
}

// objective(x, gradient, hessian) returns f(x), writes the gradient and, when hessian
// is not null, the Hessian. Damped Newton: each step is cut to at most max_step in
// every coordinate, then halved until f falls (Armijo), or, within f's rounding
// noise, until the gradient shrinks. Should no step be found, L-BFGS carries on from
// the point reached. The result holds the Hessian at its point when Newton finished.
// stop as in lbfgs_minimize.
template <class Objective, class Stop = NeverStop>
MinimizeResult newton_minimize(Objective&& objective, Eigen::VectorXd x,
                               const MinimizeSettings& settings, double max_step = 5.0,
                               Stop&& stop = {}) {
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
    int n_iter = 0;
    for (;; ++n_iter) {
        const double largest = gradient.lpNorm<Eigen::Infinity>();
        const bool converged = largest <= settings.tol;
        const bool stopped =
            !converged && n_iter < settings.max_iter && stop(x, f, gradient);
        if (converged || stopped || n_iter >= settings.max_iter) {
            out = ended_at(x, f, gradient, n_iter,
                           converged ? "converged: largest gradient component below tol"
                           : stopped ? "stopped by the caller"
                                     : "stopped after max_iter iterations");
            out.hessian = hessian;
            out.converged = converged;
            out.stopped = stopped;
            return out;
        }
        Vector direction = newton_direction(hessian, gradient);
        const double longest = direction.lpNorm<Eigen::Infinity>();
        if (longest > max_step) direction *= max_step / longest;
        const double slope = gradient.dot(direction);
        const double noise = rounding_noise(f);
        bool accepted = false;
        for (double step = 1.0; step > 1e-12 && slope < 0.0; step *= 0.5) {
            const Vector trial = x + step * direction;
            const double f_trial = evaluate(trial, trial_gradient, trial_hessian);
            if (f_trial <= f + 1e-4 * step * slope ||
                (f_trial <= f + noise &&
                 trial_gradient.lpNorm<Eigen::Infinity>() < largest)) {
                x = trial;
                f = f_trial;
                gradient.swap(trial_gradient);
                hessian.swap(trial_hessian);
                accepted = true;
                break;
            }
        }
        if (!accepted) break;
    }
    MinimizeSettings rest = settings;
    rest.max_iter = std::max(0, settings.max_iter - n_iter);
    out = lbfgs_minimize(
        [&](const Vector& at, Vector& g) { return objective(at, g, nullptr); }, x, rest,
        stop);
    out.n_iter += n_iter;
    return out;
}

// The BFGS update of a Hessian approximation from a step and the change of the
// gradient along it, skipped where the pair shows no positive curvature (which would
// make the approximation indefinite).
inline void bfgs_update(Eigen::MatrixXd& hessian, const Eigen::VectorXd& step,
                        const Eigen::VectorXd& change) {
    const double curvature = change.dot(step);
    const Eigen::VectorXd image = hessian * step;
    const double image_curvature = step.dot(image);
    if (!(curvature > 1e-10 * step.norm() * change.norm()) || !(image_curvature > 0.0))
        return;
    hessian += change * change.transpose() / curvature -
               image * image.transpose() / image_curvature;
}

// Hessian of a function from central differences of its analytic gradient, with step
// h in every coordinate, symmetrized; mean_gradient (when not null) receives the mean
// of the differenced gradients, the gradient at x to the same O(h^2).
template <class Gradient>
Eigen::MatrixXd hessian_from_gradient(Gradient&& gradient_at, const Eigen::VectorXd& x,
                                      double h,
                                      Eigen::VectorXd* mean_gradient = nullptr) {
    const auto n = x.size();
    Eigen::MatrixXd hessian(n, n);
    Eigen::VectorXd plus(n), minus(n), sum = Eigen::VectorXd::Zero(n);
    for (Eigen::Index j = 0; j < n; ++j) {
        Eigen::VectorXd at = x;
        at[j] = x[j] + h;
        gradient_at(at, plus);
        at[j] = x[j] - h;
        gradient_at(at, minus);
        hessian.col(j) = (plus - minus) / (2.0 * h);
        sum += plus + minus;
    }
    if (mean_gradient != nullptr) *mean_gradient = sum / (2.0 * static_cast<double>(n));
    return 0.5 * (hessian + hessian.transpose());
}

// Hessian of a function from forward differences of its analytic gradient, given the
// gradient g at x: half the passes of hessian_from_gradient, to O(h) rather than
// O(h^2), enough for a quasi-Newton method's first curvature.
template <class Gradient>
Eigen::MatrixXd forward_hessian(Gradient&& gradient_at, const Eigen::VectorXd& x,
                                const Eigen::VectorXd& g, double h) {
    const auto n = x.size();
    Eigen::MatrixXd hessian(n, n);
    Eigen::VectorXd plus(n);
    for (Eigen::Index j = 0; j < n; ++j) {
        Eigen::VectorXd at = x;
        at[j] = x[j] + h;
        gradient_at(at, plus);
        hessian.col(j) = (plus - g) / h;
    }
    return 0.5 * (hessian + hessian.transpose());
}

}  // namespace detail
}  // namespace crmmine
