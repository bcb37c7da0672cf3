// Quadrature of exp(psi(u)) for a concave psi (a log-concave integrand), the shape of
// the Pareto/NBD dropout integral in log time. Panels are placed outward from the mode
// so that psi changes by at most a few units on each, the region more than 40 units
// below the mode is dropped (its share is below 1e-17), and every panel gets a
// 10-point Gauss-Legendre rule, so accuracy does not depend on how peaked the
// integrand is.
#pragma once

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace crmmine {
namespace detail {

// A node of the rule: the abscissa, its weight times exp(psi(u) - psi_ref), and which
// call of psi (counted from 0 for each rule) gave that value, so that a psi which keeps
// what it computed on the way need not compute it again for the node.
struct QuadratureNode {
    double u;
    double weight;
    std::size_t call;
};

struct LogConcaveRule {
    std::vector<QuadratureNode> nodes;
    double psi_ref = 0.0;  // the integral is exp(psi_ref) * sum(weight)
};

// psi(u, &dpsi) returns psi(u) and writes psi'(u). lo may be -infinity when psi tends
// to -infinity there at least linearly; hi must be finite. mode is the maximizer of
// psi on [lo, hi] (an endpoint when psi is monotone there). feature is the width of
// the narrowest shape psi may have next to the mode: the first panels are no wider,
// then grow by at most a factor of two each. Without it, a panel is sized from
// changes of psi and psi' across it only, and a small bend at its end (a few
// hundredths in psi over a tenth of its width) costs digits.
template <class Psi>
void log_concave_rule(Psi&& psi, double lo, double hi, double mode,
                      LogConcaveRule& rule,
                      double feature = std::numeric_limits<double>::infinity()) {
    static constexpr std::array<double, 5> gl_x = {
        0.14887433898163122, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845,
        0.9739065285171717};
    static constexpr std::array<double, 5> gl_w = {
        0.2955242247147528, 0.2692667193099965, 0.219086362515982, 0.1494513491505804,
        0.06667134430868814};
    constexpr double max_change = 2.0;  // of psi and of psi' * width, per panel
    constexpr double negligible = 40.0;
    constexpr int max_panels = 4000;

    rule.nodes.clear();
    std::size_t calls = 0;
    auto counted = [&](double u, double& du) {
        ++calls;
        return psi(u, du);
    };
    double d_mode = 0.0;
    rule.psi_ref = counted(mode, d_mode);
    auto add_panel = [&](double a, double b) {
        const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
        for (std::size_t i = 0; i < gl_x.size(); ++i) {
            for (const double sign : {-1.0, 1.0}) {
                const double u = mid + sign * half * gl_x[i];
                double du = 0.0;
                const std::size_t call = calls;
                const double weight =
                    half * gl_w[i] * std::exp(counted(u, du) - rule.psi_ref);
                rule.nodes.push_back({u, weight, call});
            }
        }
    };
    // Marches from the mode towards `end` (direction +1 or -1).
    auto march = [&](double end, double direction) {
        double u = mode, f = rule.psi_ref, d = d_mode;
        double width =
            std::fmin(feature, std::fabs(d) > 0.0 ? max_change / std::fabs(d) : 1.0);
        for (int panel = 0; panel < max_panels; ++panel) {
            const double room = direction * (end - u);
            if (!(room > 0.0) || rule.psi_ref - f > negligible) return;
            width = std::fmin(width, room);
            double next = 0.0, f_next = 0.0, d_next = 0.0;
            for (;;) {
                next = u + direction * width;
                f_next = counted(next, d_next);
                const bool small = std::fabs(f_next - f) <= max_change &&
                                   std::fabs(d_next - d) * width <= max_change;
                if (small || width <= 1e-12 * (1.0 + std::fabs(u))) break;
                width *= 0.5;
            }
            if (direction > 0)
                add_panel(u, next);
            else
                add_panel(next, u);
            u = next;
            f = f_next;
            d = d_next;
            width *= 2.0;
        }
    };
    march(hi, 1.0);
    march(lo, -1.0);
}

// Gauss-Hermite rule of n nodes for int f(x) exp(-x^2) dx, by Golub & Welsch (1969):
// the nodes are the eigenvalues of the Jacobi matrix of the Hermite polynomials, the
// weights sqrt(pi) times the squared first components of its eigenvectors. Each
// weight is returned times exp(x^2), for integrands given whole rather than divided
// by the Gaussian.
struct HermiteRule {
    std::vector<double> x, scaled_weight;
};

inline HermiteRule gauss_hermite_rule(int n) {
    Eigen::MatrixXd jacobi = Eigen::MatrixXd::Zero(n, n);
    for (int k = 1; k < n; ++k)
        jacobi(k, k - 1) = jacobi(k - 1, k) = std::sqrt(0.5 * k);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(jacobi);
    HermiteRule rule;
    const double sqrt_pi = std::sqrt(3.14159265358979323846);
    // The rule is symmetric; averaging each node with its mirror (eigenvalues come
    // ascending) removes the solver's rounding from odd moments.
    for (int i = 0; i < n; ++i) {
        const int mirror = n - 1 - i;
        const double x = 0.5 * (eigen.eigenvalues()[i] - eigen.eigenvalues()[mirror]);
        const double v = eigen.eigenvectors()(0, i),
                     w = eigen.eigenvectors()(0, mirror);
        rule.x.push_back(x);
        rule.scaled_weight.push_back(sqrt_pi * 0.5 * (v * v + w * w) * std::exp(x * x));
    }
    return rule;
}

}  // namespace detail
}  // namespace crmmine
