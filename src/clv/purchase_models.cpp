// The entry points of the three purchase-process models (BG/NBD, modified BG/NBD,
// Pareto/NBD). They differ only in the likelihood kernel, so one definition serves all
// three; the typed overloads stay in each model's header.
#include "crmmine/clv/bg_nbd.hpp"
#include "crmmine/clv/detail/bg_nbd_kernel.hpp"
#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/clv/detail/pareto_nbd_kernel.hpp"
#include "crmmine/clv/modified_bg_nbd.hpp"
#include "crmmine/clv/pareto_nbd.hpp"
#include "crmmine/core/parallel.hpp"

// clang-format off
#define CRMMINE_DEFINE_PURCHASE_MODEL(Model, Kernel, model_id, fit_name)                 \
    Model Model::from_params(const std::vector<double>& params) {                        \
        detail::require_positive_params(params, 4, "params");                            \
        return {params[0], params[1], params[2], params[3]};                             \
    }                                                                                    \
    void Model::validate() const { detail::require_positive_params(params(), 4, "params"); } \
    ClvFit fit_name(const PurchaseHistoryView& data, const ClvFitParams& params) {       \
        const int n_threads = resolve_num_threads(params.n_jobs);                        \
        return detail::fit_model<Kernel>(                                                \
            model_id, detail::purchase_fit_problem(model_id, data, params, n_threads),   \
            params);                                                                     \
    }                                                                                    \
    ClvLogLikelihood log_likelihood(const Model& model, const PurchaseHistoryView& data, \
                                    int n_jobs) {                                        \
        model.validate();                                                                \
        return detail::purchase_log_likelihood<Kernel>(model.params(), data, n_jobs);    \
    }                                                                                    \
    std::vector<double> individual_log_likelihood(                                       \
        const Model& model, const PurchaseHistoryView& data, int n_jobs) {               \
        model.validate();                                                                \
        return detail::purchase_individual_log_likelihood<Kernel>(model.params(), data,  \
                                                                  n_jobs);               \
    }                                                                                    \
    std::vector<double> conditional_expected_number_of_purchases_up_to_time(             \
        const Model& model, const double* t, std::size_t n_t,                            \
        const PurchaseHistoryView& data, int n_jobs) {                                   \
        model.validate();                                                                \
        return detail::purchase_conditional_expected<Kernel>(model.params(), t, n_t,     \
                                                             data, n_jobs);              \
    }                                                                                    \
    std::vector<double> expected_number_of_purchases_up_to_time(                         \
        const Model& model, const double* t, std::size_t n_t, int n_jobs) {              \
        model.validate();                                                                \
        return detail::purchase_expected<Kernel>(model.params(), t, n_t, n_jobs);        \
    }                                                                                    \
    std::vector<double> conditional_probability_alive(                                   \
        const Model& model, const PurchaseHistoryView& data, int n_jobs) {               \
        model.validate();                                                                \
        return detail::purchase_probability_alive<Kernel>(model.params(), data, n_jobs); \
    }                                                                                    \
    std::vector<double> probability_of_n_purchases_up_to_time(                           \
        const Model& model, const double* t, std::size_t n_t, const std::int64_t* n,     \
        std::size_t n_n, int n_jobs) {                                                   \
        model.validate();                                                                \
        return detail::purchase_probability_n<Kernel>(model.params(), t, n_t, n, n_n,    \
                                                      n_jobs);                           \
    }
// clang-format on

namespace crmmine {

CRMMINE_DEFINE_PURCHASE_MODEL(BgNbd, detail::BgNbdKernel<false>, ClvModel::bg_nbd,
                              bg_nbd_fit)
CRMMINE_DEFINE_PURCHASE_MODEL(ModifiedBgNbd, detail::BgNbdKernel<true>,
                              ClvModel::modified_bg_nbd, modified_bg_nbd_fit)
CRMMINE_DEFINE_PURCHASE_MODEL(ParetoNbd, detail::ParetoNbdKernel, ClvModel::pareto_nbd,
                              pareto_nbd_fit)

namespace detail {

RowMatrix<double> purchase_covariance(ClvModel model, const std::vector<double>& params,
                                      const PurchaseHistoryView& data,
                                      const ClvFitParams& settings) {
    const FitProblem problem = purchase_fit_problem(
        model, data, settings, resolve_num_threads(settings.n_jobs));
    switch (model) {
        case ClvModel::modified_bg_nbd:
            return covariance_of<BgNbdKernel<true>>(problem, params, settings);
        case ClvModel::pareto_nbd:
            return covariance_of<ParetoNbdKernel>(problem, params, settings);
        case ClvModel::bg_nbd:
        case ClvModel::gamma_gamma:
            break;
    }
    return covariance_of<BgNbdKernel<false>>(problem, params, settings);
}

}  // namespace detail
}  // namespace crmmine

#undef CRMMINE_DEFINE_PURCHASE_MODEL
