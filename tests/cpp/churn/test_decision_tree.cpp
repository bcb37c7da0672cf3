#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "crmmine/churn/decision_tree.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

namespace {

struct Table {
    Eigen::MatrixXd X;  // column-major, as a pandas block
    std::vector<std::int32_t> y;
};

// Integer-valued features (few distinct values, so every splitter sees every cut),
// a label with an interaction and 10 % noise, some values missing.
Table churn_table(Eigen::Index n, std::uint32_t seed, double missing = 0.0) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> value(0, 30);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Table t{Eigen::MatrixXd(n, 4),
            std::vector<std::int32_t>(static_cast<std::size_t>(n))};
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < 4; ++j) t.X(i, j) = value(rng);
        const bool churn = (t.X(i, 0) < 8) != (t.X(i, 1) > 20);
        t.y[static_cast<std::size_t>(i)] = unit(rng) < 0.1 ? !churn : churn;
        for (Eigen::Index j = 0; j < 4; ++j)
            if (unit(rng) < missing)
                t.X(i, j) = std::numeric_limits<double>::quiet_NaN();
    }
    return t;
}

TreeTrainingData training(const Table& t) {
    return {FeatureColumns::matrix(t.X.data(), static_cast<std::size_t>(t.X.rows()),
                                   static_cast<std::size_t>(t.X.cols()), 1, t.X.rows()),
            t.y.data(),
            2,
            nullptr,
            {}};
}

double gini_cost(const Table& t, Eigen::Index feature, double threshold) {
    double counts[2][2] = {{0, 0}, {0, 0}};
    for (Eigen::Index i = 0; i < t.X.rows(); ++i)
        counts[t.X(i, feature) <= threshold ? 0 : 1]
              [t.y[static_cast<std::size_t>(i)]] += 1;
    double cost = 0.0;
    for (auto& side : counts) {
        const double n = side[0] + side[1];
        if (n > 0) cost += n - (side[0] * side[0] + side[1] * side[1]) / n;
    }
    return cost;
}

}  // namespace

TEST_CASE("the root split is the best of every feature and threshold (brute force)") {
    const Table t = churn_table(500, 1);
    DecisionTreeParams params;
    params.max_depth = 1;
    params.splitter = TreeSplitter::exact;
    const DecisionTreeModel model = fit(training(t), params);
    double best = std::numeric_limits<double>::infinity();
    for (Eigen::Index f = 0; f < 4; ++f)
        for (double threshold = 0.5; threshold < 30; threshold += 1.0)
            best = std::min(best, gini_cost(t, f, threshold));
    REQUIRE(model.node_count() == 3);
    CHECK(gini_cost(t, model.feature[0], model.threshold[0]) == doctest::Approx(best));
}

TEST_CASE("histogram and exact splitters agree when the bins hold every value") {
    const Table t = churn_table(3000, 2, 0.05);
    DecisionTreeParams params;
    params.max_depth = 6;
    params.splitter = TreeSplitter::exact;
    const DecisionTreeModel exact = fit(training(t), params);
    params.splitter = TreeSplitter::histogram;
    const DecisionTreeModel histogram = fit(training(t), params);
    const TreeTrainingData data = training(t);
    CHECK(exact.feature == histogram.feature);
    CHECK(exact.apply(data.X) == histogram.apply(data.X));
}

TEST_CASE("the tree does not depend on the thread count") {
    const Table t = churn_table(40'000, 3, 0.05);
    DecisionTreeParams params;
    params.max_features = 2;
    params.random_state = 7;
    for (auto splitter : {TreeSplitter::exact, TreeSplitter::histogram}) {
        params.splitter = splitter;
        params.n_jobs = 1;
        const DecisionTreeModel one = fit(training(t), params);
        params.n_jobs = 2;
        const DecisionTreeModel two = fit(training(t), params);
        CHECK(one.feature == two.feature);
        CHECK(one.threshold == two.threshold);
        CHECK(one.value == two.value);
        CHECK(one.missing_go_to_left == two.missing_go_to_left);
    }
}

TEST_CASE("pruning at each alpha of the path leaves the impurity the path reports") {
    const Table t = churn_table(2000, 4);
    DecisionTreeParams params;
    params.splitter = TreeSplitter::exact;
    params.min_samples_leaf = 5;
    const DecisionTreeModel full = fit(training(t), params);
    const PruningPath path = cost_complexity_pruning_path(full);
    REQUIRE(path.ccp_alphas.size() > 3);
    for (std::size_t k = 1; k < path.ccp_alphas.size(); ++k) {
        CHECK(path.ccp_alphas[k] >= path.ccp_alphas[k - 1]);
        const DecisionTreeModel pruned = prune(full, path.ccp_alphas[k]);
        double leaf_impurity = 0.0;
        for (std::size_t node = 0; node < pruned.node_count(); ++node)
            if (pruned.is_leaf(node))
                leaf_impurity += pruned.weighted_n_node_samples[node] *
                                 pruned.impurity[node] /
                                 pruned.weighted_n_node_samples[0];
        // Pruning at alpha removes every branch of that alpha: the path's last step
        // with it.
        std::size_t last = k;
        while (last + 1 < path.ccp_alphas.size() &&
               path.ccp_alphas[last + 1] == path.ccp_alphas[k])
            ++last;
        CHECK(leaf_impurity == doctest::Approx(path.impurities[last]).epsilon(1e-12));
    }
    CHECK(prune(full, path.ccp_alphas.back()).node_count() == 1);
}

TEST_CASE("rules merge the thresholds of a path into one range per feature") {
    Table t{Eigen::MatrixXd(8, 1), {1, 1, 0, 0, 0, 0, 1, 1}};
    t.X << 1, 2, 3, 4, 5, 6, 7, 8;
    DecisionTreeParams params;
    params.splitter = TreeSplitter::exact;
    const DecisionTreeModel model = fit(training(t), params);
    TreeLabels labels;
    labels.features = {"tenure"};
    labels.classes = {"stay", "churn"};
    std::vector<std::string> texts;
    for (const auto& rule : to_rules(model, labels)) texts.push_back(rule.text);
    CHECK(texts ==
          std::vector<std::string>{"tenure <= 2.5 \u2192 churn 100%, 2 customers",
                                   "2.5 < tenure <= 6.5 \u2192 churn 0%, 4 customers",
                                   "tenure > 6.5 \u2192 churn 100%, 2 customers"});
    CHECK(to_dot(model, labels).find("0 [label=\"tenure <= 2.5") != std::string::npos);
}

TEST_CASE("bad input names the argument") {
    Table t = churn_table(50, 5);
    DecisionTreeParams params;
    params.max_bins = 300;
    CHECK_THROWS_WITH_AS(fit(training(t), params), doctest::Contains("max_bins"),
                         InvalidArgument);
    params = {};
    t.X(3, 2) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(fit(training(t), params), doctest::Contains("infinity"),
                         InvalidArgument);
    t = churn_table(50, 5);
    t.y[4] = 2;
    CHECK_THROWS_WITH_AS(fit(training(t), params), doctest::Contains("y: class codes"),
                         InvalidArgument);
}

// The codes as the given integer type, -1 where the value is missing.
namespace {

template <class Code>
std::vector<Code> as_codes(const Eigen::MatrixXd& X, Eigen::Index column) {
    std::vector<Code> codes(static_cast<std::size_t>(X.rows()));
    for (Eigen::Index i = 0; i < X.rows(); ++i)
        codes[static_cast<std::size_t>(i)] =
            std::isnan(X(i, column)) ? Code{-1} : static_cast<Code>(X(i, column));
    return codes;
}

}  // namespace

TEST_CASE("integer code columns give the tree and predictions of float codes") {
    const Table t = churn_table(5'000, 11, 0.05);
    const auto n = static_cast<std::size_t>(t.X.rows());
    const std::vector<std::int8_t> codes8 = as_codes<std::int8_t>(t.X, 0);
    const std::vector<std::int16_t> codes16 = as_codes<std::int16_t>(t.X, 1);
    const std::vector<std::int32_t> codes32 = as_codes<std::int32_t>(t.X, 3);
    TreeTrainingData floats = training(t);
    floats.categorical = {1, 1, 0, 1};
    TreeTrainingData ints = floats;
    ints.X.codes.resize(4);
    ints.X.codes[0] = {codes8.data(), 1};
    ints.X.codes[1] = {codes16.data(), 2};
    ints.X.codes[3] = {codes32.data(), 4};
    for (std::size_t j : {0, 1, 3}) ints.X.columns[j] = nullptr;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < 4; ++j) {
            const double a = floats.X(i, j), b = ints.X(i, j);
            CHECK(((std::isnan(a) && std::isnan(b)) || a == b));
        }
    for (auto splitter : {TreeSplitter::exact, TreeSplitter::histogram}) {
        DecisionTreeParams params;
        params.splitter = splitter;
        params.max_depth = 6;
        const DecisionTreeModel from_floats = fit(floats, params);
        const DecisionTreeModel from_ints = fit(ints, params);
        CHECK(from_floats.node_count() > 15);
        CHECK(from_floats.feature == from_ints.feature);
        CHECK(from_floats.category_bits == from_ints.category_bits);
        CHECK(from_floats.value == from_ints.value);
        // Either model predicts the same from either form of the columns.
        const std::vector<double> expected = from_floats.predict_proba(floats.X, 1);
        CHECK(from_ints.predict_proba(ints.X, 1) == expected);
        CHECK(from_floats.predict_proba(ints.X, 2) == expected);
    }
}

namespace {

// The leaf a row reaches by walking the model's own arrays, one node at a time.
std::int32_t walk(const DecisionTreeModel& model, const FeatureColumns& X,
                  std::size_t row) {
    std::size_t node = 0;
    while (!model.is_leaf(node))
        node = static_cast<std::size_t>(
            model.goes_left(node, X(row, static_cast<std::size_t>(model.feature[node])))
                ? model.children_left[node]
                : model.children_right[node]);
    return static_cast<std::int32_t>(node);
}

// How many rows apply() sends to the leaf the walk reaches.
std::size_t rows_agreeing_with_walk(const DecisionTreeModel& model,
                                    const FeatureColumns& X) {
    const std::vector<std::int32_t> leaves = model.apply(X, 2);
    std::size_t agree = 0;
    for (std::size_t i = 0; i < X.n_rows; ++i) agree += leaves[i] == walk(model, X, i);
    return agree;
}

}  // namespace

TEST_CASE(
    "prediction reaches the leaf of a node-by-node walk, NaN and infinity included") {
    Table t = churn_table(20'000, 5, 0.15);
    DecisionTreeParams params;
    params.max_depth = 10;
    const DecisionTreeModel model = fit(training(t), params);
    std::size_t left_missing = 0;
    for (std::size_t i = 0; i < model.node_count(); ++i)
        left_missing += !model.is_leaf(i) && model.missing_go_to_left[i];
    CHECK(left_missing > 0);  // both NaN directions are exercised
    // Infinities are values at predict: beyond every threshold.
    for (Eigen::Index i = 0; i < t.X.rows(); i += 97)
        t.X(i, i % 4) = (i % 2 ? 1.0 : -1.0) * std::numeric_limits<double>::infinity();
    const TreeTrainingData same_stride = training(t);
    // One column read from a row-major copy: strides differ, rows are gathered.
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows =
        t.X;
    TreeTrainingData mixed_stride = training(t);
    mixed_stride.X.columns[2] = rows.data() + 2;
    mixed_stride.X.strides[2] = 4;
    // Every column from a row-major matrix behind a leading column the model does
    // not read: blocks of rows are copied from the first column read to the last.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> padded(
        t.X.rows(), 5);
    padded.col(0).setConstant(std::numeric_limits<double>::quiet_NaN());
    padded.rightCols(4) = t.X;
    TreeTrainingData row_major = training(t);
    for (std::size_t j = 0; j < 4; ++j) {
        row_major.X.columns[j] = padded.data() + 1 + j;
        row_major.X.strides[j] = 5;
    }
    for (const FeatureColumns* X : std::vector<const FeatureColumns*>{
             &same_stride.X, &mixed_stride.X, &row_major.X})
        CHECK(rows_agreeing_with_walk(model, *X) == X->n_rows);
}

TEST_CASE(
    "trees with categorical splits reach the leaf of a node-by-node walk, unknown "
    "codes included") {
    Table t = churn_table(20'000, 9, 0.15);
    // Feature 1 scaled to 91 categories: more than a 64-bit mask of sides holds, so
    // that tree descends node by node; the 31-category tree descends by masks.
    for (const double scale : {1.0, 3.0}) {
        Table fitted = t;
        fitted.X.col(1) *= scale;
        TreeTrainingData data = training(fitted);
        data.categorical = {1, 1, 0, 0};
        DecisionTreeParams params;
        params.max_depth = 10;
        const DecisionTreeModel model = fit(data, params);
        REQUIRE(model.n_categories[1] == static_cast<std::int32_t>(30 * scale + 1));
        std::size_t categorical_nodes = 0, numeric_nodes = 0, left_missing = 0;
        for (std::size_t i = 0; i < model.node_count(); ++i) {
            if (model.is_leaf(i)) continue;
            (model.category_offset[i] >= 0 ? categorical_nodes : numeric_nodes) += 1;
            left_missing += model.missing_go_to_left[i];
        }
        CHECK(categorical_nodes > 10);
        CHECK(numeric_nodes > 10);
        CHECK(left_missing > 0);
        // Codes the fit never saw (negative, too large, fractional) and infinities.
        Table queried = fitted;
        for (Eigen::Index i = 0; i < queried.X.rows(); i += 53) {
            queried.X(i, i % 2) = std::vector<double>{-3.0, 95.0, 2.5, 40.0}[i % 4];
            queried.X(i, 2 + i % 2) = (i % 3 ? 1.0 : -1.0) * HUGE_VAL;
        }
        TreeTrainingData as_floats = training(queried);
        TreeTrainingData as_ints = as_floats;
        const std::vector<std::int8_t> codes8 = as_codes<std::int8_t>(queried.X, 0);
        const std::vector<std::int16_t> codes16 = as_codes<std::int16_t>(queried.X, 1);
        as_ints.X.codes.resize(4);
        as_ints.X.codes[0] = {codes8.data(), 1};
        as_ints.X.codes[1] = {codes16.data(), 2};
        as_ints.X.columns[0] = as_ints.X.columns[1] = nullptr;
        for (const FeatureColumns* X :
             std::vector<const FeatureColumns*>{&as_floats.X, &as_ints.X})
            CHECK(rows_agreeing_with_walk(model, *X) == X->n_rows);
    }
}
