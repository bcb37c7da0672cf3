#include "crmmine/clv/modified_bg_nbd.hpp"

#include "crmmine/clv/detail/bg_nbd_kernel.hpp"
#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace {

using Kernel = detail::BgNbdKernel<true>;

}  // namespace

ModifiedBgNbd ModifiedBgNbd::from_params(const std::vector<double>& params) {
    detail::require_positive_params(params, 4, "params");
    return {params[0], params[1], params[2], params[3]};
}

void ModifiedBgNbd::validate() const {
    detail::require_positive_params(params(), 4, "params");
}

ClvFit modified_bg_nbd_fit(const PurchaseHistoryView& data,
                           const ClvFitParams& params) {
    const int n_threads = resolve_num_threads(params.n_jobs);
    return detail::fit_model<Kernel>(
        ClvModel::modified_bg_nbd,
        detail::purchase_fit_problem(ClvModel::modified_bg_nbd, data, params,
                                     n_threads),
        params);
}

ClvLogLikelihood log_likelihood(const ModifiedBgNbd& model,
                                const PurchaseHistoryView& data, int n_jobs) {
    model.validate();
    return detail::purchase_log_likelihood<Kernel>(model.params(), data, n_jobs);
}

std::vector<double> individual_log_likelihood(const ModifiedBgNbd& model,
                                              const PurchaseHistoryView& data,
                                              int n_jobs) {
    model.validate();
    return detail::purchase_individual_log_likelihood<Kernel>(model.params(), data,
                                                              n_jobs);
}

std::vector<double> conditional_expected_number_of_purchases_up_to_time(
    const ModifiedBgNbd& model, const double* t, std::size_t n_t,
    const PurchaseHistoryView& data, int n_jobs) {
    model.validate();
    return detail::purchase_conditional_expected<Kernel>(model.params(), t, n_t, data,
                                                         n_jobs);
}

std::vector<double> expected_number_of_purchases_up_to_time(const ModifiedBgNbd& model,
                                                            const double* t,
                                                            std::size_t n_t,
                                                            int n_jobs) {
    model.validate();
    return detail::purchase_expected<Kernel>(model.params(), t, n_t, n_jobs);
}

std::vector<double> conditional_probability_alive(const ModifiedBgNbd& model,
                                                  const PurchaseHistoryView& data,
                                                  int n_jobs) {
    model.validate();
    return detail::purchase_probability_alive<Kernel>(model.params(), data, n_jobs);
}

std::vector<double> probability_of_n_purchases_up_to_time(const ModifiedBgNbd& model,
                                                          const double* t,
                                                          std::size_t n_t,
                                                          const std::int64_t* n,
                                                          std::size_t n_n, int n_jobs) {
    model.validate();
    return detail::purchase_probability_n<Kernel>(model.params(), t, n_t, n, n_n,
                                                  n_jobs);
}

}  // namespace crmmine
