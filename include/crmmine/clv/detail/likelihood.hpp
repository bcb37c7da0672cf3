// The machinery every CLV likelihood shares: validated customer rows, duplicates
// collapsed into weights, sums over customers in fixed chunks reduced in chunk order
// (bit-identical for any thread count), and the maximum-likelihood driver on
// log-parameters with the covariance from the Hessian.
//
// A model plugs in as a Kernel:
//   static constexpr int n_params;
//   explicit Kernel(const double* params);          // natural parameters
//   struct XTerms;                                   // what depends on x only
//   static constexpr bool has_hessian, has_x_steps, has_time_table;
//   XTerms x_terms(double x, int order) const;  // derivatives needed: 0, 1 or 2
//   void step_x_terms(XTerms&, double x, int order) const;  // to x + 1, if has_x_steps
//   void use_times(const std::vector<double>& times, std::vector<double>& table);
//                                                   // if has_time_table
//   double log_likelihood(const XTerms&, const CustomerRow&, double* gradient
//                         [, double* hessian]) const;
// where gradient (nullptr: value only) receives d log L / d params (natural) and,
// for kernels with has_hessian, hessian (nullptr: none) the packed second
// derivatives. A kernel without them is fitted by L-BFGS, one with them by Newton.
// A kernel whose parameters 2 and 3 set a dropout rate of mean proportional to
// params[2] / params[3] may name the kernel of its limit without dropout, on
// parameters 0 and 1, as NoDropoutLimit, with no_dropout_try_from, the least log
// params[3] (optimizer units) at which a fit tries that limit (walk_with_limit).
// A kernel whose sum over rows reduces to a few arrays, as the Gamma-Gamma's does, may
// name `using Summary = SpendSummary` and sum from the problem's summary with
// double sum_summary(const SpendSummary&, double* gradient, double* hessian, n_threads)
// as sum_log_likelihood would over its rows (FitObjective then does).
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "crmmine/clv/detail/optimize.hpp"
#include "crmmine/clv/model_fit.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace detail {

// One customer (or, after collapsing, every customer with these values). Purchase
// models: x, t_x, T. Gamma-Gamma: x, t_x = monetary value, T = its logarithm.
struct CustomerRow {
    double x = 0.0;
    double t_x = 0.0;
    double T = 0.0;
    double weight = 1.0;
    // Where t_x and T sit in FitProblem::times, when the fit keeps that table.
    std::uint32_t t_x_slot = 0, T_slot = 0;
};

// Rows per chunk of every parallel loop over customers. Fixed, so chunk sums and the
// order they are added in do not depend on the thread count.
constexpr std::size_t clv_chunk = 512;

inline std::int64_t clv_chunk_count(std::size_t n) {
    return static_cast<std::int64_t>((n + clv_chunk - 1) / clv_chunk);
}

// Threads worth waking for n rows: one per 1,024 rows at most. An optimiser calls the
// likelihood dozens of times; on a small collapsed history (CDNOW has 1,400 distinct
// rows) each parallel region would cost more than its work. From 2,048 rows two
// threads pay: Online Retail's 3,046 rows fit in 1.6 ms on two against 2.5 ms on one
// (mean of 200), and with the other core busy in 5.6 ms against 5.0. Sums are per
// fixed chunk, so the result does not change.
inline int clv_threads(std::size_t n, int n_threads) {
    const auto useful = static_cast<int>(std::min<std::size_t>(n / 1024, 1024));
    return std::max(1, std::min(n_threads, useful));
}

// Calls body(chunk, begin, end) for each fixed chunk [begin, end) of [0, n), the
// chunks spread over n_threads threads.
template <class Body>
void for_each_chunk(std::size_t n, int n_threads, Body&& body) {
    parallel_for(clv_chunk_count(n), n_threads, [&](std::int64_t chunk) {
        const std::size_t begin = static_cast<std::size_t>(chunk) * clv_chunk;
        body(static_cast<std::size_t>(chunk), begin, std::min(n, begin + clv_chunk));
    });
}

// body(begin, end, part) for each fixed chunk of [0, n), each into its own Part; the
// parts come back in chunk order, for sums added in that order, which do not depend
// on the thread count.
template <class Part, class Body>
std::vector<Part> chunk_parts(std::size_t n, int n_threads, Body&& body) {
    std::vector<Part> parts(static_cast<std::size_t>(clv_chunk_count(n)));
    for_each_chunk(n, n_threads,
                   [&](std::size_t chunk, std::size_t begin, std::size_t end) {
                       body(begin, end, parts[chunk]);
                   });
    return parts;
}

// Throws InvalidArgument naming the column and the first offending row.
void check_purchase_history(const PurchaseHistoryView& data, int n_threads);

// What a spend row must hold: for a prediction, whole x >= 0 and a finite mean spend
// m >= 0; for a fit, also m > 0 where x >= 1 (rows with x = 0 are left out of it); for
// a repeat buyer's own likelihood, x >= 1 and m > 0.
enum class SpendUse { predict, fit, repeat_buyer };

// Validates the history and copies it into rows, one per customer, weights included.
// Throws InvalidArgument naming the column and the first offending row.
std::vector<CustomerRow> purchase_rows(const PurchaseHistoryView& data, int n_threads);
std::vector<CustomerRow> spend_rows(const SpendHistoryView& data, SpendUse use,
                                    int n_threads);
// The checks of spend_rows for prediction, without building rows.
void check_spend_history(const SpendHistoryView& data, int n_threads);

// Validates natural parameters: k values, finite and positive.
void require_positive_params(const std::vector<double>& params, std::size_t k,
                             const char* names);

// Prediction inputs: horizons t (finite, >= 0) and purchase counts n (>= 0).
void require_horizons(const double* t, std::size_t n_t);
void require_counts(const std::int64_t* n, std::size_t n_n);
// The length two arrays broadcast to: each is 1 or the common length.
std::size_t broadcast_length(std::size_t n_a, const char* name_a, std::size_t n_b,
                             const char* name_b);

// Moves terms from those of last_x to those of x: by Kernel::step_x_terms when x is a
// few whole purchases above last_x (fit rows are grouped by x), else afresh. The steps
// are the same for any thread count: chunks are fixed and start afresh.
template <class Kernel>
void move_x_terms(const Kernel& kernel, typename Kernel::XTerms& terms, double last_x,
                  double x, int order) {
    constexpr double max_steps = 16.0;
    if constexpr (Kernel::has_x_steps) {
        if (x > last_x && x - last_x <= max_steps) {
            for (double from = last_x; from < x; from += 1.0)
                kernel.step_x_terms(terms, from, order);
            return;
        }
    }
    terms = kernel.x_terms(x, order);
}

// The Hessian of a k-parameter likelihood is kept as its packed upper triangle, row
// by row: (i, j) with i <= j at packed_index(k, i, j).
constexpr int packed_size(int k) {
    return k * (k + 1) / 2;
}
constexpr int packed_index(int k, int i, int j) {
    return i * k - i * (i - 1) / 2 + (j - i);
}

// The packed upper triangle of g g'.
template <std::size_t k>
void pack_outer_product(const std::array<double, k>& g,
                        std::array<double, packed_size(static_cast<int>(k))>& packed) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = i; j < k; ++j) packed[at++] = g[i] * g[j];
}

// Whether a kernel sums rows of one x together (add_group) rather than one by one.
template <class Kernel, class = void>
struct has_group_sums : std::false_type {};
template <class Kernel>
struct has_group_sums<Kernel, std::void_t<decltype(&Kernel::add_group)>>
    : std::true_type {};

// Sum over rows of weight * log L and, when gradient is not null, of weight *
// d log L / d params, and, when hessian is not null, packed: for kernels with
// has_hessian the sum of weight * d2 log L / d params2; for the others the sum of
// weight * (d log L / d params)(d log L / d params)', the outer products of the rows'
// scores (FitObjective::information).
template <class Kernel>
double sum_log_likelihood(const Kernel& kernel, const std::vector<CustomerRow>& rows,
                          double* gradient, int n_threads, double* hessian = nullptr) {
    constexpr int k = Kernel::n_params;
    constexpr int n_h = packed_size(k);
    constexpr std::size_t width = 1 + k + n_h;
    const int order = hessian != nullptr ? 2 : gradient != nullptr ? 1 : 0;
    const auto partial = chunk_parts<std::array<double, width>>(
        rows.size(), clv_threads(rows.size(), n_threads),
        [&](std::size_t begin, std::size_t end, std::array<double, width>& sum) {
            std::array<double, k> g{};
            std::array<double, n_h> h{};
            typename Kernel::XTerms terms{};
            double last_x = std::numeric_limits<double>::quiet_NaN();
            if constexpr (has_group_sums<Kernel>::value) {
                for (std::size_t i = begin, next = begin; i < end; i = next) {
                    while (next < end && rows[next].x == rows[i].x) ++next;
                    move_x_terms(kernel, terms, last_x, rows[i].x, order);
                    last_x = rows[i].x;
                    kernel.add_group(terms, rows.data() + i, rows.data() + next, order,
                                     sum.data());
                }
                return;
            }
            for (std::size_t i = begin; i < end; ++i) {
                const CustomerRow& row = rows[i];
                if (!(row.x == last_x)) {
                    move_x_terms(kernel, terms, last_x, row.x, order);
                    last_x = row.x;
                }
                double* g_out = order >= 1 ? g.data() : nullptr;
                double ll = 0.0;
                if constexpr (Kernel::has_hessian) {
                    ll = kernel.log_likelihood(terms, row, g_out,
                                               order == 2 ? h.data() : nullptr);
                } else {
                    ll = kernel.log_likelihood(terms, row, g_out);
                    if (order == 2) pack_outer_product(g, h);
                }
                const double w = row.weight;
                sum[0] += w * ll;
                if (order >= 1)
                    for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j)
                        sum[1 + j] += w * g[j];
                if (order == 2)
                    for (std::size_t j = 0; j < static_cast<std::size_t>(n_h); ++j)
                        sum[1 + k + j] += w * h[j];
            }
        });
    std::array<double, width> total{};
    for (const auto& part : partial)
        for (std::size_t j = 0; j < width; ++j) total[j] += part[j];
    if (order >= 1)
        for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j)
            gradient[j] = total[1 + j];
    if (order == 2)
        for (std::size_t j = 0; j < static_cast<std::size_t>(n_h); ++j)
            hessian[j] = total[1 + k + j];
    return total[0];
}

// log L of every row, in row order.
template <class Kernel>
std::vector<double> row_log_likelihoods(const Kernel& kernel,
                                        const std::vector<CustomerRow>& rows,
                                        int n_threads) {
    std::vector<double> out(rows.size());
    for_each_chunk(rows.size(), clv_threads(rows.size(), n_threads),
                   [&](std::size_t, std::size_t begin, std::size_t end) {
                       typename Kernel::XTerms terms{};
                       double last_x = std::numeric_limits<double>::quiet_NaN();
                       for (std::size_t i = begin; i < end; ++i) {
                           if (!(rows[i].x == last_x)) {
                               move_x_terms(kernel, terms, last_x, rows[i].x, 0);
                               last_x = rows[i].x;
                           }
                           out[i] = kernel.log_likelihood(terms, rows[i], nullptr);
                       }
                   });
    return out;
}

// out[i] = f(i) for i in [0, n), in parallel chunks.
template <class F>
std::vector<double> parallel_map(std::size_t n, int n_threads, F&& f) {
    std::vector<double> out(n);
    for_each_chunk(n, clv_threads(n, n_threads),
                   [&](std::size_t, std::size_t begin, std::size_t end) {
                       for (std::size_t i = begin; i < end; ++i) out[i] = f(i);
                   });
    return out;
}

template <class Kernel>
ClvLogLikelihood total_log_likelihood(const std::vector<double>& params,
                                      const std::vector<CustomerRow>& rows,
                                      int n_threads) {
    constexpr int k = Kernel::n_params;
    const Kernel kernel(params.data());
    std::array<double, k> g{};
    ClvLogLikelihood out;
    out.total = sum_log_likelihood(kernel, rows, g.data(), n_threads);
    out.gradient.resize(static_cast<std::size_t>(k));
    for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j)
        out.gradient[j] = g[j] * params[j];
    return out;
}

// A spend fit's customers as the Gamma-Gamma sums read them. Only log(x m + v) joins
// a customer's data to a parameter; every other term is a function of x alone (summed
// over the distinct x with their weights) or linear in the parameters (sums of w log m
// and w x log m, from their sums by x). Built straight from the columns, with no rows
// grouped or merged: a pass reads three arrays, and equal rows are rare in money.
struct SpendSummary {
    // By kept customer, in row order: x m (optimizer units), x and w (empty where every
    // weight is 1: a million customers' fit spends more on its arrays' first touch
    // than on a pass).
    std::vector<double> spend, x, weight;
    // By distinct x, ascending: x, the total weight of its customers, and their
    // weighted sums of log m and (log m)^2 (optimizer units).
    std::vector<double> x_values, x_weights, x_log_spend, x_log_spend_squares;
};

// A fit on collapsed rows. The optimizer works on rescaled data (time so that the
// largest T is 1, money so that the mean spend is 1): param_scale[j] converts a
// natural parameter to that scale, penalty_scale[j] from it to the scale the penalty
// is defined on.
struct FitProblem {
    std::vector<CustomerRow> rows;  // optimizer units; empty for a spend fit
    SpendSummary spend;             // a spend fit's customers
    std::vector<double> param_scale;
    std::vector<double> penalty_scale;
    std::vector<double> start;  // optimizer units
    double total_weight = 0.0;
    // log L in the data's units minus log L in optimizer units, at matching
    // parameters: a constant, so the fit never sums log L in the data's units.
    double log_likelihood_offset = 0.0;
    // The distinct times (t_x and T, optimizer units) when there are at most as many
    // as rows, as on daily data; else empty. A kernel with use_times takes its
    // functions of time from a table over these, once per evaluation, not per row.
    std::vector<double> times;
};

// Validates the data and settings and builds the problem: rows collapsed, time scaled
// so that the largest T is 1 (purchase models) or money so that the weighted mean
// monetary value is 1 (Gamma-Gamma).
FitProblem purchase_fit_problem(ClvModel model, const PurchaseHistoryView& data,
                                const ClvFitParams& params, int n_threads);
FitProblem spend_fit_problem(const SpendHistoryView& data, const ClvFitParams& params,
                             int n_threads);

// Rows of a history for a fit or a log-likelihood, validated, with rows of equal (x,
// t_x, T) merged into the first of them, their weights added in row order, then
// grouped by increasing x (the kernels step their x terms from one x to the next),
// keeping row order within a group: a function of the rows alone. for_fit: rows of
// weight 0 are left out and at least one row of positive weight is required; spend
// rows are always for a fit.
std::vector<CustomerRow> collapsed_purchase_rows(const PurchaseHistoryView& data,
                                                 int n_threads, bool for_fit = false);
std::vector<CustomerRow> collapsed_spend_rows(const SpendHistoryView& data,
                                              int n_threads);

// Covariance of the natural parameters: the inverse Hessian of the total penalized
// negative log-likelihood. Rescaling shifts log-parameters by constants, so the
// Hessian on log-parameters is the same in either unit; the chain rule takes it to
// natural parameters: H_natural = D^-1 (H_log - diag(g_log)) D^-1, D = diag(params).
// H_log is the analytic one where the objective has it, else central differences of
// the gradient. NaN where H_natural is not positive definite.
template <class Objective>
RowMatrix<double> covariance_at(Objective& objective, const MinimizeResult& result,
                                double weight, const std::vector<double>& params,
                                bool analytic) {
    const auto k = static_cast<Eigen::Index>(params.size());
    RowMatrix<double> covariance =
        RowMatrix<double>::Constant(k, k, std::numeric_limits<double>::quiet_NaN());
    if (!result.x.allFinite()) return covariance;
    Eigen::VectorXd g(k);
    Eigen::MatrixXd hessian(k, k);
    if (analytic && result.hessian.size() == k * k) {
        hessian = result.hessian;
        g = result.gradient;
    } else if (analytic) {
        objective(result.x, g, &hessian);
    } else {
        // The mean of the differenced gradients is the gradient at result.x to the
        // same O(h^2) as the Hessian, without one more pass over the customers.
        hessian = hessian_from_gradient(
            [&](const Eigen::VectorXd& y, Eigen::VectorXd& out) {
                objective(y, out, nullptr);
            },
            result.x, 1e-4, &g);
    }
    hessian *= weight;
    hessian.diagonal() -= g * weight;
    Eigen::LLT<Eigen::MatrixXd> llt(hessian);
    if (!(hessian.allFinite() && llt.info() == Eigen::Success)) return covariance;
    const Eigen::MatrixXd inverse = llt.solve(Eigen::MatrixXd::Identity(k, k));
    if (!inverse.allFinite()) return covariance;
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = 0; j < k; ++j)
            covariance(i, j) = inverse(i, j) * params[static_cast<std::size_t>(i)] *
                               params[static_cast<std::size_t>(j)];
    return covariance;
}

// Whether a kernel sums from the problem's SpendSummary (see GammaGammaKernel).
template <class Kernel, class = void>
struct sums_summary : std::false_type {};
template <class Kernel>
struct sums_summary<Kernel, std::void_t<typename Kernel::Summary>> : std::true_type {};

// The penalized negative mean log-likelihood of a problem on log-parameters
// y = log(theta), with its gradient and, when hessian is not null, its Hessian:
//   d2 / dy_i dy_j = theta_i theta_j d2 / dtheta_i dtheta_j
//                    + [i == j] theta_i d / dtheta_i.
template <class Kernel>
class FitObjective {
public:
    static constexpr int k = Kernel::n_params;

    FitObjective(const FitProblem& problem, double penalizer, int n_threads)
        : problem_(problem), penalizer_(penalizer), n_threads_(n_threads) {}

    const FitProblem& problem() const { return problem_; }
    int n_threads() const { return n_threads_; }
    double penalizer() const { return penalizer_; }

    // The penalty on one parameter, theta on the optimizer's scale.
    double penalty(std::size_t j, double theta) const {
        const double t = theta * problem_.penalty_scale[j];
        return penalizer_ * t * t;
    }

    // The sum over the problem's customers of w log L at the kernel's parameters, with
    // its gradient (g) and packed Hessian (h) where not null.
    double sum(const Kernel& kernel, double* g, double* h) const {
        if constexpr (sums_summary<Kernel>::value)
            return kernel.sum_summary(problem_.spend, g, h, n_threads_);
        else
            return sum_log_likelihood(kernel, problem_.rows, g, n_threads_, h);
    }

    double operator()(const Eigen::VectorXd& y, Eigen::VectorXd& grad,
                      Eigen::MatrixXd* hessian) {
        return evaluate(y, grad, hessian, false);
    }

    // The objective and its gradient at y, and BHHH's approximation of its Hessian
    // for kernels without an analytic one: the customers' scores (gradients of
    // log L in y), their weighted mean outer product less the outer product of their
    // mean, plus the penalty's Hessian. From the same pass as the gradient; positive
    // semi-definite everywhere and, for a model that fits, near the Hessian at the
    // optimum.
    double information(const Eigen::VectorXd& y, Eigen::VectorXd& grad,
                       Eigen::MatrixXd& information) {
        static_assert(!Kernel::has_hessian && !sums_summary<Kernel>::value);
        information.resize(k, k);
        return evaluate(y, grad, &information, true);
    }

private:
    double evaluate(const Eigen::VectorXd& y, Eigen::VectorXd& grad,
                    Eigen::MatrixXd* hessian, bool scores) {
        std::array<double, k> theta{};
        for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j) {
            theta[j] = std::exp(y[static_cast<Eigen::Index>(j)]);
            if (!(theta[j] > 0.0) || !std::isfinite(theta[j]))
                return std::numeric_limits<double>::infinity();
        }
        Kernel kernel(theta.data());
        if constexpr (Kernel::has_time_table)
            if (!problem_.times.empty()) kernel.use_times(problem_.times, time_table_);
        std::array<double, k> g{};
        std::array<double, packed_size(k)> h{};
        const double weight = problem_.total_weight;
        double* h_out = hessian != nullptr ? h.data() : nullptr;
        double f = -sum(kernel, g.data(), h_out) / weight;
        std::array<double, k> mean_score{};  // in y; only the information needs it
        for (std::size_t j = 0; scores && j < static_cast<std::size_t>(k); ++j)
            mean_score[j] = g[j] * theta[j] / weight;
        for (int i = 0; i < k; ++i) {
            const auto is = static_cast<std::size_t>(i);
            grad[i] = -g[is] * theta[is] / weight;
            if (hessian != nullptr)
                for (int j = i; j < k; ++j) {
                    const auto js = static_cast<std::size_t>(j);
                    double value = theta[is] * theta[js] *
                                   h[static_cast<std::size_t>(packed_index(k, i, j))];
                    if (scores) {
                        value = value / weight - mean_score[is] * mean_score[js];
                    } else {
                        if (i == j) value += theta[is] * g[is];
                        value = -value / weight;
                    }
                    (*hessian)(i, j) = (*hessian)(j, i) = value;
                }
            if (penalizer_ > 0.0) {
                const double p = penalty(is, theta[is]);
                f += p;
                grad[i] += 2.0 * p;
                if (hessian != nullptr) (*hessian)(i, i) += 4.0 * p;
            }
        }
        return f;
    }

    const FitProblem& problem_;
    double penalizer_;
    int n_threads_;
    std::vector<double> time_table_;
};

// The longest step of curvature_minimize in any log parameter, shorter than Newton's 5:
// far from the optimum the information matrix bends too little, and CDNOW's Pareto/NBD
// sample took its first step 5 units down in log beta, where its dropout integrals
// need quadrature and a pass costs 4 times one near the optimum. With 3 its walk costs
// 0.1 ms less (of a 1.75 ms fit); the simulated sets fit as fast or faster.
inline constexpr double curvature_max_step = 3.0;

// Quasi-Newton on the objective from y0, for kernels without an analytic Hessian. The
// curvature is the information matrix of each evaluation (FitObjective::information)
// while the largest gradient component exceeds information_above or the curvature is
// empty; after that it takes a BFGS update from each pair of consecutive evaluations
// and ends as the last update left it. stop as in newton_minimize.
template <class Kernel, class Stop = NeverStop>
MinimizeResult curvature_minimize(
    FitObjective<Kernel>& objective, const Eigen::VectorXd& y0,
    Eigen::MatrixXd& curvature, const MinimizeSettings& settings, Stop&& stop = {},
    double information_above = std::numeric_limits<double>::infinity()) {
    Eigen::VectorXd last_y, last_g;
    bool informed = curvature.size() == 0 || std::isfinite(information_above);
    MinimizeResult out = newton_minimize(
        [&](const Eigen::VectorXd& y, Eigen::VectorXd& g, Eigen::MatrixXd* hessian) {
            const double f = informed ? objective.information(y, g, curvature)
                                      : objective(y, g, nullptr);
            if (std::isfinite(f) && g.allFinite()) {
                if (informed)
                    informed = g.lpNorm<Eigen::Infinity>() > information_above;
                else if (last_y.size() != 0)
                    bfgs_update(curvature, y - last_y, g - last_g);
                last_y = y;
                last_g = g;
            }
            if (hessian != nullptr) *hessian = curvature;
            return f;
        },
        y0, settings, curvature_max_step, stop);
    out.hessian.resize(0, 0);  // an approximation, not the optimum's Hessian
    return out;
}

// Where an informed walk (minimize_objective) of a kernel without an analytic Hessian
// stops taking the information matrix as its curvature (largest gradient component):
// far from the optimum it is a better curvature than quasi-Newton learns over a dozen
// steps, near it updates from the walk's own steps converge faster. Only samples are
// walked so (fit_model): where the optimum lies at infinity, as when hardly anybody
// buys again, this walk can crawl along a ridge that L-BFGS leaves by the gradient
// test.
inline constexpr double information_gradient = 1e-2;

// Newton's method where the kernel has a Hessian, else L-BFGS or, where `informed`,
// curvature_minimize from the information matrix; stop as in lbfgs_minimize.
template <class Kernel, class Stop = NeverStop>
MinimizeResult minimize_objective(FitObjective<Kernel>& objective,
                                  const Eigen::VectorXd& y0,
                                  const MinimizeSettings& settings, Stop&& stop = {},
                                  bool informed = false) {
    if constexpr (Kernel::has_hessian) {
        return newton_minimize(objective, y0, settings, 5.0, stop);
    } else if (informed) {
        Eigen::MatrixXd curvature;
        return curvature_minimize(objective, y0, curvature, settings, stop,
                                  information_gradient);
    } else {
        return lbfgs_minimize(
            [&](const Eigen::VectorXd& y, Eigen::VectorXd& g) {
                return objective(y, g, nullptr);
            },
            y0, settings, stop);
    }
}

// Rows of the sample fit that warm-starts Newton on problems of at least four times
// as many rows. Tests raise it to compare with a cold start.
inline std::size_t warm_start_rows = 16'384;

// Rows of the sample that warm-starts a fit on n distinct rows; 0 for none. From four
// times warm_start_rows, warm_start_rows. Below, a kernel without an analytic Hessian
// (fitted by quasi-Newton, whose curvature a cold start learns over a dozen passes)
// still gains from an eighth of the rows, down to a 128th of warm_start_rows: CDNOW's
// Pareto/NBD (1,016 rows) fits in 6 passes from a sample of 146 rows and its
// curvature, against 24 from the start, in 0.4 of the time. Where the sample walks
// out of warm_start_bound instead, the fit from the start pays for its walk (1.3x
// slower on one simulated set of 1,124 rows). Newton needs no curvature learnt, and a
// small sample's optimum near the BG/NBD's boundary a -> 0 started it towards a lower
// local optimum on Online Retail.
template <class Kernel>
std::size_t warm_sample_rows(std::size_t n) {
    if (n >= 4 * warm_start_rows) return warm_start_rows;
    const std::size_t least = warm_start_rows / 128;
    if (Kernel::has_hessian || n < 4 * least) return 0;
    return std::max(least, n / 8);
}

// Every k-th row of the problem, about n_rows of them. The rows are grouped by x, so
// the sample keeps the mix of purchase counts. Its time table holds the sample's own
// times: the kernel recomputes its table each pass, and over the problem's 269 times
// (CDNOW; the sample of 146 rows uses fewer) that cost about 4 us of each 25 us pass.
inline FitProblem strided_sample(const FitProblem& problem, std::size_t n_rows) {
    FitProblem sample;
    sample.penalty_scale = problem.penalty_scale;
    const std::size_t stride = problem.rows.size() / n_rows;
    sample.rows.reserve(problem.rows.size() / stride + 1);
    constexpr std::uint32_t unseen = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> slot_of(problem.times.size(), unseen);
    auto sample_slot = [&](std::uint32_t slot) {
        if (slot_of[slot] == unseen) {
            slot_of[slot] = static_cast<std::uint32_t>(sample.times.size());
            sample.times.push_back(problem.times[slot]);
        }
        return slot_of[slot];
    };
    for (std::size_t i = 0; i < problem.rows.size(); i += stride) {
        CustomerRow row = problem.rows[i];
        if (!problem.times.empty()) {
            row.t_x_slot = sample_slot(row.t_x_slot);
            row.T_slot = sample_slot(row.T_slot);
        }
        sample.rows.push_back(row);
        sample.total_weight += row.weight;
    }
    return sample;
}

// |log parameter| (optimizer units) of a million times or a millionth of the scale:
// beyond, the likelihood is flat along a ridge (the Pareto/NBD's s, beta -> infinity,
// the BG/NBD's a, b) and the gradient test passes anywhere on it.
inline const double ridge_bound = std::log(1e6);

// Whether a sample fit's optimum may start the full fit: not past `bound`, where the
// full fit would stop where the sample's walk ended instead of where the data's
// optimum lies.
inline bool usable_warm_start(const MinimizeResult& warm, double bound = ridge_bound) {
    return warm.converged && !warm.at_limit && warm.x.allFinite() &&
           warm.x.lpNorm<Eigen::Infinity>() <= bound;
}

// The bound on |log parameter| (optimizer units) within which a sample's walk may
// start the full fit. A small sample (below warm_start_rows) is held to a hundred
// times its scale: on BG/NBD customers with little dropout heterogeneity a sample of
// 140 walks out along the Pareto/NBD's ridge s, beta -> infinity for 50 iterations,
// and the fit on every row, started out there, takes longer than from the start.
inline double warm_start_bound(std::size_t sample_rows) {
    return sample_rows < warm_start_rows ? std::log(1e2) : ridge_bound;
}

// Rows of the second sample, between the first and all rows, on problems of at least
// four times as many rows.
inline std::size_t middle_sample_rows() {
    return 8 * warm_start_rows;
}

// The fit from the sample fit's optimum (warm: its point y0 and gradient there), for
// kernels without an analytic Hessian. The curvature starts as the sample's Hessian
// (forward differences of its gradient): L-BFGS from the same point spends a dozen
// passes over every row learning a curvature the sample already knows to within its
// sampling error. On a problem of at least four times middle_sample_rows, a second
// sample of that many rows is fitted first, from y0 and that curvature: its optimum
// is within a third of the first's sampling error, so the fit on every row (a pass
// over a million Pareto/NBD customers costs 0.3 s, over the second sample 0.04 s)
// takes fewer steps. stop applies to the fit on every row.
template <class Kernel, class Stop = NeverStop>
MinimizeResult sample_curvature_minimize(FitObjective<Kernel>& objective,
                                         FitObjective<Kernel>& sample_objective,
                                         const MinimizeResult& warm,
                                         const MinimizeSettings& settings,
                                         Stop&& stop = {}) {
    Eigen::VectorXd y0 = warm.x;
    Eigen::MatrixXd curvature =
        forward_hessian([&](const Eigen::VectorXd& y,
                            Eigen::VectorXd& g) { sample_objective(y, g, nullptr); },
                        y0, warm.gradient, 1e-4);
    const FitProblem& problem = objective.problem();
    if (problem.rows.size() >= 4 * middle_sample_rows()) {
        const FitProblem middle = strided_sample(problem, middle_sample_rows());
        FitObjective<Kernel> middle_objective(middle, objective.penalizer(),
                                              objective.n_threads());
        Eigen::MatrixXd middle_curvature = curvature;
        const MinimizeResult step =
            curvature_minimize(middle_objective, y0, middle_curvature, settings);
        if (usable_warm_start(step)) {
            y0 = step.x;
            curvature = middle_curvature;
        }
    }
    return curvature_minimize(objective, y0, curvature, settings, stop);
}

template <class Kernel, class = void>
struct has_no_dropout_limit : std::false_type {};
template <class Kernel>
struct has_no_dropout_limit<Kernel, std::void_t<typename Kernel::NoDropoutLimit>>
    : std::true_type {};

// Where the data show no dropout, the optimum lies at infinity, params[2] /
// params[3] -> 0, and the gradient in log params[2] and log params[3] falls in
// proportion to that ratio: L-BFGS walks out along the ridge about one unit of log
// ratio per iteration while the curvature pairs of the walk spoil the polish of
// parameters 0 and 1 (45 iterations on Online Retail's Pareto/NBD). So the first
// iterate whose gradient points that way, the two components of opposite signs and
// equal within 30% (as at the start on Online Retail, daily or weekly), with log
// params[3] at least Kernel::no_dropout_try_from, tries the limit. Parameters 0 and
// 1 are fitted on it by Newton, and the ratio is taken to where its predicted
// gradient is 1e-5 tol, so that the objective is within rounding of the limit's. That
// point ends the fit if it lowers the objective, still points outward and passes the
// gradient test, after at most three Newton steps on parameters 0 and 1 with the
// limit's Hessian. Else the walk carries on as if never asked, one pass over the
// customers and the cheap limit fit later.
template <class Kernel>
MinimizeResult try_no_dropout_limit(FitObjective<Kernel>& objective,
                                    const Eigen::VectorXd& y_walk, double f_walk,
                                    const Eigen::VectorXd& g_walk,
                                    const MinimizeSettings& settings) {
    using Vector = Eigen::VectorXd;
    MinimizeResult out;
    FitObjective<typename Kernel::NoDropoutLimit> limit(objective.problem(), 0.0,
                                                        objective.n_threads());
    const MinimizeResult nbd = newton_minimize(limit, y_walk.head(2), settings);
    out.n_iter = nbd.n_iter;
    if (!(nbd.converged && nbd.hessian.size() == 4 && settings.tol > 0.0)) return out;
    Vector y = y_walk, g(y.size());
    y.head(2) = nbd.x;
    const double depth = std::log(g_walk[2] / (1e-5 * settings.tol));
    if (depth > 0.0) {
        y[2] -= 0.5 * depth;
        y[3] += 0.5 * depth;
    }
    const Eigen::LDLT<Eigen::MatrixXd> curvature(nbd.hessian);
    for (int step = 0; step < 4 && out.n_iter + step < settings.max_iter; ++step) {
        if (step > 0) y.head(2) -= curvature.solve(g.head(2));
        const double f = objective(y, g, nullptr);
        if (!(std::isfinite(f) && f <= f_walk && g.allFinite() && g[2] > 0.0 &&
              g[3] < 0.0 && g.tail(2).lpNorm<Eigen::Infinity>() <= settings.tol))
            break;
        if (g.lpNorm<Eigen::Infinity>() <= settings.tol) {
            out = ended_at(y, f, g, out.n_iter + step + 1,
                           "converged: largest gradient component below tol, at the "
                           "limit without dropout");
            out.converged = true;
            out.at_limit = true;
            break;
        }
    }
    return out;
}

// walk(stop), a walk of the fit asking stop(y, f, g) at each iterate, with one try of
// the limit without dropout (try_no_dropout_limit) within max_iter where the kernel
// has that limit and no penalty keeps the optimum off its ridge; else
// walk(NeverStop{}).
template <class Kernel, class Walk>
MinimizeResult walk_with_limit(FitObjective<Kernel>& objective,
                               const MinimizeSettings& settings, Walk&& walk) {
    if constexpr (has_no_dropout_limit<Kernel>::value) {
        if (objective.penalizer() == 0.0) {
            using Vector = Eigen::VectorXd;
            MinimizeResult at_limit;
            bool tried = false;
            int n_iter = 0;  // the stop test is asked once per iteration
            auto stop = [&](const Vector& y, double f, const Vector& g) {
                const int iteration = n_iter++;
                if (tried || !(y[3] >= Kernel::no_dropout_try_from && g[2] > 0.0 &&
                               g[3] < 0.0 && std::fabs(g[2] + g[3]) <= 0.3 * g[2]))
                    return false;
                tried = true;
                MinimizeSettings rest = settings;
                rest.max_iter = settings.max_iter - iteration;
                at_limit = try_no_dropout_limit(objective, y, f, g, rest);
                at_limit.n_iter += iteration;
                return at_limit.converged;
            };
            MinimizeResult walked = walk(stop);
            return walked.stopped ? at_limit : walked;
        }
    }
    return walk(NeverStop{});
}

// minimize_objective from y0 with the try of walk_with_limit; the walk ends
// unconverged at the first iterate beyond `bound` in some |log parameter|.
template <class Kernel>
MinimizeResult walk_minimize(FitObjective<Kernel>& objective, const Eigen::VectorXd& y0,
                             const MinimizeSettings& settings,
                             double bound = std::numeric_limits<double>::infinity(),
                             bool informed = false) {
    return walk_with_limit(objective, settings, [&](auto&& stop) {
        return minimize_objective(
            objective, y0, settings,
            [&](const Eigen::VectorXd& y, double f, const Eigen::VectorXd& g) {
                return y.lpNorm<Eigen::Infinity>() > bound || stop(y, f, g);
            },
            informed);
    });
}

template <class Kernel>
ClvFit fit_model(ClvModel model, const FitProblem& problem,
                 const ClvFitParams& params) {
    constexpr int k = Kernel::n_params;
    const int n_threads = resolve_num_threads(params.n_jobs);
    const double weight = problem.total_weight;
    FitObjective<Kernel> objective(problem, params.penalizer, n_threads);

    Eigen::VectorXd y0(k);
    for (int j = 0; j < k; ++j)
        y0[j] = std::log(problem.start[static_cast<std::size_t>(j)]);
    MinimizeSettings settings;
    settings.max_iter = params.max_iter;
    settings.tol = params.tol;
    // Each step from the start costs a pass over every row. On many rows the optimum
    // of an evenly spread sample lies within its sampling error of the full one, from
    // where two or three Newton steps on every row finish: a million customers fit in
    // 2 full passes instead of 7 (warm_sample_rows). The sample is walked as the full
    // fit is, so data without dropout find the limit on it as cheaply; the start stays
    // where the sample fit fails or ends at that limit. Without an analytic Hessian
    // the sample's walk is informed (minimize_objective): CDNOW's Pareto/NBD sample of
    // 146 rows fits in 22 passes, against 39 with L-BFGS. A spend fit starts from its
    // moments (spend_fit_problem), as near as a sample would bring it.
    MinimizeResult result;
    int abandoned_iterations = 0;
    const std::size_t sample_rows =
        sums_summary<Kernel>::value ? 0 : warm_sample_rows<Kernel>(problem.rows.size());
    if (sample_rows > 0) {
        const FitProblem sample = strided_sample(problem, sample_rows);
        FitObjective<Kernel> sample_objective(sample, params.penalizer, n_threads);
        // A walk that leaves the bound is ended there: it cannot start the fit.
        const double bound = warm_start_bound(sample.rows.size());
        const MinimizeResult warm =
            walk_minimize(sample_objective, y0, settings, bound, true);
        if (usable_warm_start(warm, bound)) {
            if constexpr (Kernel::has_hessian) {
                y0 = warm.x;
            } else {
                // Where the data show no dropout a sample's noise may still put its
                // optimum inside, and the fit on every row then walks off along a
                // ridge (s and beta -> 0 together) where the limit is never tried; a
                // walk past ridge_bound is abandoned for the fit from the
                // start, which tries it.
                int iterations = 0;  // the stop test is asked once per iteration
                bool walked_off = false;
                result = sample_curvature_minimize(
                    objective, sample_objective, warm, settings,
                    [&](const Eigen::VectorXd& y, double, const Eigen::VectorXd&) {
                        ++iterations;
                        walked_off = y.lpNorm<Eigen::Infinity>() > ridge_bound;
                        return walked_off;
                    });
                if (walked_off) {
                    abandoned_iterations = iterations;
                    result = MinimizeResult{};
                }
            }
        }
    }
    if (result.x.size() == 0) {
        result = walk_minimize(objective, y0, settings);
        result.n_iter += abandoned_iterations;
    }

    ClvFit fit;
    fit.model = model;
    fit.n_iter = result.n_iter;
    fit.converged = result.converged;
    fit.message = result.message;
    fit.n_unique = static_cast<std::int64_t>(
        sums_summary<Kernel>::value ? problem.spend.spend.size() : problem.rows.size());
    fit.params.resize(static_cast<std::size_t>(k));
    for (int j = 0; j < k; ++j)
        fit.params[static_cast<std::size_t>(j)] =
            std::exp(result.x[j]) / problem.param_scale[static_cast<std::size_t>(j)];
    // The objective at the optimum, less the penalty, is -log L / weight in optimizer
    // units.
    double scaled_log_likelihood = 0.0;
    if (std::isfinite(result.f)) {
        double total_penalty = 0.0;
        for (int j = 0; j < k; ++j)
            total_penalty +=
                objective.penalty(static_cast<std::size_t>(j), std::exp(result.x[j]));
        scaled_log_likelihood = -(result.f - total_penalty) * weight;
    } else {
        std::array<double, k> theta{};
        for (int j = 0; j < k; ++j)
            theta[static_cast<std::size_t>(j)] = std::exp(result.x[j]);
        scaled_log_likelihood = objective.sum(Kernel(theta.data()), nullptr, nullptr);
    }
    fit.log_likelihood = scaled_log_likelihood + problem.log_likelihood_offset;
    fit.mean_log_likelihood = fit.log_likelihood / weight;
    if (params.covariance)
        fit.covariance =
            covariance_at(objective, result, weight, fit.params, Kernel::has_hessian);
    return fit;
}

// The covariance fit_model gives at the natural parameters `params` of a fit of
// `problem` with `settings`.
template <class Kernel>
RowMatrix<double> covariance_of(const FitProblem& problem,
                                const std::vector<double>& params,
                                const ClvFitParams& settings) {
    constexpr int k = Kernel::n_params;
    require_positive_params(params, static_cast<std::size_t>(k), "params");
    FitObjective<Kernel> objective(problem, settings.penalizer,
                                   resolve_num_threads(settings.n_jobs));
    MinimizeResult at;
    at.x.resize(k);
    for (int j = 0; j < k; ++j)
        at.x[j] = std::log(params[static_cast<std::size_t>(j)] *
                           problem.param_scale[static_cast<std::size_t>(j)]);
    return covariance_at(objective, at, problem.total_weight, params,
                         Kernel::has_hessian);
}

// covariance_of for the purchase models (by kernel) and for Gamma-Gamma.
RowMatrix<double> purchase_covariance(ClvModel model, const std::vector<double>& params,
                                      const PurchaseHistoryView& data,
                                      const ClvFitParams& settings);
RowMatrix<double> spend_covariance(const std::vector<double>& params,
                                   const SpendHistoryView& data,
                                   const ClvFitParams& settings);

// The typed API of a purchase model, on its Kernel. Besides the likelihood a purchase
// Kernel offers probability_alive(x, t_x, T), conditional_expected(t, x, t_x, T) and
// probability_n(t, n); the unconditional expectation is the conditional one of a
// customer just acquired (x = t_x = T = 0).
template <class Kernel>
ClvLogLikelihood purchase_log_likelihood(const std::vector<double>& params,
                                         const PurchaseHistoryView& data, int n_jobs) {
    const int n_threads = resolve_num_threads(n_jobs);
    return total_log_likelihood<Kernel>(
        params, collapsed_purchase_rows(data, n_threads), n_threads);
}

template <class Kernel>
std::vector<double> purchase_individual_log_likelihood(
    const std::vector<double>& params, const PurchaseHistoryView& data, int n_jobs) {
    const int n_threads = resolve_num_threads(n_jobs);
    PurchaseHistoryView unweighted = data;
    unweighted.weights = nullptr;
    return row_log_likelihoods(Kernel(params.data()),
                               purchase_rows(unweighted, n_threads), n_threads);
}

template <class Kernel>
std::vector<double> purchase_conditional_expected(const std::vector<double>& params,
                                                  const double* t, std::size_t n_t,
                                                  const PurchaseHistoryView& data,
                                                  int n_jobs) {
    const int n_threads = resolve_num_threads(n_jobs);
    const std::size_t n = broadcast_length(data.n, "frequency", n_t, "t");
    require(n == data.n, "t", "needs 1 value or one per customer");
    require_horizons(t, n_t);
    check_purchase_history(data, n_threads);
    const Kernel kernel(params.data());
    return parallel_map(n, n_threads, [&](std::size_t i) {
        return kernel.conditional_expected(t[n_t == 1 ? 0 : i], data.frequency[i],
                                           data.recency[i], data.T[i]);
    });
}

template <class Kernel>
std::vector<double> purchase_expected(const std::vector<double>& params,
                                      const double* t, std::size_t n_t, int n_jobs) {
    require_horizons(t, n_t);
    const Kernel kernel(params.data());
    return parallel_map(n_t, resolve_num_threads(n_jobs), [&](std::size_t i) {
        return kernel.conditional_expected(t[i], 0.0, 0.0, 0.0);
    });
}

template <class Kernel>
std::vector<double> purchase_probability_alive(const std::vector<double>& params,
                                               const PurchaseHistoryView& data,
                                               int n_jobs) {
    const int n_threads = resolve_num_threads(n_jobs);
    check_purchase_history(data, n_threads);
    const Kernel kernel(params.data());
    return parallel_map(data.n, n_threads, [&](std::size_t i) {
        return kernel.probability_alive(data.frequency[i], data.recency[i], data.T[i]);
    });
}

template <class Kernel>
std::vector<double> purchase_probability_n(const std::vector<double>& params,
                                           const double* t, std::size_t n_t,
                                           const std::int64_t* n, std::size_t n_n,
                                           int n_jobs) {
    const std::size_t length = broadcast_length(n_t, "t", n_n, "n");
    require_horizons(t, n_t);
    require_counts(n, n_n);
    const Kernel kernel(params.data());
    return parallel_map(length, resolve_num_threads(n_jobs), [&](std::size_t i) {
        return kernel.probability_n(t[n_t == 1 ? 0 : i], n[n_n == 1 ? 0 : i]);
    });
}

}  // namespace detail
}  // namespace crmmine
