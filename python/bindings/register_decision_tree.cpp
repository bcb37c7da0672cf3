#include "prelude.hpp"

#include <string>
#include <vector>

#include "crmmine/churn/decision_tree.hpp"
#include "crmmine/core/error.hpp"

namespace {

using Columns = std::vector<py::array>;

// The width of a column of category codes: 1, 2 or 4 bytes, signed; 0 for float64.
std::uint8_t code_bytes(const py::array& column) {
    // isinstance checks dtype equivalence (byte order included), not identity.
    if (py::isinstance<py::array_t<double>>(column)) return 0;
    if (py::isinstance<py::array_t<std::int8_t>>(column)) return 1;
    if (py::isinstance<py::array_t<std::int16_t>>(column)) return 2;
    if (py::isinstance<py::array_t<std::int32_t>>(column)) return 4;
    throw crmmine::TypeMismatch(
        "X", "columns must be float64 values or int8/int16/int32 category codes, got " +
                 std::string(py::str(column.dtype())));
}

// The feature columns as views, no copy: each a 1-D array of n_rows values, float64
// with any non-negative stride (a numpy matrix's column, a DataFrame's column) or
// contiguous integer category codes (a pandas categorical's codes, -1 for missing).
crmmine::FeatureColumns columns_view(const Columns& columns, py::ssize_t n_rows) {
    crmmine::FeatureColumns view;
    view.n_rows = static_cast<std::size_t>(n_rows);
    const auto item = static_cast<py::ssize_t>(sizeof(double));
    std::vector<crmmine::CodeColumn> codes;
    for (const auto& column : columns) {
        if (column.ndim() != 1 || column.shape(0) != n_rows)
            throw crmmine::TypeMismatch("X", "every column needs one value per row");
        const std::uint8_t bytes = code_bytes(column);
        if (bytes != 0) {
            if (n_rows > 1 && column.strides(0) != bytes)
                throw crmmine::TypeMismatch("X", "category codes must be contiguous");
            codes.resize(view.columns.size());
            codes.push_back({column.data(), bytes});
            view.columns.push_back(nullptr);
            view.strides.push_back(0);
            continue;
        }
        if (column.strides(0) < 0 || column.strides(0) % item)
            throw crmmine::TypeMismatch("X",
                                        "needs non-negative strides of whole doubles");
        view.columns.push_back(static_cast<const double*>(column.data()));
        view.strides.push_back(column.strides(0) / item);
    }
    if (!codes.empty()) codes.resize(view.columns.size());
    view.codes = std::move(codes);
    return view;
}

crmmine::TreeCriterion tree_criterion(const std::string& name) {
    using crmmine::TreeCriterion;
    return enum_from_name<TreeCriterion>(name, "criterion",
                                         {{"gini", TreeCriterion::gini},
                                          {"entropy", TreeCriterion::entropy},
                                          {"log_loss", TreeCriterion::entropy}});
}

crmmine::TreeSplitter tree_splitter(const std::string& name) {
    using crmmine::TreeSplitter;
    return enum_from_name<TreeSplitter>(name, "splitter",
                                        {{"auto", TreeSplitter::automatic},
                                         {"exact", TreeSplitter::exact},
                                         {"histogram", TreeSplitter::histogram}});
}

template <class T>
std::vector<T> vector_of(const py::dict& arrays, const char* key) {
    const auto array = arrays[key].cast<In<T>>();
    return std::vector<T>(array.data(), array.data() + array.size());
}

py::dict model_arrays(crmmine::DecisionTreeModel&& m) {
    const auto n_nodes = static_cast<py::ssize_t>(m.node_count());
    return py::dict(
        "n_features"_a = m.n_features, "n_classes"_a = m.n_classes,
        "histogram"_a = m.histogram,
        "children_left"_a = to_numpy(std::move(m.children_left)),
        "children_right"_a = to_numpy(std::move(m.children_right)),
        "feature"_a = to_numpy(std::move(m.feature)),
        "threshold"_a = to_numpy(std::move(m.threshold)),
        "impurity"_a = to_numpy(std::move(m.impurity)),
        "n_node_samples"_a = to_numpy(std::move(m.n_node_samples)),
        "weighted_n_node_samples"_a = to_numpy(std::move(m.weighted_n_node_samples)),
        "missing_go_to_left"_a = to_numpy(std::move(m.missing_go_to_left)),
        "value"_a =
            to_numpy(std::move(m.value)).reshape({n_nodes, py::ssize_t{m.n_classes}}),
        "category_offset"_a = to_numpy(std::move(m.category_offset)),
        "category_bits"_a = to_numpy(std::move(m.category_bits)),
        "n_categories"_a = to_numpy(std::move(m.n_categories)),
        "feature_has_missing"_a = to_numpy(std::move(m.feature_has_missing)),
        "feature_importances"_a = to_numpy(std::move(m.feature_importances)));
}

// A tree whose arrays disagree would read out of bounds; one from fit never does, a
// hand-edited or damaged pickle might.
void check_model(const crmmine::DecisionTreeModel& m) {
    const std::size_t n = m.children_left.size();
    const auto C = static_cast<std::size_t>(m.n_classes);
    bool ok = n > 0 && m.n_classes >= 1 && m.children_right.size() == n &&
              m.feature.size() == n && m.threshold.size() == n &&
              m.missing_go_to_left.size() == n && m.category_offset.size() == n &&
              m.value.size() == n * C &&
              m.n_categories.size() == static_cast<std::size_t>(m.n_features);
    for (std::size_t i = 0; ok && i < n; ++i) {
        if (m.children_left[i] < 0) continue;
        ok = m.children_left[i] > static_cast<std::int64_t>(i) &&
             static_cast<std::size_t>(m.children_left[i]) < n &&
             m.children_right[i] > static_cast<std::int64_t>(i) &&
             static_cast<std::size_t>(m.children_right[i]) < n && m.feature[i] >= 0 &&
             m.feature[i] < m.n_features &&
             m.category_offset[i] +
                     (m.n_categories[static_cast<std::size_t>(m.feature[i])] + 63) /
                         64 <=
                 static_cast<std::int64_t>(m.category_bits.size());
    }
    if (!ok)
        throw crmmine::InvalidArgument(
            "model",
            "the fitted tree's arrays are inconsistent; fit the estimator again");
}

// The model back from the arrays the Python estimator keeps (and pickles).
crmmine::DecisionTreeModel model_from(const py::dict& arrays) {
    crmmine::DecisionTreeModel m;
    m.n_features = arrays["n_features"].cast<int>();
    m.n_classes = arrays["n_classes"].cast<int>();
    m.histogram = arrays["histogram"].cast<bool>();
    m.children_left = vector_of<std::int32_t>(arrays, "children_left");
    m.children_right = vector_of<std::int32_t>(arrays, "children_right");
    m.feature = vector_of<std::int32_t>(arrays, "feature");
    m.threshold = vector_of<double>(arrays, "threshold");
    m.impurity = vector_of<double>(arrays, "impurity");
    m.n_node_samples = vector_of<std::int64_t>(arrays, "n_node_samples");
    m.weighted_n_node_samples = vector_of<double>(arrays, "weighted_n_node_samples");
    m.missing_go_to_left = vector_of<std::uint8_t>(arrays, "missing_go_to_left");
    m.value = vector_of<double>(arrays, "value");
    m.category_offset = vector_of<std::int64_t>(arrays, "category_offset");
    m.category_bits = vector_of<std::uint64_t>(arrays, "category_bits");
    m.n_categories = vector_of<std::int32_t>(arrays, "n_categories");
    m.feature_has_missing = vector_of<std::uint8_t>(arrays, "feature_has_missing");
    m.feature_importances = vector_of<double>(arrays, "feature_importances");
    check_model(m);
    return m;
}

py::dict decision_tree_fit(
    const Columns& X, py::ssize_t n_rows, const In<std::int32_t>& y, int n_classes,
    const std::optional<In<double>>& sample_weight,
    const std::vector<std::uint8_t>& categorical, const std::string& criterion,
    const std::string& splitter, int max_depth, std::size_t min_samples_split,
    std::size_t min_samples_leaf, double min_weight_fraction_leaf,
    double min_impurity_decrease, std::size_t max_features, std::uint64_t random_state,
    const std::vector<double>& class_weight, bool balanced, double ccp_alpha,
    int max_bins, int n_jobs) {
    if (y.size() != n_rows)
        throw crmmine::TypeMismatch("y", "needs one label per row of X");
    if (sample_weight && sample_weight->size() != n_rows)
        throw crmmine::TypeMismatch("sample_weight", "needs one weight per row of X");
    const crmmine::TreeTrainingData data{columns_view(X, n_rows), y.data(), n_classes,
                                         data_or_null(sample_weight), categorical};
    crmmine::DecisionTreeParams params;
    params.criterion = tree_criterion(criterion);
    params.splitter = tree_splitter(splitter);
    params.max_depth = max_depth;
    params.min_samples_split = min_samples_split;
    params.min_samples_leaf = min_samples_leaf;
    params.min_weight_fraction_leaf = min_weight_fraction_leaf;
    params.min_impurity_decrease = min_impurity_decrease;
    params.max_features = max_features;
    params.random_state = random_state;
    params.class_weight = class_weight;
    params.balanced = balanced;
    params.ccp_alpha = ccp_alpha;
    params.max_bins = max_bins;
    params.n_jobs = n_jobs;
    crmmine::DecisionTreeModel model;
    {
        py::gil_scoped_release nogil;
        model = crmmine::fit(data, params);
    }
    return model_arrays(std::move(model));
}

py::array_t<double> decision_tree_predict_proba(const py::dict& arrays,
                                                const Columns& X, py::ssize_t n_rows,
                                                int n_jobs) {
    const crmmine::DecisionTreeModel model = model_from(arrays);
    const crmmine::FeatureColumns view = columns_view(X, n_rows);
    py::array_t<double> proba = output_array<double>({n_rows, model.n_classes});
    double* out = proba.mutable_data();
    {
        py::gil_scoped_release nogil;
        model.predict_proba(view, n_jobs, out);
    }
    return proba;
}

py::array_t<std::int32_t> decision_tree_apply(const py::dict& arrays, const Columns& X,
                                              py::ssize_t n_rows, int n_jobs) {
    const crmmine::DecisionTreeModel model = model_from(arrays);
    const crmmine::FeatureColumns view = columns_view(X, n_rows);
    std::vector<std::int32_t> leaves;
    {
        py::gil_scoped_release nogil;
        leaves = model.apply(view, n_jobs);
    }
    return to_numpy(std::move(leaves));
}

py::dict decision_tree_pruning_path(const py::dict& arrays) {
    crmmine::PruningPath path =
        crmmine::cost_complexity_pruning_path(model_from(arrays));
    return py::dict("ccp_alphas"_a = to_numpy(std::move(path.ccp_alphas)),
                    "impurities"_a = to_numpy(std::move(path.impurities)));
}

crmmine::TreeLabels tree_labels(std::vector<std::string> features,
                                std::vector<std::vector<std::string>> categories,
                                std::vector<std::string> classes, int target_class,
                                int decimals) {
    crmmine::TreeLabels labels;
    labels.features = std::move(features);
    labels.categories = std::move(categories);
    labels.classes = std::move(classes);
    labels.target_class = target_class;
    labels.decimals = decimals;
    return labels;
}

py::dict decision_tree_rules(const py::dict& arrays, std::vector<std::string> features,
                             std::vector<std::vector<std::string>> categories,
                             std::vector<std::string> classes, int target_class,
                             int decimals) {
    const auto rules = crmmine::to_rules(
        model_from(arrays), tree_labels(std::move(features), std::move(categories),
                                        std::move(classes), target_class, decimals));
    std::vector<std::int32_t> leaf, predicted;
    std::vector<std::string> conditions, text;
    std::vector<double> rate;
    std::vector<std::int64_t> samples;
    for (const auto& rule : rules) {
        leaf.push_back(rule.leaf);
        conditions.push_back(rule.conditions);
        text.push_back(rule.text);
        rate.push_back(rule.target_rate);
        samples.push_back(rule.n_samples);
        predicted.push_back(rule.predicted_class);
    }
    return py::dict("leaf"_a = to_numpy(std::move(leaf)), "conditions"_a = conditions,
                    "rule"_a = text, "target_rate"_a = to_numpy(std::move(rate)),
                    "samples"_a = to_numpy(std::move(samples)),
                    "predicted_class"_a = to_numpy(std::move(predicted)));
}

std::string decision_tree_dot(const py::dict& arrays, std::vector<std::string> features,
                              std::vector<std::vector<std::string>> categories,
                              std::vector<std::string> classes, int decimals) {
    return crmmine::to_dot(model_from(arrays),
                           tree_labels(std::move(features), std::move(categories),
                                       std::move(classes), 0, decimals));
}

}  // namespace

void register_decision_tree(py::module_& m) {
    m.def("decision_tree_fit", &decision_tree_fit, "X"_a, "n_rows"_a, "y"_a,
          "n_classes"_a, "sample_weight"_a, "categorical"_a, "criterion"_a,
          "splitter"_a, "max_depth"_a, "min_samples_split"_a, "min_samples_leaf"_a,
          "min_weight_fraction_leaf"_a, "min_impurity_decrease"_a, "max_features"_a,
          "random_state"_a, "class_weight"_a, "balanced"_a, "ccp_alpha"_a, "max_bins"_a,
          "n_jobs"_a);
    m.def("decision_tree_predict_proba", &decision_tree_predict_proba, "model"_a, "X"_a,
          "n_rows"_a, "n_jobs"_a);
    m.def("decision_tree_apply", &decision_tree_apply, "model"_a, "X"_a, "n_rows"_a,
          "n_jobs"_a);
    m.def("decision_tree_pruning_path", &decision_tree_pruning_path, "model"_a);
    m.def("decision_tree_rules", &decision_tree_rules, "model"_a, "features"_a,
          "categories"_a, "classes"_a, "target_class"_a, "decimals"_a);
    m.def("decision_tree_dot", &decision_tree_dot, "model"_a, "features"_a,
          "categories"_a, "classes"_a, "decimals"_a);
}
