// CART classification trees (Breiman, Friedman, Olshen & Stone 1984) with
// scikit-learn's growth rules: depth-first, best split by Gini or entropy, minimal
// cost-complexity pruning. Splits are searched exactly on sorted values or on <= 255
// quantile bins built once (as LightGBM, Ke et al. 2017); missing values take a learned
// side; categories split as one ordered set by target rate (Breiman's theorem for two
// classes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace crmmine {

// A contiguous column of integer category codes, `bytes` (1, 2 or 4) wide and signed;
// a negative code is a missing value. pandas keeps categoricals this way, and reading
// the codes in place spares a float64 copy of every categorical column.
struct CodeColumn {
    const void* data = nullptr;
    std::uint8_t bytes = 0;

    std::int32_t code(std::size_t row) const {
        switch (bytes) {
            case 1:
                return static_cast<const std::int8_t*>(data)[row];
            case 2:
                return static_cast<const std::int16_t*>(data)[row];
            default:
                return static_cast<const std::int32_t*>(data)[row];
        }
    }
    double value(std::size_t row) const {
        const std::int32_t c = code(row);
        return c < 0 ? std::numeric_limits<double>::quiet_NaN()
                     : static_cast<double>(c);
    }
};

// Borrowed feature columns of n_rows values: value (i, j) is columns[j][i *
// strides[j]], or, where codes is not empty and codes[j].data is set, the category
// code codes[j].value(i) (columns[j] is then null). A C- or Fortran-ordered numpy
// matrix is one base pointer and two strides; a pandas DataFrame is a pointer per
// column, so mixed column kinds need no n x d copy. The data must outlive the call it
// is passed to.
struct FeatureColumns {
    std::size_t n_rows = 0;
    std::vector<const double*> columns;
    std::vector<std::ptrdiff_t> strides;  // in doubles
    std::vector<CodeColumn> codes;        // empty, or one entry per column

    std::size_t n_cols() const { return columns.size(); }
    bool is_code_column(std::size_t col) const {
        return !codes.empty() && codes[col].data != nullptr;
    }
    double operator()(std::size_t row, std::size_t col) const {
        if (is_code_column(col)) return codes[col].value(row);
        return columns[col][static_cast<std::ptrdiff_t>(row) * strides[col]];
    }
    // The columns of a strided matrix (strides in doubles).
    static FeatureColumns matrix(const double* data, std::size_t n_rows,
                                 std::size_t n_cols, std::ptrdiff_t row_stride,
                                 std::ptrdiff_t col_stride) {
        FeatureColumns view;
        view.n_rows = n_rows;
        for (std::size_t j = 0; j < n_cols; ++j) {
            view.columns.push_back(data + static_cast<std::ptrdiff_t>(j) * col_stride);
            view.strides.push_back(row_stride);
        }
        return view;
    }
};

enum class TreeCriterion { gini, entropy };

// exact: every distinct value at a node is a candidate threshold, scikit-learn's
// search. histogram: candidates are the edges of quantile bins computed once before
// growth. automatic: histogram from histogram_min_samples rows on, exact below.
enum class TreeSplitter { automatic, exact, histogram };

struct DecisionTreeParams {
    TreeCriterion criterion = TreeCriterion::gini;
    TreeSplitter splitter = TreeSplitter::automatic;
    int max_depth = -1;  // -1: grow until the leaves are pure or too small
    std::size_t min_samples_split = 2;
    std::size_t min_samples_leaf = 1;
    double min_weight_fraction_leaf = 0.0;  // of the total weight, in [0, 0.5]
    double min_impurity_decrease = 0.0;     // weighted, as scikit-learn's
    // Features searched per node, drawn at random (seeded by random_state and the node,
    // so the tree does not depend on the thread count); 0 means all of them.
    std::size_t max_features = 0;
    // Also orders the features at each node, which decides between equally good splits.
    std::uint64_t random_state = 0;
    // Weight per class code (empty: all 1); balanced multiplies in
    // n_samples / (n_classes * samples of the class), scikit-learn's "balanced".
    std::vector<double> class_weight;
    bool balanced = false;
    double ccp_alpha = 0.0;  // minimal cost-complexity pruning strength, >= 0
    int max_bins = 255;      // histogram bins per feature, in [2, 255]
    std::size_t histogram_min_samples = 50'000;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate() const;
};

// The training data. Labels are class codes in [0, n_classes). A categorical feature
// holds category codes in [0, n_categories) as doubles; NaN is missing in any feature.
struct TreeTrainingData {
    FeatureColumns X;
    const std::int32_t* y = nullptr;
    int n_classes = 2;
    const double* sample_weight = nullptr;  // nullptr: all 1
    std::vector<std::uint8_t> categorical;  // one flag per feature, empty: none
};

// The fitted tree in scikit-learn's array layout (tree_.children_left, ...): node 0 is
// the root, nodes are numbered depth-first with the left child first, leaves have
// children -1, feature -2 and threshold -2; categorical splits have threshold NaN.
struct DecisionTreeModel {
    int n_features = 0;
    int n_classes = 0;
    std::vector<std::int32_t> children_left, children_right, feature;
    std::vector<double> threshold;  // numeric splits: left when x <= threshold
    std::vector<double> impurity;
    std::vector<std::int64_t> n_node_samples;
    std::vector<double> weighted_n_node_samples;
    // Where NaN goes: the side learned from the training rows with a missing value at
    // the node, or the side with more rows when there were none. Unseen categories too.
    std::vector<std::uint8_t> missing_go_to_left;
    std::vector<double> value;  // n_nodes x n_classes weighted class fractions
    // Categorical splits: node i sends category c left when bit c of the words starting
    // at category_offset[i] is set; offset -1 for numeric splits and leaves.
    std::vector<std::int64_t> category_offset;
    std::vector<std::uint64_t> category_bits;
    std::vector<std::int32_t> n_categories;         // per feature, 0 for numeric ones
    std::vector<std::uint8_t> feature_has_missing;  // NaN seen in training, per feature
    std::vector<double> feature_importances;  // normalised total impurity decrease
    bool histogram = false;                   // grown by the histogram search

    std::size_t node_count() const { return children_left.size(); }
    bool is_leaf(std::size_t node) const { return children_left[node] < 0; }
    int depth() const;
    std::size_t n_leaves() const;
    bool goes_left(std::size_t node, double x) const;

    // The leaf each row falls into.
    std::vector<std::int32_t> apply(const FeatureColumns& X, int n_jobs = 0) const;
    // n_samples x n_classes class probabilities, row-major.
    std::vector<double> predict_proba(const FeatureColumns& X, int n_jobs = 0) const;
    // The same into out (n_rows * n_classes values), which the threads fill without
    // a first zeroing pass.
    void predict_proba(const FeatureColumns& X, int n_jobs, double* out) const;
};

DecisionTreeModel fit(const TreeTrainingData& data, const DecisionTreeParams& params);

// The effective alphas at which minimal cost-complexity pruning removes a branch and
// the total leaf impurity after each removal (scikit-learn's
// cost_complexity_pruning_path).
struct PruningPath {
    std::vector<double> ccp_alphas;
    std::vector<double> impurities;
};
PruningPath cost_complexity_pruning_path(const DecisionTreeModel& model);

// The smallest subtree minimising impurity + ccp_alpha * leaves, renumbered.
DecisionTreeModel prune(const DecisionTreeModel& model, double ccp_alpha);

// Names used when a tree is written out for people; any list may be empty (then
// "x3", category codes and class codes are printed).
struct TreeLabels {
    std::vector<std::string> features;
    std::vector<std::vector<std::string>> categories;  // per feature
    std::vector<std::string> classes;
    int target_class = 1;  // the class whose rate each rule reports
    int decimals = 2;
};

// One IF-THEN rule per leaf: "tenure <= 5.5 and contract = Month-to-month -> churn
// 61.2%, 412 customers".
struct TreeRule {
    std::int32_t leaf = 0;
    std::string conditions;  // "tenure <= 5.5 and contract = Month-to-month"
    std::string text;        // the whole rule
    double target_rate = 0;  // weighted share of the target class in the leaf
    std::int64_t n_samples = 0;
    std::int32_t predicted_class = 0;
};
std::vector<TreeRule> to_rules(const DecisionTreeModel& model,
                               const TreeLabels& labels);

// The tree in Graphviz dot, one box per node with its split, impurity, samples and
// class shares.
std::string to_dot(const DecisionTreeModel& model, const TreeLabels& labels);

}  // namespace crmmine
