#include "crmmine/clv/gamma_gamma.hpp"

#include <cmath>
#include <limits>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/special_functions.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace {

// Fader & Hardie (2013), eq. (1a) in logs, for a customer with x >= 1 repeat
// purchases of mean value m (row.t_x; row.T holds log m):
//   log Gamma(px + q) - log Gamma(px) - log Gamma(q) + q log v + (px - 1) log m
//   + px log x - (px + q) log(x m + v).
struct GammaGammaKernel {
    static constexpr int n_params = 3;
    double p, q, v, log_v, log_gamma_q;

    explicit GammaGammaKernel(const double* params)
        : p(params[0]),
          q(params[1]),
          v(params[2]),
          log_v(std::log(params[2])),
          log_gamma_q(detail::log_gamma(params[1])) {}

    struct XTerms {
        double px = 0.0, log_x = 0.0;
        double log_ratio = 0.0;   // log Gamma(px + q) - log Gamma(px)
        double digamma_px = 0.0;  // digamma(px + q) - digamma(px)
        double digamma_q = 0.0;   // digamma(px + q) - digamma(q)
    };

    XTerms x_terms(double x, bool gradient) const {
        XTerms terms;
        terms.px = p * x;
        terms.log_x = std::log(x);
        terms.log_ratio = detail::log_gamma_ratio(terms.px, q);
        if (gradient) {
            terms.digamma_px = detail::digamma_difference(terms.px, q);
            terms.digamma_q = detail::digamma_difference(q, terms.px);
        }
        return terms;
    }

    double log_likelihood(const XTerms& terms, const detail::CustomerRow& row,
                          double* g) const {
        const double x = row.x, m = row.t_x, log_m = row.T;
        const double px = terms.px;
        const double log_total = std::log(x * m + v);
        if (g != nullptr) {
            g[0] = x * (terms.digamma_px + log_m + terms.log_x - log_total);
            g[1] = terms.digamma_q + log_v - log_total;
            g[2] = q / v - (px + q) / (x * m + v);
        }
        return terms.log_ratio - log_gamma_q + q * log_v + (px - 1.0) * log_m +
               px * terms.log_x - (px + q) * log_total;
    }
};

}  // namespace

GammaGamma GammaGamma::from_params(const std::vector<double>& params) {
    detail::require_positive_params(params, 3, "params");
    return {params[0], params[1], params[2]};
}

void GammaGamma::validate() const {
    detail::require_positive_params(params(), 3, "params");
}

ClvFit gamma_gamma_fit(const SpendHistoryView& data, const ClvFitParams& params) {
    const int n_threads = resolve_num_threads(params.n_jobs);
    return detail::fit_model<GammaGammaKernel>(
        ClvModel::gamma_gamma, detail::spend_fit_problem(data, params, n_threads),
        params);
}

ClvLogLikelihood log_likelihood(const GammaGamma& model, const SpendHistoryView& data,
                                int n_jobs) {
    model.validate();
    const int n_threads = resolve_num_threads(n_jobs);
    const auto rows =
        detail::collapse_rows(detail::spend_rows(data, true, n_threads), n_threads);
    return detail::total_log_likelihood<GammaGammaKernel>(model.params(), rows,
                                                          n_threads);
}

std::vector<double> individual_log_likelihood(const GammaGamma& model,
                                              const SpendHistoryView& data,
                                              int n_jobs) {
    model.validate();
    const int n_threads = resolve_num_threads(n_jobs);
    SpendHistoryView unweighted = data;
    unweighted.weights = nullptr;
    const auto params = model.params();
    return detail::row_log_likelihoods(GammaGammaKernel(params.data()),
                                       detail::spend_rows(unweighted, true, n_threads),
                                       n_threads);
}

std::vector<double> conditional_expected_average_profit(const GammaGamma& model,
                                                        const SpendHistoryView& data,
                                                        int n_jobs) {
    model.validate();
    const int n_threads = resolve_num_threads(n_jobs);
    SpendHistoryView unweighted = data;
    unweighted.weights = nullptr;
    // Validation only; the values are read from the view.
    (void)detail::spend_rows(unweighted, false, n_threads);
    return detail::parallel_map(data.n, n_threads, [&](std::size_t i) {
        const double x = data.frequency[i], m = data.monetary_value[i];
        const double denominator = model.p * x + model.q - 1.0;
        if (!(denominator > 0.0)) return std::numeric_limits<double>::infinity();
        return model.p * (model.v + x * m) / denominator;
    });
}

}  // namespace crmmine
