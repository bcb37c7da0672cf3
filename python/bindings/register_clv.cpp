#include "prelude.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "crmmine/clv/gamma_gamma.hpp"
#include "crmmine/clv/model_fit.hpp"
#include "crmmine/clv/retention.hpp"
#include "crmmine/clv/summary.hpp"
#include "crmmine/core/error.hpp"

namespace {

// Calendar periods (months, years) come as the start of each row's period.
std::optional<crmmine::CalendarPeriods> calendar_or_none(
    const std::optional<In<std::int64_t>>& row_start, py::ssize_t n_rows,
    std::int64_t observation_end_start, std::int64_t calibration_end_start,
    double unit_ticks) {
    if (!row_start) return std::nullopt;
    if (row_start->size() != n_rows)
        throw crmmine::TypeMismatch("period_start", "needs one period start per row");
    return crmmine::CalendarPeriods{row_start->data(), observation_end_start,
                                    calibration_end_start, unit_ticks};
}

py::dict summary_to_dict(crmmine::ClvSummary&& s) {
    return py::dict("customer"_a = to_numpy(std::move(s.customer)),
                    "frequency"_a = to_numpy(std::move(s.frequency)),
                    "recency"_a = to_numpy(std::move(s.recency)),
                    "T"_a = to_numpy(std::move(s.T)),
                    "monetary_value"_a = to_numpy(std::move(s.monetary_value)),
                    "observation_end"_a = s.observation_end);
}

crmmine::ClvSummaryParams summary_params(std::int64_t period_ticks,
                                         std::int64_t period_origin,
                                         double freq_multiplier,
                                         std::optional<std::int64_t> observation_end,
                                         bool include_first_transaction, int n_jobs) {
    crmmine::ClvSummaryParams params;
    params.period_ticks = period_ticks;
    params.period_origin = period_origin;
    params.freq_multiplier = freq_multiplier;
    params.observation_end = observation_end;
    params.include_first_transaction = include_first_transaction;
    params.n_jobs = n_jobs;
    return params;
}

py::dict clv_summary(
    const In<std::int32_t>& customer, const In<std::int64_t>& time,
    const In<double>& amount, const In<std::int32_t>& invoice,
    const std::optional<In<std::uint8_t>>& invoice_cancelled, std::int32_t n_customers,
    std::int32_t n_invoices, std::int64_t period_ticks, std::int64_t period_origin,
    double freq_multiplier, std::optional<std::int64_t> observation_end,
    bool include_first_transaction, const std::optional<In<std::int64_t>>& period_start,
    std::int64_t observation_end_start, double unit_ticks, int n_jobs) {
    const auto log = transaction_log_view(customer, time, amount, invoice,
                                          invoice_cancelled, n_customers, n_invoices);
    const auto params =
        summary_params(period_ticks, period_origin, freq_multiplier, observation_end,
                       include_first_transaction, n_jobs);
    const auto calendar = calendar_or_none(period_start, customer.size(),
                                           observation_end_start, 0, unit_ticks);
    crmmine::ClvSummary summary;
    {
        py::gil_scoped_release nogil;
        summary = crmmine::clv_summary(log, params, calendar ? &*calendar : nullptr);
    }
    return summary_to_dict(std::move(summary));
}

py::dict clv_calibration_and_holdout(
    const In<std::int32_t>& customer, const In<std::int64_t>& time,
    const In<double>& amount, const In<std::int32_t>& invoice,
    const std::optional<In<std::uint8_t>>& invoice_cancelled, std::int32_t n_customers,
    std::int32_t n_invoices, std::int64_t calibration_end, std::int64_t period_ticks,
    std::int64_t period_origin, double freq_multiplier,
    std::optional<std::int64_t> observation_end, bool include_first_transaction,
    const std::optional<In<std::int64_t>>& period_start,
    std::int64_t observation_end_start, std::int64_t calibration_end_start,
    double unit_ticks, int n_jobs) {
    const auto log = transaction_log_view(customer, time, amount, invoice,
                                          invoice_cancelled, n_customers, n_invoices);
    const auto params =
        summary_params(period_ticks, period_origin, freq_multiplier, observation_end,
                       include_first_transaction, n_jobs);
    const auto calendar =
        calendar_or_none(period_start, customer.size(), observation_end_start,
                         calibration_end_start, unit_ticks);
    crmmine::CalibrationHoldout split;
    {
        py::gil_scoped_release nogil;
        split = crmmine::calibration_and_holdout(log, calibration_end, params,
                                                 calendar ? &*calendar : nullptr);
    }
    py::dict result = summary_to_dict(std::move(split.calibration));
    result["frequency_holdout"] = to_numpy(std::move(split.frequency_holdout));
    result["monetary_value_holdout"] =
        to_numpy(std::move(split.monetary_value_holdout));
    result["duration_holdout"] = split.duration_holdout;
    return result;
}

// ---- models: BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma; retention CLV ----

using OptionalArray = std::optional<In<double>>;

void require_vector(const In<double>& array, const char* argument) {
    if (array.ndim() != 1)
        throw crmmine::TypeMismatch(
            argument,
            "must be a 1-d array, got " + std::to_string(array.ndim()) + " dimensions");
}

void require_length(const In<double>& array, const char* argument, py::ssize_t n) {
    require_vector(array, argument);
    if (array.shape(0) != n)
        throw crmmine::TypeMismatch(argument, "needs one value per customer (" +
                                                  std::to_string(n) + "), got " +
                                                  std::to_string(array.shape(0)));
}

std::vector<double> to_vector(const In<double>& array, const char* argument) {
    require_vector(array, argument);
    return {array.data(), array.data() + array.size()};
}

// The customer columns of a model: frequency, recency, T (unused by Gamma-Gamma,
// whose second column is the monetary value) and optional weights.
crmmine::PurchaseHistoryView history_view(crmmine::ClvModel model, const In<double>& x,
                                          const In<double>& t_x, const OptionalArray& T,
                                          const OptionalArray& weights) {
    const bool spend = model == crmmine::ClvModel::gamma_gamma;
    require_vector(x, "frequency");
    const py::ssize_t n = x.shape(0);
    require_length(t_x, spend ? "monetary_value" : "recency", n);
    if (!spend) {
        if (!T) throw crmmine::TypeMismatch("T", "is required by the purchase models");
        require_length(*T, "T", n);
    }
    if (weights) require_length(*weights, "weights", n);
    return {x.data(), t_x.data(), spend ? nullptr : T->data(), data_or_null(weights),
            static_cast<std::size_t>(n)};
}

py::object covariance_array(const crmmine::RowMatrix<double>& covariance) {
    if (covariance.size() == 0) return py::none();
    py::array_t<double> out({covariance.rows(), covariance.cols()});
    std::copy(covariance.data(), covariance.data() + covariance.size(),
              out.mutable_data());
    return std::move(out);
}

py::dict clv_fit(const std::string& model_name, const In<double>& x,
                 const In<double>& t_x, const OptionalArray& T,
                 const OptionalArray& weights, double penalizer,
                 const OptionalArray& initial, int max_iter, double tol, int n_jobs,
                 bool covariance) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto data = history_view(model, x, t_x, T, weights);
    crmmine::ClvFitParams params;
    params.penalizer = penalizer;
    if (initial) params.initial = to_vector(*initial, "initial");
    params.max_iter = max_iter;
    params.tol = tol;
    params.n_jobs = n_jobs;
    params.covariance = covariance;
    crmmine::ClvFit fit;
    {
        py::gil_scoped_release nogil;
        fit = crmmine::clv_fit(model, data, params);
    }
    return py::dict("params"_a = to_numpy(std::move(fit.params)),
                    "log_likelihood"_a = fit.log_likelihood,
                    "mean_log_likelihood"_a = fit.mean_log_likelihood,
                    "covariance"_a = covariance_array(fit.covariance),
                    "n_iter"_a = fit.n_iter, "converged"_a = fit.converged,
                    "message"_a = fit.message, "n_unique"_a = fit.n_unique);
}

py::object clv_covariance(const std::string& model_name, const In<double>& params,
                          const In<double>& x, const In<double>& t_x,
                          const OptionalArray& T, const OptionalArray& weights,
                          double penalizer, int n_jobs) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto data = history_view(model, x, t_x, T, weights);
    const auto theta = to_vector(params, "params");
    crmmine::ClvFitParams settings;
    settings.penalizer = penalizer;
    settings.n_jobs = n_jobs;
    crmmine::RowMatrix<double> covariance;
    {
        py::gil_scoped_release nogil;
        covariance = crmmine::clv_covariance(model, theta, data, settings);
    }
    return covariance_array(covariance);
}

py::tuple clv_log_likelihood(const std::string& model_name, const In<double>& params,
                             const In<double>& x, const In<double>& t_x,
                             const OptionalArray& T, const OptionalArray& weights,
                             int n_jobs) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto data = history_view(model, x, t_x, T, weights);
    const auto theta = to_vector(params, "params");
    crmmine::ClvLogLikelihood result;
    {
        py::gil_scoped_release nogil;
        result = crmmine::clv_log_likelihood(model, theta, data, n_jobs);
    }
    return py::make_tuple(result.total, to_numpy(std::move(result.gradient)));
}

py::array_t<double> clv_individual_log_likelihood(const std::string& model_name,
                                                  const In<double>& params,
                                                  const In<double>& x,
                                                  const In<double>& t_x,
                                                  const OptionalArray& T, int n_jobs) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto data = history_view(model, x, t_x, T, std::nullopt);
    const auto theta = to_vector(params, "params");
    std::vector<double> out;
    {
        py::gil_scoped_release nogil;
        out = crmmine::clv_individual_log_likelihood(model, theta, data, n_jobs);
    }
    return to_numpy(std::move(out));
}

py::array_t<double> clv_conditional_expected_purchases(
    const std::string& model_name, const In<double>& params, const In<double>& t,
    const In<double>& x, const In<double>& t_x, const OptionalArray& T, int n_jobs) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto data = history_view(model, x, t_x, T, std::nullopt);
    const auto theta = to_vector(params, "params");
    require_vector(t, "t");
    std::vector<double> out;
    {
        py::gil_scoped_release nogil;
        out = crmmine::clv_conditional_expected_purchases(
            model, theta, t.data(), static_cast<std::size_t>(t.size()), data, n_jobs);
    }
    return to_numpy(std::move(out));
}

py::array_t<double> clv_expected_purchases(const std::string& model_name,
                                           const In<double>& params,
                                           const In<double>& t, int n_jobs) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto theta = to_vector(params, "params");
    require_vector(t, "t");
    std::vector<double> out;
    {
        py::gil_scoped_release nogil;
        out = crmmine::clv_expected_purchases(
            model, theta, t.data(), static_cast<std::size_t>(t.size()), n_jobs);
    }
    return to_numpy(std::move(out));
}

py::array_t<double> clv_probability_alive(const std::string& model_name,
                                          const In<double>& params, const In<double>& x,
                                          const In<double>& t_x, const OptionalArray& T,
                                          int n_jobs) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto data = history_view(model, x, t_x, T, std::nullopt);
    const auto theta = to_vector(params, "params");
    std::vector<double> out;
    {
        py::gil_scoped_release nogil;
        out = crmmine::clv_probability_alive(model, theta, data, n_jobs);
    }
    return to_numpy(std::move(out));
}

py::array_t<double> clv_probability_n_purchases(const std::string& model_name,
                                                const In<double>& params,
                                                const In<double>& t,
                                                const In<std::int64_t>& n, int n_jobs) {
    const crmmine::ClvModel model = crmmine::clv_model_from_name(model_name);
    const auto theta = to_vector(params, "params");
    require_vector(t, "t");
    if (n.ndim() != 1) throw crmmine::TypeMismatch("n", "must be a 1-d array");
    std::vector<double> out;
    {
        py::gil_scoped_release nogil;
        out = crmmine::clv_probability_n_purchases(
            model, theta, t.data(), static_cast<std::size_t>(t.size()), n.data(),
            static_cast<std::size_t>(n.size()), n_jobs);
    }
    return to_numpy(std::move(out));
}

py::array_t<double> clv_expected_average_spend(const In<double>& params,
                                               const In<double>& frequency,
                                               const In<double>& monetary_value,
                                               int n_jobs) {
    const auto model = crmmine::GammaGamma::from_params(to_vector(params, "params"));
    require_vector(frequency, "frequency");
    require_length(monetary_value, "monetary_value", frequency.shape(0));
    const crmmine::SpendHistoryView data{frequency.data(), monetary_value.data(),
                                         nullptr,
                                         static_cast<std::size_t>(frequency.size())};
    std::vector<double> out;
    {
        py::gil_scoped_release nogil;
        out = crmmine::conditional_expected_average_profit(model, data, n_jobs);
    }
    return to_numpy(std::move(out));
}

py::array_t<double> retention_clv(const In<double>& margin, const In<double>& retention,
                                  double discount_rate, std::int64_t horizon) {
    require_vector(margin, "margin");
    require_vector(retention, "retention");
    std::vector<double> out;
    {
        py::gil_scoped_release nogil;
        out = crmmine::retention_clv(
            margin.data(), static_cast<std::size_t>(margin.size()), retention.data(),
            static_cast<std::size_t>(retention.size()), discount_rate, horizon);
    }
    return to_numpy(std::move(out));
}

}  // namespace

void register_clv(py::module_& m) {
    m.def("clv_summary", &clv_summary, "customer"_a, "time"_a, "amount"_a, "invoice"_a,
          "invoice_cancelled"_a, "n_customers"_a, "n_invoices"_a, "period_ticks"_a,
          "period_origin"_a, "freq_multiplier"_a, "observation_end"_a,
          "include_first_transaction"_a, "period_start"_a, "observation_end_start"_a,
          "unit_ticks"_a, "n_jobs"_a);
    m.def("clv_calibration_and_holdout", &clv_calibration_and_holdout, "customer"_a,
          "time"_a, "amount"_a, "invoice"_a, "invoice_cancelled"_a, "n_customers"_a,
          "n_invoices"_a, "calibration_end"_a, "period_ticks"_a, "period_origin"_a,
          "freq_multiplier"_a, "observation_end"_a, "include_first_transaction"_a,
          "period_start"_a, "observation_end_start"_a, "calibration_end_start"_a,
          "unit_ticks"_a, "n_jobs"_a);
    m.def("clv_fit", &clv_fit, "model"_a, "x"_a, "t_x"_a, "T"_a, "weights"_a,
          "penalizer"_a, "initial"_a, "max_iter"_a, "tol"_a, "n_jobs"_a,
          "covariance"_a = true);
    m.def("clv_covariance", &clv_covariance, "model"_a, "params"_a, "x"_a, "t_x"_a,
          "T"_a, "weights"_a, "penalizer"_a, "n_jobs"_a);
    m.def("clv_log_likelihood", &clv_log_likelihood, "model"_a, "params"_a, "x"_a,
          "t_x"_a, "T"_a, "weights"_a, "n_jobs"_a);
    m.def("clv_individual_log_likelihood", &clv_individual_log_likelihood, "model"_a,
          "params"_a, "x"_a, "t_x"_a, "T"_a, "n_jobs"_a);
    m.def("clv_conditional_expected_purchases", &clv_conditional_expected_purchases,
          "model"_a, "params"_a, "t"_a, "x"_a, "t_x"_a, "T"_a, "n_jobs"_a);
    m.def("clv_expected_purchases", &clv_expected_purchases, "model"_a, "params"_a,
          "t"_a, "n_jobs"_a = 0);
    m.def("clv_probability_alive", &clv_probability_alive, "model"_a, "params"_a, "x"_a,
          "t_x"_a, "T"_a, "n_jobs"_a);
    m.def("clv_probability_n_purchases", &clv_probability_n_purchases, "model"_a,
          "params"_a, "t"_a, "n"_a, "n_jobs"_a);
    m.def("clv_expected_average_spend", &clv_expected_average_spend, "params"_a,
          "frequency"_a, "monetary_value"_a, "n_jobs"_a);
    m.def("retention_clv", &retention_clv, "margin"_a, "retention"_a, "discount_rate"_a,
          "horizon"_a);
}
