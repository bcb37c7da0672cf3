#include "crmmine/clv/gamma_gamma.hpp"

#include <cmath>
#include <limits>

#include "crmmine/clv/detail/gamma_gamma_kernel.hpp"
#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/special_functions.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {

GammaGamma GammaGamma::from_params(const std::vector<double>& params) {
    detail::require_positive_params(params, 3, "params");
    return {params[0], params[1], params[2]};
}

void GammaGamma::validate() const {
    detail::require_positive_params(params(), 3, "params");
}

ClvFit gamma_gamma_fit(const SpendHistoryView& data, const ClvFitParams& params) {
    const int n_threads = resolve_num_threads(params.n_jobs);
    return detail::fit_model<detail::GammaGammaKernel>(
        ClvModel::gamma_gamma, detail::spend_fit_problem(data, params, n_threads),
        params);
}

namespace detail {

RowMatrix<double> spend_covariance(const std::vector<double>& params,
                                   const SpendHistoryView& data,
                                   const ClvFitParams& settings) {
    return covariance_of<GammaGammaKernel>(
        spend_fit_problem(data, settings, resolve_num_threads(settings.n_jobs)), params,
        settings);
}

}  // namespace detail

ClvLogLikelihood log_likelihood(const GammaGamma& model, const SpendHistoryView& data,
                                int n_jobs) {
    model.validate();
    const int n_threads = resolve_num_threads(n_jobs);
    const auto rows = detail::collapsed_spend_rows(data, n_threads);
    return detail::total_log_likelihood<detail::GammaGammaKernel>(model.params(), rows,
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
    return detail::row_log_likelihoods(
        detail::GammaGammaKernel(params.data()),
        detail::spend_rows(unweighted, detail::SpendUse::repeat_buyer, n_threads),
        n_threads);
}

std::vector<double> conditional_expected_average_profit(const GammaGamma& model,
                                                        const SpendHistoryView& data,
                                                        int n_jobs) {
    model.validate();
    const int n_threads = resolve_num_threads(n_jobs);
    SpendHistoryView unweighted = data;
    unweighted.weights = nullptr;
    detail::check_spend_history(unweighted, n_threads);
    return detail::parallel_map(data.n, n_threads, [&](std::size_t i) {
        const double x = data.frequency[i], m = data.monetary_value[i];
        const double denominator = model.p * x + model.q - 1.0;
        if (!(denominator > 0.0)) return std::numeric_limits<double>::infinity();
        return model.p * (model.v + x * m) / denominator;
    });
}

}  // namespace crmmine
