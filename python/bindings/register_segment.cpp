#include "prelude.hpp"

#include <optional>
#include <string>

#include "crmmine/core/error.hpp"
#include "crmmine/core/matrix.hpp"
#include "crmmine/segment/kmeans.hpp"
#include "crmmine/segment/rfm.hpp"

namespace {

crmmine::Monetary monetary_from_name(const std::string& name) {
    if (name == "total") return crmmine::Monetary::total;
    if (name == "mean") return crmmine::Monetary::mean;
    throw crmmine::InvalidArgument("monetary",
                                   "must be 'total' or 'mean', got '" + name + "'");
}

crmmine::Returns returns_from_name(const std::string& name) {
    if (name == "exclude") return crmmine::Returns::exclude;
    if (name == "net") return crmmine::Returns::net;
    throw crmmine::InvalidArgument("returns",
                                   "must be 'exclude' or 'net', got '" + name + "'");
}

py::dict rfm_table(const In<std::int32_t>& customer, const In<std::int64_t>& time,
                   const In<double>& amount, const In<std::int32_t>& invoice,
                   const std::optional<In<std::uint8_t>>& invoice_cancelled,
                   std::int32_t n_customers, std::int32_t n_invoices,
                   std::optional<std::int64_t> analysis_time,
                   std::int64_t ticks_per_day, const std::string& monetary,
                   const std::string& returns, int n_jobs) {
    const crmmine::TransactionLogView log = transaction_log_view(
        customer, time, amount, invoice, invoice_cancelled, n_customers, n_invoices);
    crmmine::RfmParams params;
    params.analysis_time = analysis_time;
    params.ticks_per_day = ticks_per_day;
    params.monetary = monetary_from_name(monetary);
    params.returns = returns_from_name(returns);
    params.n_jobs = n_jobs;
    crmmine::RfmTable table;
    {
        py::gil_scoped_release nogil;
        table = crmmine::rfm_table(log, params);
    }
    return py::dict("customer"_a = to_numpy(std::move(table.customer)),
                    "recency"_a = to_numpy(std::move(table.recency)),
                    "frequency"_a = to_numpy(std::move(table.frequency)),
                    "monetary"_a = to_numpy(std::move(table.monetary)),
                    "analysis_time"_a = table.analysis_time);
}

py::array_t<std::int32_t> quantile_scores(const In<double>& values, int n_bins,
                                          bool reverse) {
    std::vector<std::int32_t> scores;
    {
        py::gil_scoped_release nogil;
        scores = crmmine::quantile_scores(
            values.data(), static_cast<std::size_t>(values.size()), n_bins, reverse);
    }
    return to_numpy(std::move(scores));
}

py::tuple standard_segment_grid() {
    crmmine::SegmentGrid grid = crmmine::SegmentGrid::standard();
    return py::make_tuple(grid.n_bins, to_numpy(std::move(grid.cells)), grid.names);
}

py::array_t<std::int32_t> assign_segments(const In<std::int32_t>& r_score,
                                          const In<std::int32_t>& f_score, int n_bins,
                                          const In<std::int32_t>& cells,
                                          const std::vector<std::string>& names) {
    if (r_score.size() != f_score.size())
        throw crmmine::TypeMismatch("f_score", "needs the same length as r_score");
    crmmine::SegmentGrid grid;
    grid.n_bins = n_bins;
    grid.cells.assign(cells.data(), cells.data() + cells.size());
    grid.names = names;
    std::vector<std::int32_t> segments;
    {
        py::gil_scoped_release nogil;
        segments =
            crmmine::assign_segments(r_score.data(), f_score.data(),
                                     static_cast<std::size_t>(r_score.size()), grid);
    }
    return to_numpy(std::move(segments));
}

crmmine::KMeansInit init_from_name(const std::string& name) {
    using crmmine::KMeansInit;
    return enum_from_name<KMeansInit>(name, "init",
                                      {{"k-means++", KMeansInit::k_means_plus_plus},
                                       {"random", KMeansInit::random},
                                       {"given", KMeansInit::given}});
}

crmmine::KMeansAlgorithm algorithm_from_name(const std::string& name) {
    if (name == "auto") return crmmine::KMeansAlgorithm::automatic;
    if (name == "lloyd") return crmmine::KMeansAlgorithm::lloyd;
    if (name == "hamerly") return crmmine::KMeansAlgorithm::hamerly;
    throw crmmine::InvalidArgument(
        "algorithm", "must be 'auto', 'lloyd' or 'hamerly', got '" + name + "'");
}

const char* algorithm_name(crmmine::KMeansAlgorithm algorithm) {
    switch (algorithm) {
        case crmmine::KMeansAlgorithm::automatic:
            return "auto";
        case crmmine::KMeansAlgorithm::hamerly:
            return "hamerly";
        case crmmine::KMeansAlgorithm::lloyd:
            break;
    }
    return "lloyd";
}

// A borrowed (rows, cols) view of a C-contiguous numpy matrix.
template <class T>
Eigen::Map<const crmmine::RowMatrix<T>> matrix_view(const In<T>& array,
                                                    const char* argument) {
    if (array.ndim() != 2)
        throw crmmine::TypeMismatch(
            argument,
            "must be a 2-d array, got " + std::to_string(array.ndim()) + " dimensions");
    return {array.data(), array.shape(0), array.shape(1)};
}

template <class T>
const T* weights_or_null(const std::optional<In<T>>& sample_weight, py::ssize_t n) {
    if (sample_weight && (sample_weight->ndim() != 1 || sample_weight->shape(0) != n))
        throw crmmine::TypeMismatch("sample_weight", "needs one weight per row of X (" +
                                                         std::to_string(n) + ")");
    return data_or_null(sample_weight);
}

// Hands an Eigen matrix's buffer to numpy; the array owns it from then on.
template <class T>
py::array_t<T> matrix_to_numpy(crmmine::RowMatrix<T>&& matrix) {
    auto* owned = new crmmine::RowMatrix<T>(std::move(matrix));
    py::capsule release(owned,
                        [](void* p) { delete static_cast<crmmine::RowMatrix<T>*>(p); });
    return py::array_t<T>({owned->rows(), owned->cols()}, owned->data(), release);
}

template <class T>
py::dict model_to_dict(crmmine::KMeansModel<T>&& model) {
    return py::dict(
        "centers"_a = matrix_to_numpy(std::move(model.centers)),
        "labels"_a = to_numpy(std::move(model.labels)), "inertia"_a = model.inertia,
        "n_iter"_a = model.n_iter, "converged"_a = model.converged,
        "algorithm"_a = algorithm_name(model.algorithm),
        "distances_computed"_a = model.distances_computed,
        "distances_lloyd_would_compute"_a = model.distances_lloyd_would_compute);
}

template <class T>
std::optional<crmmine::RowMatrix<T>> centers_or_none(
    const std::optional<In<T>>& initial_centers) {
    if (!initial_centers) return std::nullopt;
    return crmmine::RowMatrix<T>(matrix_view(*initial_centers, "initial_centers"));
}

template <class T>
py::dict kmeans_fit(const In<T>& X, const std::optional<In<T>>& sample_weight,
                    int n_clusters, const std::string& init,
                    const std::optional<In<T>>& initial_centers, int n_init,
                    int max_iter, double tol, const std::string& algorithm,
                    std::uint64_t random_state, int n_jobs) {
    const auto x = matrix_view(X, "X");
    const T* weight = weights_or_null(sample_weight, x.rows());
    crmmine::KMeansParams params;
    params.n_clusters = n_clusters;
    params.init = init_from_name(init);
    params.n_init = n_init;
    params.max_iter = max_iter;
    params.tol = tol;
    params.algorithm = algorithm_from_name(algorithm);
    params.random_state = random_state;
    params.n_jobs = n_jobs;
    const std::optional<crmmine::RowMatrix<T>> start = centers_or_none(initial_centers);
    crmmine::KMeansModel<T> model;
    {
        py::gil_scoped_release nogil;
        model = crmmine::kmeans_fit<T>(x, weight, params, start ? &*start : nullptr);
    }
    return model_to_dict(std::move(model));
}

template <class T>
py::dict minibatch_kmeans_fit(const In<T>& X, const std::optional<In<T>>& sample_weight,
                              int n_clusters, const std::string& init,
                              const std::optional<In<T>>& initial_centers, int n_init,
                              int batch_size, int max_iter,
                              std::optional<int> max_no_improvement, double tol,
                              double reassignment_ratio, std::uint64_t random_state,
                              int n_jobs) {
    const auto x = matrix_view(X, "X");
    const T* weight = weights_or_null(sample_weight, x.rows());
    crmmine::MiniBatchKMeansParams params;
    params.n_clusters = n_clusters;
    params.init = init_from_name(init);
    params.n_init = n_init;
    params.batch_size = batch_size;
    params.max_iter = max_iter;
    params.max_no_improvement = max_no_improvement.value_or(-1);
    params.tol = tol;
    params.reassignment_ratio = reassignment_ratio;
    params.random_state = random_state;
    params.n_jobs = n_jobs;
    const std::optional<crmmine::RowMatrix<T>> start = centers_or_none(initial_centers);
    crmmine::KMeansModel<T> model;
    {
        py::gil_scoped_release nogil;
        model = crmmine::minibatch_kmeans_fit<T>(x, weight, params,
                                                 start ? &*start : nullptr);
    }
    return model_to_dict(std::move(model));
}

template <class T>
py::array_t<std::int32_t> kmeans_predict(const In<T>& X, const In<T>& centers,
                                         int n_jobs) {
    const auto x = matrix_view(X, "X");
    const auto c = matrix_view(centers, "centers");
    std::vector<std::int32_t> labels;
    {
        py::gil_scoped_release nogil;
        labels = crmmine::kmeans_predict<T>(x, c, n_jobs);
    }
    return to_numpy(std::move(labels));
}

template <class T>
py::array_t<T> kmeans_transform(const In<T>& X, const In<T>& centers, int n_jobs) {
    const auto x = matrix_view(X, "X");
    const auto c = matrix_view(centers, "centers");
    crmmine::RowMatrix<T> distances;
    {
        py::gil_scoped_release nogil;
        distances = crmmine::kmeans_transform<T>(x, c, n_jobs);
    }
    return matrix_to_numpy(std::move(distances));
}

template <class T>
double kmeans_inertia(const In<T>& X, const std::optional<In<T>>& sample_weight,
                      const In<T>& centers, const In<std::int32_t>& labels,
                      int n_jobs) {
    const auto x = matrix_view(X, "X");
    const auto c = matrix_view(centers, "centers");
    const T* weight = weights_or_null(sample_weight, x.rows());
    const std::vector<std::int32_t> codes(labels.data(), labels.data() + labels.size());
    py::gil_scoped_release nogil;
    return crmmine::kmeans_inertia<T>(x, weight, c, codes, n_jobs);
}

// float32 first, then float64: X never converts (noconvert), so its dtype picks the
// instantiation and the other arrays convert to it.
template <class T>
void register_kmeans(py::module_& m) {
    m.def("kmeans_fit", &kmeans_fit<T>, "X"_a.noconvert(), "sample_weight"_a,
          "n_clusters"_a, "init"_a, "initial_centers"_a, "n_init"_a, "max_iter"_a,
          "tol"_a, "algorithm"_a, "random_state"_a, "n_jobs"_a);
    m.def("minibatch_kmeans_fit", &minibatch_kmeans_fit<T>, "X"_a.noconvert(),
          "sample_weight"_a, "n_clusters"_a, "init"_a, "initial_centers"_a, "n_init"_a,
          "batch_size"_a, "max_iter"_a, "max_no_improvement"_a, "tol"_a,
          "reassignment_ratio"_a, "random_state"_a, "n_jobs"_a);
    m.def("kmeans_predict", &kmeans_predict<T>, "X"_a.noconvert(), "centers"_a,
          "n_jobs"_a);
    m.def("kmeans_transform", &kmeans_transform<T>, "X"_a.noconvert(), "centers"_a,
          "n_jobs"_a);
    m.def("kmeans_inertia", &kmeans_inertia<T>, "X"_a.noconvert(), "sample_weight"_a,
          "centers"_a, "labels"_a, "n_jobs"_a);
}

}  // namespace

void register_segment(py::module_& m) {
    m.def("rfm_table", &rfm_table, "customer"_a, "time"_a, "amount"_a, "invoice"_a,
          "invoice_cancelled"_a, "n_customers"_a, "n_invoices"_a, "analysis_time"_a,
          "ticks_per_day"_a, "monetary"_a, "returns"_a, "n_jobs"_a);
    m.def("quantile_scores", &quantile_scores, "values"_a, "n_bins"_a, "reverse"_a);
    m.def("standard_segment_grid", &standard_segment_grid);
    m.def("assign_segments", &assign_segments, "r_score"_a, "f_score"_a, "n_bins"_a,
          "cells"_a, "names"_a);
    register_kmeans<float>(m);
    register_kmeans<double>(m);
}
