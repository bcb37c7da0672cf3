#include "prelude.hpp"

#include <optional>
#include <string>

#include "crmmine/churn/churn_features.hpp"
#include "crmmine/churn/logistic_regression.hpp"
#include "crmmine/churn/metrics.hpp"
#include "crmmine/core/error.hpp"

namespace {

void check_length(py::ssize_t size, py::ssize_t expected, const char* argument) {
    if (size != expected)
        throw crmmine::TypeMismatch(argument, "needs one value per row of y_true (" +
                                                  std::to_string(expected) + "), got " +
                                                  std::to_string(size));
}

// The arrays of a metric call as a view; the arrays stay alive for the call.
crmmine::ScoredSamples scored(const std::optional<In<std::uint8_t>>& y_true,
                              const In<double>& y_score,
                              const std::optional<In<double>>& sample_weight) {
    const py::ssize_t n = y_score.size();
    if (y_true) check_length(y_true->size(), n, "y_true");
    if (sample_weight) check_length(sample_weight->size(), n, "sample_weight");
    return {data_or_null(y_true), y_score.data(), data_or_null(sample_weight),
            static_cast<std::size_t>(n)};
}

double roc_auc_score(const In<std::uint8_t>& y_true, const In<double>& y_score,
                     const std::optional<In<double>>& sample_weight, double max_fpr,
                     int n_jobs) {
    const auto samples = scored(y_true, y_score, sample_weight);
    py::gil_scoped_release nogil;
    return crmmine::roc_auc_score(samples, max_fpr, n_jobs);
}

double average_precision_score(const In<std::uint8_t>& y_true,
                               const In<double>& y_score,
                               const std::optional<In<double>>& sample_weight,
                               int n_jobs) {
    const auto samples = scored(y_true, y_score, sample_weight);
    py::gil_scoped_release nogil;
    return crmmine::average_precision_score(samples, n_jobs);
}

double log_loss(const In<std::uint8_t>& y_true, const In<double>& y_proba,
                const std::optional<In<double>>& sample_weight, double eps,
                bool normalize, int n_jobs) {
    const auto samples = scored(y_true, y_proba, sample_weight);
    py::gil_scoped_release nogil;
    return crmmine::log_loss(samples, eps, normalize, n_jobs);
}

double brier_score_loss(const In<std::uint8_t>& y_true, const In<double>& y_proba,
                        const std::optional<In<double>>& sample_weight, int n_jobs) {
    const auto samples = scored(y_true, y_proba, sample_weight);
    py::gil_scoped_release nogil;
    return crmmine::brier_score_loss(samples, n_jobs);
}

py::tuple confusion_at_threshold(const In<std::uint8_t>& y_true,
                                 const In<double>& y_score,
                                 const std::optional<In<double>>& sample_weight,
                                 double threshold, int n_jobs) {
    const auto samples = scored(y_true, y_score, sample_weight);
    crmmine::BinaryConfusion counts;
    {
        py::gil_scoped_release nogil;
        counts = crmmine::confusion_at_threshold(samples, threshold, n_jobs);
    }
    return py::make_tuple(counts.tn, counts.fp, counts.fn, counts.tp);
}

py::array_t<double> confusion_matrix(const In<std::int32_t>& y_true,
                                     const In<std::int32_t>& y_pred,
                                     const std::optional<In<double>>& sample_weight,
                                     std::int32_t n_labels, int n_jobs) {
    check_length(y_pred.size(), y_true.size(), "y_pred");
    if (sample_weight)
        check_length(sample_weight->size(), y_true.size(), "sample_weight");
    std::vector<double> cells;
    {
        py::gil_scoped_release nogil;
        cells = crmmine::confusion_matrix(
            y_true.data(), y_pred.data(), data_or_null(sample_weight),
            static_cast<std::size_t>(y_true.size()), n_labels, n_jobs);
    }
    return to_numpy(std::move(cells)).reshape({n_labels, n_labels});
}

py::dict lift_bins(const In<std::uint8_t>& y_true, const In<double>& y_score,
                   int n_bins, int n_jobs) {
    const auto samples = scored(y_true, y_score, std::nullopt);
    crmmine::LiftBins bins;
    {
        py::gil_scoped_release nogil;
        bins = crmmine::lift_bins(samples, n_bins, n_jobs);
    }
    return py::dict("customers"_a = to_numpy(std::move(bins.customers)),
                    "responders"_a = to_numpy(std::move(bins.responders)),
                    "max_score"_a = to_numpy(std::move(bins.max_score)),
                    "min_score"_a = to_numpy(std::move(bins.min_score)));
}

py::dict profit_curve(const std::optional<In<std::uint8_t>>& y_true,
                      const In<double>& y_score, double cost_per_contact,
                      double value_saved, double acceptance_rate, bool expected,
                      std::size_t n_points, int n_jobs) {
    const auto samples = scored(y_true, y_score, std::nullopt);
    crmmine::ProfitParams params;
    params.cost_per_contact = cost_per_contact;
    params.value_saved = value_saved;
    params.acceptance_rate = acceptance_rate;
    params.expected = expected;
    params.n_points = n_points;
    params.n_jobs = n_jobs;
    crmmine::ProfitCurve curve;
    {
        py::gil_scoped_release nogil;
        curve = crmmine::profit_curve(samples, params);
    }
    return py::dict("contacted"_a = to_numpy(std::move(curve.contacted)),
                    "threshold"_a = to_numpy(std::move(curve.threshold)),
                    "churners"_a = to_numpy(std::move(curve.churners)),
                    "profit"_a = to_numpy(std::move(curve.profit)),
                    "best_contacted"_a = curve.best_contacted,
                    "best_profit"_a = curve.best_profit,
                    "best_threshold"_a = curve.best_threshold);
}

py::dict churn_features(const In<std::int32_t>& customer, const In<std::int64_t>& time,
                        const In<double>& amount, const In<std::int32_t>& invoice,
                        const std::optional<In<std::uint8_t>>& invoice_cancelled,
                        const std::optional<In<double>>& quantity,
                        std::int32_t n_customers, std::int32_t n_invoices,
                        std::int64_t cutoff, std::int64_t horizon,
                        std::int64_t ticks_per_day, bool net_returns, int n_jobs) {
    if (quantity && quantity->size() != customer.size())
        throw crmmine::TypeMismatch("quantity", "needs one value per row of the log");
    const crmmine::TransactionLogView log = transaction_log_view(
        customer, time, amount, invoice, invoice_cancelled, n_customers, n_invoices);
    crmmine::ChurnFeatureParams params;
    params.cutoff = cutoff;
    params.horizon = horizon;
    params.ticks_per_day = ticks_per_day;
    params.net_returns = net_returns;
    params.n_jobs = n_jobs;
    crmmine::ChurnFeatures table;
    {
        py::gil_scoped_release nogil;
        table = crmmine::churn_features(log, params, data_or_null(quantity));
    }
    py::dict columns("customer"_a = to_numpy(std::move(table.customer)),
                     "recency_days"_a = to_numpy(std::move(table.recency_days)),
                     "frequency"_a = to_numpy(std::move(table.frequency)),
                     "monetary"_a = to_numpy(std::move(table.monetary)),
                     "avg_basket_value"_a = to_numpy(std::move(table.avg_basket_value)),
                     "tenure_days"_a = to_numpy(std::move(table.tenure_days)),
                     "gap_mean_days"_a = to_numpy(std::move(table.gap_mean_days)),
                     "gap_trend"_a = to_numpy(std::move(table.gap_trend)),
                     "spend_trend"_a = to_numpy(std::move(table.spend_trend)),
                     "churned"_a = to_numpy(std::move(table.churned)));
    if (quantity)
        columns["avg_basket_size"] = to_numpy(std::move(table.avg_basket_size));
    return columns;
}

crmmine::LogisticPenalty logistic_penalty(const std::string& name) {
    using crmmine::LogisticPenalty;
    return enum_from_name<LogisticPenalty>(name, "penalty",
                                           {{"l2", LogisticPenalty::l2},
                                            {"l1", LogisticPenalty::l1},
                                            {"elasticnet", LogisticPenalty::elasticnet},
                                            {"none", LogisticPenalty::none}});
}

crmmine::LogisticSolver logistic_solver(const std::string& name) {
    using crmmine::LogisticSolver;
    return enum_from_name<LogisticSolver>(name, "solver",
                                          {{"auto", LogisticSolver::automatic},
                                           {"lbfgs", LogisticSolver::lbfgs},
                                           {"newton", LogisticSolver::newton}});
}

py::dict logistic_regression_fit(const In<double>& X, const In<std::uint8_t>& y,
                                 const std::optional<In<double>>& sample_weight,
                                 const std::string& penalty, double C, double l1_ratio,
                                 bool fit_intercept, double class_weight_0,
                                 double class_weight_1, bool balanced,
                                 const std::string& solver, int max_iter, double tol,
                                 int n_jobs) {
    if (X.ndim() != 2) throw crmmine::TypeMismatch("X", "must be 2-dimensional");
    check_length(y.size(), X.shape(0), "y");
    if (sample_weight) check_length(sample_weight->size(), X.shape(0), "sample_weight");
    crmmine::LogisticRegressionParams params;
    params.penalty = logistic_penalty(penalty);
    params.C = C;
    params.l1_ratio = l1_ratio;
    params.fit_intercept = fit_intercept;
    params.class_weight = {class_weight_0, class_weight_1};
    params.balanced = balanced;
    params.solver = logistic_solver(solver);
    params.max_iter = max_iter;
    params.tol = tol;
    params.n_jobs = n_jobs;
    const Eigen::Map<const crmmine::RowMatrix<double>> matrix(X.data(), X.shape(0),
                                                              X.shape(1));
    crmmine::LogisticRegressionModel model;
    {
        py::gil_scoped_release nogil;
        model = crmmine::fit(matrix, y.data(), data_or_null(sample_weight), params);
    }
    return py::dict("coef"_a = to_numpy(std::move(model.coef)),
                    "intercept"_a = model.intercept, "n_iter"_a = model.n_iter,
                    "converged"_a = model.converged, "objective"_a = model.objective);
}

crmmine::LogisticRegressionModel logistic_model(const In<double>& X,
                                                const In<double>& coef,
                                                double intercept) {
    if (X.ndim() != 2) throw crmmine::TypeMismatch("X", "must be 2-dimensional");
    crmmine::LogisticRegressionModel model;
    model.coef.assign(coef.data(), coef.data() + coef.size());
    model.intercept = intercept;
    return model;
}

// Log-odds (n,) or, with proba, both class probabilities (n, 2).
py::array_t<double> logistic_decision_function(const In<double>& X,
                                               const In<double>& coef, double intercept,
                                               bool proba, int n_jobs) {
    const crmmine::LogisticRegressionModel model = logistic_model(X, coef, intercept);
    const Eigen::Map<const crmmine::RowMatrix<double>> matrix(X.data(), X.shape(0),
                                                              X.shape(1));
    if (!proba) {
        std::vector<double> out;
        {
            py::gil_scoped_release nogil;
            out = model.decision_function(matrix, n_jobs);
        }
        return to_numpy(std::move(out));
    }
    py::array_t<double> both = output_array<double>({X.shape(0), 2});
    double* cells = both.mutable_data();
    {
        py::gil_scoped_release nogil;
        model.predict_proba(matrix, cells, n_jobs);
    }
    return both;
}

py::tuple logistic_objective(const In<double>& X, const In<std::uint8_t>& y,
                             const std::optional<In<double>>& sample_weight,
                             const std::string& penalty, double C, double l1_ratio,
                             const In<double>& coef, double intercept, int n_jobs) {
    if (X.ndim() != 2) throw crmmine::TypeMismatch("X", "must be 2-dimensional");
    check_length(y.size(), X.shape(0), "y");
    if (sample_weight) check_length(sample_weight->size(), X.shape(0), "sample_weight");
    crmmine::LogisticRegressionParams params;
    params.penalty = logistic_penalty(penalty);
    params.C = C;
    params.l1_ratio = l1_ratio;
    params.n_jobs = n_jobs;
    const Eigen::Map<const crmmine::RowMatrix<double>> matrix(X.data(), X.shape(0),
                                                              X.shape(1));
    const std::vector<double> w(coef.data(), coef.data() + coef.size());
    std::vector<double> gradient;
    double value = 0.0;
    {
        py::gil_scoped_release nogil;
        value =
            crmmine::logistic_objective(matrix, y.data(), data_or_null(sample_weight),
                                        params, w, intercept, &gradient);
    }
    return py::make_tuple(value, to_numpy(std::move(gradient)));
}

}  // namespace

void register_churn(py::module_& m) {
    m.def("roc_auc_score", &roc_auc_score, "y_true"_a, "y_score"_a, "sample_weight"_a,
          "max_fpr"_a, "n_jobs"_a);
    m.def("average_precision_score", &average_precision_score, "y_true"_a, "y_score"_a,
          "sample_weight"_a, "n_jobs"_a);
    m.def("log_loss", &log_loss, "y_true"_a, "y_proba"_a, "sample_weight"_a, "eps"_a,
          "normalize"_a, "n_jobs"_a);
    m.def("brier_score_loss", &brier_score_loss, "y_true"_a, "y_proba"_a,
          "sample_weight"_a, "n_jobs"_a);
    m.def("confusion_at_threshold", &confusion_at_threshold, "y_true"_a, "y_score"_a,
          "sample_weight"_a, "threshold"_a, "n_jobs"_a);
    m.def("confusion_matrix", &confusion_matrix, "y_true"_a, "y_pred"_a,
          "sample_weight"_a, "n_labels"_a, "n_jobs"_a);
    m.def("lift_bins", &lift_bins, "y_true"_a, "y_score"_a, "n_bins"_a, "n_jobs"_a);
    m.def("profit_curve", &profit_curve, "y_true"_a, "y_score"_a, "cost_per_contact"_a,
          "value_saved"_a, "acceptance_rate"_a, "expected"_a, "n_points"_a, "n_jobs"_a);
    m.def("churn_features", &churn_features, "customer"_a, "time"_a, "amount"_a,
          "invoice"_a, "invoice_cancelled"_a, "quantity"_a, "n_customers"_a,
          "n_invoices"_a, "cutoff"_a, "horizon"_a, "ticks_per_day"_a, "net_returns"_a,
          "n_jobs"_a);
    m.def("logistic_regression_fit", &logistic_regression_fit, "X"_a, "y"_a,
          "sample_weight"_a, "penalty"_a, "C"_a, "l1_ratio"_a, "fit_intercept"_a,
          "class_weight_0"_a, "class_weight_1"_a, "balanced"_a, "solver"_a,
          "max_iter"_a, "tol"_a, "n_jobs"_a);
    m.def("logistic_decision_function", &logistic_decision_function, "X"_a, "coef"_a,
          "intercept"_a, "proba"_a, "n_jobs"_a);
    m.def("logistic_objective", &logistic_objective, "X"_a, "y"_a, "sample_weight"_a,
          "penalty"_a, "C"_a, "l1_ratio"_a, "coef"_a, "intercept"_a, "n_jobs"_a);
}
