#include "crmmine/churn/decision_tree.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "crmmine/churn/detail/tree_split.hpp"
#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace {

using detail::require;

// scikit-learn's constants: values closer than this are one value, and an improvement
// this small is no improvement.
constexpr double kFeatureThreshold = 1e-7;
constexpr double kEpsilon = DBL_EPSILON;
constexpr std::int32_t kLeaf = -1;
constexpr std::int32_t kUndefined = -2;
constexpr std::size_t kBinningSample = 100'000;
// Below this many (row, feature) visits a node's search runs on one thread: starting
// threads would cost more than the work.
constexpr std::size_t kParallelWork = 1u << 15;

bool is_categorical(const TreeTrainingData& data, std::size_t f) {
    return !data.categorical.empty() && data.categorical[f] != 0;
}

// The checked problem: effective row weights and what the search needs to know of it.
struct Problem {
    const TreeTrainingData* data = nullptr;
    std::size_t n_samples = 0;
    std::size_t n_features = 0;
    int n_classes = 2;
    std::vector<double> weight;  // sample_weight * class_weight
    bool unit_weights = false;   // every weight is 0 (row left out) or 1
    std::vector<std::int32_t> n_categories;
    std::vector<std::uint8_t> has_missing;
    double min_weight_leaf = 0.0;
    bool histogram = false;
    int n_threads = 1;

    int stride() const { return n_classes + 1; }
    double x(std::size_t row, std::size_t f) const { return data->X(row, f); }
};

// Runs body(begin, end) over blocks of rows; every pass over X goes row by row so a
// row-major matrix is read once, not once per feature.
constexpr std::int64_t kRowBlock = 8192;

template <class Body>
void for_row_blocks(std::size_t n, int n_threads, Body&& body) {
    const auto n_rows = static_cast<std::int64_t>(n);
    const std::int64_t n_blocks = (n_rows + kRowBlock - 1) / kRowBlock;
    detail::parallel_for(n_blocks, n_threads, [&](std::int64_t block) {
        body(block, block * kRowBlock, std::min(n_rows, (block + 1) * kRowBlock));
    });
}

std::string feature_problem(const TreeTrainingData& data, std::size_t f, double v) {
    if (std::isinf(v))
        return "holds infinity in feature " + std::to_string(f) +
               "; replace it by a large finite value or NaN (missing)";
    if (is_categorical(data, f) && (v < 0 || v != std::floor(v) || v > 65535))
        return "categorical feature " + std::to_string(f) + " holds " +
               std::to_string(v) +
               "; category codes must be whole numbers in [0, 65535]";
    return {};
}

// Whether feature_problem has nothing to say about v (NaN is a missing value).
inline bool acceptable_value(bool categorical, double v) {
    if (categorical) return v != v || (v >= 0 && v <= 65535 && v == std::floor(v));
    return !std::isinf(v);
}

// Calls body(row, value) for rows [first, last) of feature f, the column's kind and
// stride resolved once instead of per value.
template <class Body>
void for_values(const FeatureColumns& X, std::size_t f, std::int64_t first,
                std::int64_t last, Body&& body) {
    if (X.is_code_column(f)) {
        const CodeColumn codes = X.codes[f];
        for (auto i = first; i < last; ++i)
            body(i, codes.value(static_cast<std::size_t>(i)));
        return;
    }
    const double* column = X.columns[f];
    const std::ptrdiff_t stride = X.strides[f];
    for (auto i = first; i < last; ++i) body(i, column[i * stride]);
}

// Rejects infinities and bad category codes; counts categories and notes missing
// values. The error reported is the first bad value in row order.
void check_features(const TreeTrainingData& data, int n_threads,
                    std::vector<std::int32_t>& n_cat,
                    std::vector<std::uint8_t>& has_missing) {
    const std::size_t n = data.X.n_rows;
    const std::size_t d = data.X.n_cols();
    const auto n_blocks = (n + kRowBlock - 1) / kRowBlock;
    std::vector<double> largest(n_blocks * d, -1.0);
    std::vector<std::uint8_t> missing(n_blocks * d, 0);
    std::vector<std::string> problems(n_blocks);
    for_row_blocks(
        n, n_threads, [&](std::int64_t block, std::int64_t begin, std::int64_t end) {
            const auto base = static_cast<std::size_t>(block) * d;
            // The first bad value in row order: feature by feature, the earliest row
            // (then the lowest feature) wins.
            std::int64_t bad_row = end;
            std::size_t bad_feature = 0;
            for (std::size_t f = 0; f < d; ++f) {
                const bool categorical = is_categorical(data, f);
                bool any_missing = false;
                double top = -1.0;
                std::int64_t first_bad = end;
                for_values(data.X, f, begin, end, [&](std::int64_t i, double v) {
                    any_missing |= v != v;
                    if (categorical && v == v) top = std::max(top, v);
                    if (first_bad == end && !acceptable_value(categorical, v))
                        first_bad = i;
                });
                missing[base + f] = any_missing;
                largest[base + f] = top;
                if (first_bad < bad_row) {
                    bad_row = first_bad;
                    bad_feature = f;
                }
            }
            if (bad_row < end)
                problems[static_cast<std::size_t>(block)] = feature_problem(
                    data, bad_feature,
                    data.X(static_cast<std::size_t>(bad_row), bad_feature));
        });
    for (const auto& problem : problems) require(problem.empty(), "X", problem);
    n_cat.assign(d, 0);
    has_missing.assign(d, 0);
    for (std::size_t block = 0; block < n_blocks; ++block) {
        for (std::size_t f = 0; f < d; ++f) {
            has_missing[f] |= missing[block * d + f];
            if (is_categorical(data, f))
                n_cat[f] = std::max(
                    n_cat[f], static_cast<std::int32_t>(largest[block * d + f] + 1));
        }
    }
}

std::vector<double> row_weights(const TreeTrainingData& data,
                                const DecisionTreeParams& params, std::size_t n) {
    std::vector<double> class_weight(static_cast<std::size_t>(data.n_classes), 1.0);
    if (!params.class_weight.empty()) {
        require(params.class_weight.size() == class_weight.size(), "class_weight",
                "needs one weight per class (" + std::to_string(class_weight.size()) +
                    "), got " + std::to_string(params.class_weight.size()));
        class_weight = params.class_weight;
    }
    std::vector<double> counts(class_weight.size(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t label = data.y[i];
        if (label < 0 || label >= data.n_classes)
            detail::throw_invalid("y", "class codes must be in [0, n_classes); row " +
                                           std::to_string(i) + " holds " +
                                           std::to_string(label));
        counts[static_cast<std::size_t>(label)] += 1.0;
    }
    if (params.balanced)
        for (std::size_t k = 0; k < counts.size(); ++k)
            if (counts[k] > 0)
                class_weight[k] *= static_cast<double>(n) /
                                   (static_cast<double>(counts.size()) * counts[k]);
    std::vector<double> weight(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double s = data.sample_weight ? data.sample_weight[i] : 1.0;
        if (!(std::isfinite(s) && s >= 0))
            detail::throw_invalid(
                "sample_weight", "weights must be finite and >= 0; row " +
                                     std::to_string(i) + " holds " + std::to_string(s));
        weight[i] = s * class_weight[static_cast<std::size_t>(data.y[i])];
    }
    return weight;
}

// The distinct values when there are at most max_bins of them, else empty; a hash set
// finds them in one pass where sorting would cost far more.
std::vector<double> few_distinct(const std::vector<double>& values, int max_bins) {
    std::unordered_set<double> seen;
    for (double v : values) {
        seen.insert(v);
        if (seen.size() > static_cast<std::size_t>(max_bins)) return {};
    }
    std::vector<double> distinct(seen.begin(), seen.end());
    std::sort(distinct.begin(), distinct.end());
    return distinct;
}

// automatic: histogram on large data, and on small data whose every feature fits in
// the bins (each distinct value its own bin, so the cuts put the training rows on the
// same sides as exact ones, found far faster); exact otherwise.
bool use_histogram(const Problem& problem, const DecisionTreeParams& params) {
    if (params.splitter != TreeSplitter::automatic)
        return params.splitter == TreeSplitter::histogram;
    if (problem.n_samples >= params.histogram_min_samples) return true;
    for (std::size_t f = 0; f < problem.n_features; ++f) {
        if (problem.n_categories[f] > 0) {
            if (problem.n_categories[f] > params.max_bins) return false;
            continue;
        }
        std::vector<double> values;
        for (std::size_t i = 0; i < problem.n_samples; ++i)
            if (problem.weight[i] > 0 && problem.x(i, f) == problem.x(i, f))
                values.push_back(problem.x(i, f));
        if (!values.empty() && few_distinct(values, params.max_bins).empty())
            return false;
    }
    return true;
}

void check_category_counts(const Problem& problem, int max_bins) {
    for (std::size_t f = 0; f < problem.n_features; ++f)
        require(problem.n_categories[f] <= max_bins, "X",
                "categorical feature " + std::to_string(f) + " has " +
                    std::to_string(problem.n_categories[f]) +
                    " categories, more than max_bins (" + std::to_string(max_bins) +
                    ") of the histogram splitter; group rare categories, raise "
                    "max_bins (at most 255) or use splitter='exact'");
}

Problem prepare(const TreeTrainingData& data, const DecisionTreeParams& params) {
    params.validate();
    Problem problem;
    problem.data = &data;
    problem.n_samples = data.X.n_rows;
    problem.n_features = data.X.n_cols();
    problem.n_classes = data.n_classes;
    require(problem.n_samples > 0, "X", "has no rows; pass at least one sample");
    require(problem.n_features > 0, "X", "has no columns; pass at least one feature");
    require(problem.n_samples < (std::size_t{1} << 31), "X",
            "has 2^31 rows or more; fit on a sample of the rows");
    require(data.y != nullptr, "y", "is missing; pass one class code per row");
    require(data.n_classes >= 1, "n_classes", "must be at least 1");
    require(data.X.strides.size() == problem.n_features, "X",
            "needs one stride per column");
    require(data.X.codes.empty() || data.X.codes.size() == problem.n_features, "X",
            "needs no code columns or one entry per column");
    require(data.categorical.empty() || data.categorical.size() == problem.n_features,
            "categorical", "needs one flag per feature");
    for (double w : params.class_weight)
        require(std::isfinite(w) && w >= 0, "class_weight",
                "weights must be finite and >= 0");
    problem.n_threads = resolve_num_threads(params.n_jobs);
    check_features(data, problem.n_threads, problem.n_categories, problem.has_missing);
    problem.weight = row_weights(data, params, problem.n_samples);
    problem.unit_weights = std::all_of(problem.weight.begin(), problem.weight.end(),
                                       [](double w) { return w == 0.0 || w == 1.0; });
    const double total =
        std::accumulate(problem.weight.begin(), problem.weight.end(), 0.0);
    require(total > 0, "sample_weight",
            "the weights (times the class weights) sum to 0; give some rows a positive "
            "weight");
    problem.min_weight_leaf = params.min_weight_fraction_leaf * total;
    problem.histogram = use_histogram(problem, params);
    if (problem.histogram) check_category_counts(problem, params.max_bins);
    return problem;
}

// Histogram mode's view of the data: per feature, a bin code per row (feature-major),
// the missing code being the feature's bin count.
struct BinnedFeatures {
    std::vector<std::uint8_t> codes;
    std::vector<int> n_bins;  // value bins; missing code = n_bins[f]
    std::vector<std::vector<double>>
        edges;                        // numeric: bin b holds (edges[b-1], edges[b]]
    std::vector<std::size_t> offset;  // of feature f in a node histogram
    std::size_t histogram_size = 0;

    const std::uint8_t* column(std::size_t f, std::size_t n) const {
        return codes.data() + f * n;
    }
};

// Bin edges: midpoints between neighbouring distinct values when there are few, else
// between the value at each of max_bins quantiles of a row sample and the next distinct
// value above it. An edge thus always lies halfway across a gap in the data, as an
// exact split's threshold does: on repeated values a plain quantile midpoint falls on a
// value itself and sends every unseen value above it right. values: the feature's
// non-missing sampled values.
std::vector<double> numeric_edges(std::vector<double> values, int max_bins) {
    std::vector<double> edges;
    if (values.empty()) return edges;
    const std::vector<double> few = few_distinct(values, max_bins);
    if (!few.empty()) {
        for (std::size_t j = 1; j < few.size(); ++j)
            edges.push_back(few[j - 1] / 2.0 + few[j] / 2.0);
        return edges;
    }
    std::sort(values.begin(), values.end());
    for (int b = 1; b < max_bins; ++b) {
        const std::size_t at = values.size() * static_cast<std::size_t>(b) /
                               static_cast<std::size_t>(max_bins);
        const auto above =
            std::upper_bound(values.begin() + static_cast<std::ptrdiff_t>(at),
                             values.end(), values[at - 1]);
        if (above == values.end()) break;
        const double edge = values[at - 1] / 2.0 + *above / 2.0;
        if (edges.empty() || edge > edges.back()) edges.push_back(edge);
    }
    return edges;
}

// Evenly spaced rows, gathered row by row, per numeric feature without missing values.
std::vector<std::vector<double>> sample_values(const Problem& problem) {
    const std::size_t n = problem.n_samples;
    const std::size_t m = std::min(n, kBinningSample);
    std::vector<std::vector<double>> values(problem.n_features);
    for (auto& column : values) column.reserve(m);
    for (std::size_t j = 0; j < m; ++j) {
        const std::size_t row = j * n / m;
        if (problem.weight[row] == 0) continue;  // rows of weight 0 take no part
        for (std::size_t f = 0; f < problem.n_features; ++f) {
            const double v = problem.x(row, f);
            if (v == v && problem.n_categories[f] == 0) values[f].push_back(v);
        }
    }
    return values;
}

// The number of edges below v, by a fixed sequence of halvings over edges padded with
// +inf to 256 entries: no data-dependent branch, and as few halvings as the edge
// count needs (a 0/1 feature takes one).
// first_step: the largest power of two not above the edge count (0 without edges).
inline std::uint8_t bin_of(const double* padded_edges, std::uint32_t first_step,
                           double v) {
    std::uint32_t bin = 0;
    for (std::uint32_t step = first_step; step > 0; step /= 2)
        bin +=
            step & (0u - static_cast<std::uint32_t>(padded_edges[bin + step - 1] < v));
    return static_cast<std::uint8_t>(bin);
}

BinnedFeatures bin_features(const Problem& problem, int max_bins) {
    const std::size_t n = problem.n_samples;
    const std::size_t d = problem.n_features;
    BinnedFeatures binned;
    binned.n_bins.resize(d);
    binned.edges.resize(d);
    {
        std::vector<std::vector<double>> sample = sample_values(problem);
        detail::parallel_for(
            static_cast<std::int64_t>(d), problem.n_threads, [&](std::int64_t f) {
                const auto j = static_cast<std::size_t>(f);
                if (problem.n_categories[j] > 0) return;
                binned.edges[j] = numeric_edges(std::move(sample[j]), max_bins);
            });
    }
    std::vector<double> padded(d * 256, std::numeric_limits<double>::infinity());
    std::vector<std::uint8_t> missing_code(d);
    std::vector<std::uint32_t> first_steps(d, 0);
    for (std::size_t f = 0; f < d; ++f) {
        std::copy(binned.edges[f].begin(), binned.edges[f].end(),
                  padded.begin() + f * 256);
        binned.n_bins[f] = problem.n_categories[f] > 0
                               ? problem.n_categories[f]
                               : static_cast<int>(binned.edges[f].size() + 1);
        missing_code[f] = static_cast<std::uint8_t>(binned.n_bins[f]);
        for (std::uint32_t step = 128; step > 0; step /= 2)
            if (step <= binned.edges[f].size() && first_steps[f] == 0)
                first_steps[f] = step;
    }
    // The bins of the whole numbers 0..255, looked up instead of searched: counts,
    // flags and ordinal codes, most columns of a customer table, are such numbers.
    std::vector<std::uint8_t> small_bins(d * 256);
    for (std::size_t f = 0; f < d; ++f)
        for (int k = 0; k < 256; ++k)
            small_bins[f * 256 + static_cast<std::size_t>(k)] =
                bin_of(padded.data() + f * 256, first_steps[f], k);
    binned.codes.resize(n * d);
    for_row_blocks(
        n, problem.n_threads, [&](std::int64_t, std::int64_t begin, std::int64_t end) {
            // Feature by feature over a cache-sized slice of rows: the searches of
            // neighbouring rows are independent, so they overlap in the pipeline.
            constexpr std::int64_t kSlice = 512;
            for (auto first = begin; first < end; first += kSlice) {
                const auto last = std::min(end, first + kSlice);
                for (std::size_t f = 0; f < d; ++f) {
                    std::uint8_t* codes = binned.codes.data() + f * n;
                    const double* edges = padded.data() + f * 256;
                    const std::uint32_t first_step = first_steps[f];
                    const bool categorical = problem.n_categories[f] > 0;
                    const std::uint8_t missing = missing_code[f];
                    const std::uint8_t* small = small_bins.data() + f * 256;
                    for_values(
                        problem.data->X, f, first, last, [&](std::int64_t i, double v) {
                            const bool small_whole =
                                v >= 0.0 && v < 256.0 &&
                                v == static_cast<double>(static_cast<int>(v));
                            codes[i] = v != v        ? missing
                                       : categorical ? static_cast<std::uint8_t>(v)
                                       : small_whole ? small[static_cast<int>(v)]
                                                     : bin_of(edges, first_step, v);
                        });
                }
            }
        });
    binned.offset.resize(d);
    for (std::size_t f = 0; f < d; ++f) {
        binned.offset[f] = binned.histogram_size;
        binned.histogram_size += static_cast<std::size_t>(binned.n_bins[f] + 1) *
                                 static_cast<std::size_t>(problem.stride());
    }
    return binned;
}

// The split a node takes: the winning feature and where its rows go.
struct NodeSplit {
    std::int32_t feature = kUndefined;
    double proxy = -std::numeric_limits<double>::infinity();
    double threshold = 0.0;
    int last_left_bin = -1;  // histogram mode, numeric feature
    bool missing_left = false;
    std::vector<std::uint64_t> left_categories;  // bitset over category codes
    std::vector<double> left, right;             // stats of the children
    bool found() const { return feature >= 0; }
};

// One feature's bins at one node; stats may point into a node histogram or own_stats.
struct FeatureBins {
    const double* stats = nullptr;
    std::vector<double> own_stats;
    std::vector<std::int32_t> order;
    std::vector<double> first_value, last_value;  // exact mode: value range per bin
    const double* missing = nullptr;
    std::vector<double> own_missing;
};

class TreeBuilder {
public:
    TreeBuilder(const Problem& problem, const DecisionTreeParams& params)
        : p_(problem), params_(params) {
        if (p_.histogram) binned_ = bin_features(p_, params.max_bins);
        // Rows of weight 0 take no part in growth (scikit-learn's rule), so weighting
        // a row by 0 is the same as leaving it out.
        for (std::size_t i = 0; i < p_.n_samples; ++i)
            if (p_.weight[i] > 0) samples_.push_back(static_cast<std::uint32_t>(i));
        limits_.min_samples_leaf = static_cast<double>(params.min_samples_leaf);
        limits_.min_weight_leaf = p_.min_weight_leaf;
        limits_.criterion = params.criterion;
        model_.n_features = static_cast<int>(p_.n_features);
        model_.n_classes = p_.n_classes;
        model_.n_categories = p_.n_categories;
        model_.feature_has_missing = p_.has_missing;
        model_.histogram = p_.histogram;
    }

    DecisionTreeModel grow() {
        std::vector<Task> stack;
        Task root;
        root.end = samples_.size();
        root.parent = kUndefined;
        root_weight_ = std::accumulate(p_.weight.begin(), p_.weight.end(), 0.0);
        if (p_.histogram) root.histogram = histogram(0, root.end);
        stack.push_back(std::move(root));
        while (!stack.empty()) {
            Task task = std::move(stack.back());
            stack.pop_back();
            detail::poll_interrupt();
            process(std::move(task), stack);
        }
        return std::move(model_);
    }

private:
    struct Task {
        std::size_t start = 0, end = 0;
        int depth = 0;
        std::int32_t parent = kUndefined;
        bool is_left = false;
        double impurity = std::numeric_limits<double>::quiet_NaN();  // NaN: the root
        std::vector<double> histogram;
    };

    void process(Task task, std::vector<Task>& stack) {
        const int C = p_.n_classes;
        const std::size_t n_node = task.end - task.start;
        const std::vector<double> totals = node_stats(task.start, task.end);
        const double w_node = detail::stats_weight(totals.data(), C);
        const double impurity =
            std::isnan(task.impurity)
                ? detail::node_impurity(totals.data(), C, w_node, params_.criterion)
                : task.impurity;
        bool is_leaf = !may_split(n_node, task.depth) ||
                       w_node < 2 * p_.min_weight_leaf || impurity <= kEpsilon;
        NodeSplit split;
        if (!is_leaf) {
            split = best_split(task, totals);
            is_leaf =
                !split.found() || improvement(split, w_node, impurity) + kEpsilon <
                                      params_.min_impurity_decrease;
        }
        const auto node =
            add_node(task, totals, w_node, impurity, is_leaf ? nullptr : &split);
        if (is_leaf) return;

        const std::size_t middle = partition(task, split);
        Task left, right;
        left.start = task.start;
        left.end = right.start = middle;
        right.end = task.end;
        left.depth = right.depth = task.depth + 1;
        left.parent = right.parent = node;
        left.is_left = true;
        left.impurity = child_impurity(split.left);
        right.impurity = child_impurity(split.right);
        if (p_.histogram) child_histograms(task, left, right);
        stack.push_back(std::move(right));
        stack.push_back(std::move(left));
    }

    bool may_split(std::size_t n_node, int depth) const {
        return !(params_.max_depth >= 0 && depth >= params_.max_depth) &&
               n_node >= params_.min_samples_split &&
               n_node >= 2 * params_.min_samples_leaf;
    }

    double child_impurity(const std::vector<double>& stats) const {
        const double w = detail::stats_weight(stats.data(), p_.n_classes);
        return detail::node_impurity(stats.data(), p_.n_classes, w, params_.criterion);
    }

    // scikit-learn's weighted impurity decrease, (N_t / N) * (i(t) - N_tR / N_t * i(tR)
    // - N_tL / N_t * i(tL)).
    double improvement(const NodeSplit& split, double w_node, double impurity) const {
        const double w_left = detail::stats_weight(split.left.data(), p_.n_classes);
        const double w_right = detail::stats_weight(split.right.data(), p_.n_classes);
        return w_node / total_weight() *
               (impurity - w_right / w_node * child_impurity(split.right) -
                w_left / w_node * child_impurity(split.left));
    }

    double total_weight() const { return root_weight_; }

    std::vector<double> node_stats(std::size_t start, std::size_t end) const {
        const int C = p_.n_classes;
        std::vector<double> totals(static_cast<std::size_t>(C + 1), 0.0);
        for (std::size_t j = start; j < end; ++j) {
            const std::uint32_t i = samples_[j];
            totals[static_cast<std::size_t>(p_.data->y[i])] += p_.weight[i];
        }
        totals[static_cast<std::size_t>(C)] = static_cast<double>(end - start);
        return totals;
    }

    std::int32_t add_node(const Task& task, const std::vector<double>& totals,
                          double w_node, double impurity, const NodeSplit* split) {
        auto& m = model_;
        const auto node = static_cast<std::int32_t>(m.children_left.size());
        if (task.parent >= 0) {
            auto& link = task.is_left ? m.children_left : m.children_right;
            link[static_cast<std::size_t>(task.parent)] = node;
        }
        m.children_left.push_back(kLeaf);
        m.children_right.push_back(kLeaf);
        m.feature.push_back(split ? split->feature : kUndefined);
        m.threshold.push_back(split ? split->threshold
                                    : static_cast<double>(kUndefined));
        m.impurity.push_back(impurity);
        m.n_node_samples.push_back(static_cast<std::int64_t>(task.end - task.start));
        m.weighted_n_node_samples.push_back(w_node);
        m.missing_go_to_left.push_back(split && split->missing_left ? 1 : 0);
        for (int k = 0; k < p_.n_classes; ++k)
            m.value.push_back(w_node > 0 ? totals[static_cast<std::size_t>(k)] / w_node
                                         : 1.0 / p_.n_classes);
        if (split && !split->left_categories.empty()) {
            m.category_offset.push_back(
                static_cast<std::int64_t>(m.category_bits.size()));
            m.category_bits.insert(m.category_bits.end(),
                                   split->left_categories.begin(),
                                   split->left_categories.end());
        } else {
            m.category_offset.push_back(-1);
        }
        return node;
    }

    // The features to search at a node, in the order ties are broken: a permutation
    // seeded by random_state and the node, as scikit-learn permutes them even when it
    // searches them all, so equally good splits are not always won by the first column.
    std::vector<std::size_t> feature_order() const {
        std::vector<std::size_t> order(p_.n_features);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::seed_seq seed{static_cast<std::uint32_t>(params_.random_state),
                           static_cast<std::uint32_t>(params_.random_state >> 32),
                           static_cast<std::uint32_t>(model_.children_left.size())};
        std::mt19937_64 rng(seed);
        for (std::size_t i = 0; i + 1 < order.size(); ++i) {
            const auto j = i + static_cast<std::size_t>(rng() % (order.size() - i));
            std::swap(order[i], order[j]);
        }
        return order;
    }

    // Searches features in order until max_features of them were not constant at the
    // node (scikit-learn's rule), a batch at a time so each batch runs in parallel.
    NodeSplit best_split(const Task& task, const std::vector<double>& totals) {
        const std::vector<std::size_t> order = feature_order();
        const std::size_t wanted = params_.max_features == 0
                                       ? p_.n_features
                                       : std::min(params_.max_features, p_.n_features);
        NodeSplit best;
        std::size_t next = 0;
        std::size_t searched = 0;
        while (searched < wanted && next < order.size()) {
            const std::size_t batch = std::min(wanted - searched, order.size() - next);
            std::vector<NodeSplit> found(batch);
            std::vector<std::uint8_t> constant(batch, 0);
            const std::size_t n_node = task.end - task.start;
            const int threads = n_node * batch >= kParallelWork ? p_.n_threads : 1;
            detail::parallel_for(
                static_cast<std::int64_t>(batch), threads, [&](std::int64_t j) {
                    const auto b = static_cast<std::size_t>(j);
                    found[b] =
                        search_feature(task, totals, order[next + b], constant[b]);
                });
            for (std::size_t b = 0; b < batch; ++b) {
                if (!constant[b]) ++searched;
                if (found[b].found() && found[b].proxy > best.proxy)
                    best = std::move(found[b]);
            }
            next += batch;
        }
        return best;
    }

    NodeSplit search_feature(const Task& task, const std::vector<double>& totals,
                             std::size_t f, std::uint8_t& constant) const {
        const FeatureBins bins = feature_bins(task, f);
        const int C = p_.n_classes;
        const auto stride = static_cast<std::size_t>(p_.stride());
        const bool has_missing = bins.missing[C] > 0.0;
        NodeSplit split;
        if (bins.order.empty() || (bins.order.size() == 1 && !has_missing)) {
            constant = 1;
            return split;
        }
        const detail::FeatureCut cut =
            detail::best_cut(bins.stats, bins.order.data(), bins.order.size(),
                             bins.missing, totals.data(), C, limits_);
        if (!cut.found()) return split;
        split.feature = static_cast<std::int32_t>(f);
        split.proxy = cut.proxy;
        split.missing_left = cut.missing_left;
        split.left.assign(stride, 0.0);
        for (std::size_t j = 0; j < cut.n_left; ++j)
            for (std::size_t k = 0; k < stride; ++k)
                split.left[k] +=
                    bins.stats[static_cast<std::size_t>(bins.order[j]) * stride + k];
        if (cut.missing_left)
            for (std::size_t k = 0; k < stride; ++k) split.left[k] += bins.missing[k];
        split.right.resize(stride);
        for (std::size_t k = 0; k < stride; ++k)
            split.right[k] = totals[k] - split.left[k];
        if (p_.n_categories[f] > 0) {
            split.threshold = std::numeric_limits<double>::quiet_NaN();
            split.left_categories = category_set(bins, cut, p_.n_categories[f]);
        } else if (cut.missing_only_right) {
            split.threshold = std::numeric_limits<double>::infinity();
        } else if (p_.histogram) {
            split.last_left_bin = bins.order[cut.n_left - 1];
            split.threshold =
                binned_.edges[f][static_cast<std::size_t>(split.last_left_bin)];
        } else {
            split.threshold = bins.last_value[cut.n_left - 1] / 2.0 +
                              bins.first_value[cut.n_left] / 2.0;
        }
        return split;
    }

    // The categories sent left; those not seen at the node follow the missing values.
    std::vector<std::uint64_t> category_set(const FeatureBins& bins,
                                            const detail::FeatureCut& cut,
                                            std::int32_t n_categories) const {
        std::vector<std::uint64_t> bits(
            (static_cast<std::size_t>(n_categories) + 63) / 64, 0);
        auto set = [&](std::size_t c) { bits[c / 64] |= std::uint64_t{1} << (c % 64); };
        const std::size_t left =
            cut.missing_only_right ? bins.order.size() : cut.n_left;
        for (std::size_t j = 0; j < left; ++j)
            set(static_cast<std::size_t>(bins.order[j]));
        if (cut.missing_left) {
            const auto stride = static_cast<std::size_t>(p_.stride());
            for (std::size_t c = 0; c < static_cast<std::size_t>(n_categories); ++c)
                if (bins.stats[c * stride + static_cast<std::size_t>(p_.n_classes)] ==
                    0.0)
                    set(c);
        }
        return bits;
    }

    FeatureBins feature_bins(const Task& task, std::size_t f) const {
        FeatureBins bins;
        const auto stride = static_cast<std::size_t>(p_.stride());
        std::size_t n_bins = 0;
        if (p_.histogram) {
            bins.stats = task.histogram.data() + binned_.offset[f];
            n_bins = static_cast<std::size_t>(binned_.n_bins[f]);
        } else if (p_.n_categories[f] > 0) {
            n_bins = static_cast<std::size_t>(p_.n_categories[f]);
            bins.own_stats.assign((n_bins + 1) * stride, 0.0);
            for (std::size_t j = task.start; j < task.end; ++j) {
                const std::uint32_t i = samples_[j];
                const double v = p_.x(i, f);
                const std::size_t bin =
                    std::isnan(v) ? n_bins : static_cast<std::size_t>(v);
                add_row(bins.own_stats.data() + bin * stride, i);
            }
            bins.stats = bins.own_stats.data();
        } else {
            exact_numeric_bins(task, f, bins);
            return bins;
        }
        bins.missing = bins.stats + n_bins * stride;
        for (std::size_t b = 0; b < n_bins; ++b)
            if (bins.stats[b * stride + static_cast<std::size_t>(p_.n_classes)] > 0)
                bins.order.push_back(static_cast<std::int32_t>(b));
        if (p_.n_categories[f] > 0) order_by_target_rate(bins);
        return bins;
    }

    // Breiman's ordering: sorted by the share of the last class, a cut of this order is
    // the best subset split for two classes.
    void order_by_target_rate(FeatureBins& bins) const {
        const auto stride = static_cast<std::size_t>(p_.stride());
        const int C = p_.n_classes;
        std::vector<double> rate(bins.order.size());
        for (std::size_t j = 0; j < bins.order.size(); ++j) {
            const double* s =
                bins.stats + static_cast<std::size_t>(bins.order[j]) * stride;
            const double w = detail::stats_weight(s, C);
            rate[j] = w > 0 ? s[C - 1] / w : 0.0;
        }
        std::vector<std::size_t> idx(bins.order.size());
        std::iota(idx.begin(), idx.end(), std::size_t{0});
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
            return rate[a] < rate[b];
        });
        std::vector<std::int32_t> sorted(idx.size());
        for (std::size_t j = 0; j < idx.size(); ++j) sorted[j] = bins.order[idx[j]];
        bins.order = std::move(sorted);
    }

    // Distinct values at the node, merged when closer than scikit-learn's threshold.
    void exact_numeric_bins(const Task& task, std::size_t f, FeatureBins& bins) const {
        const auto stride = static_cast<std::size_t>(p_.stride());
        bins.own_missing.assign(stride, 0.0);
        std::vector<std::pair<double, std::uint32_t>> values;
        values.reserve(task.end - task.start);
        for (std::size_t j = task.start; j < task.end; ++j) {
            const std::uint32_t i = samples_[j];
            const double v = p_.x(i, f);
            if (std::isnan(v))
                add_row(bins.own_missing.data(), i);
            else
                values.emplace_back(v, i);
        }
        // By value alone: rows of equal value share a bin whatever their order.
        std::sort(values.begin(), values.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t j = 0; j < values.size(); ++j) {
            if (j == 0 || values[j].first > values[j - 1].first + kFeatureThreshold) {
                bins.own_stats.resize(bins.own_stats.size() + stride, 0.0);
                bins.first_value.push_back(values[j].first);
                bins.last_value.push_back(values[j].first);
                bins.order.push_back(static_cast<std::int32_t>(bins.order.size()));
            }
            bins.last_value.back() = values[j].first;
            add_row(bins.own_stats.data() + bins.own_stats.size() - stride,
                    values[j].second);
        }
        bins.stats = bins.own_stats.data();
        bins.missing = bins.own_missing.data();
    }

    void add_row(double* stats, std::uint32_t i) const {
        stats[p_.data->y[i]] += p_.weight[i];
        stats[p_.n_classes] += 1.0;
    }

    bool row_goes_left(std::uint32_t i, const NodeSplit& split) const {
        const auto f = static_cast<std::size_t>(split.feature);
        if (p_.histogram) {
            const std::uint8_t code = binned_.column(f, p_.n_samples)[i];
            if (code == binned_.n_bins[f]) return split.missing_left;
            if (split.left_categories.empty())
                return code <= split.last_left_bin || split.last_left_bin < 0;
            return (split.left_categories[code / 64] >> (code % 64)) & 1u;
        }
        const double v = p_.x(i, f);
        if (std::isnan(v)) return split.missing_left;
        if (split.left_categories.empty()) return v <= split.threshold;
        const auto c = static_cast<std::size_t>(v);
        return (split.left_categories[c / 64] >> (c % 64)) & 1u;
    }

    std::size_t partition(const Task& task, const NodeSplit& split) {
        const auto first = samples_.begin() + static_cast<std::ptrdiff_t>(task.start);
        const auto last = samples_.begin() + static_cast<std::ptrdiff_t>(task.end);
        const auto middle = std::stable_partition(
            first, last, [&](std::uint32_t i) { return row_goes_left(i, split); });
        return static_cast<std::size_t>(middle - samples_.begin());
    }

    // Histogram of the rows [start, end): per feature, per bin, the class weights and
    // row count. Each feature is summed by one thread, in row order.
    std::vector<double> histogram(std::size_t start, std::size_t end) const {
        std::vector<double> hist(binned_.histogram_size, 0.0);
        const std::size_t n_rows = end - start;
        std::vector<std::int32_t> labels(n_rows);
        std::vector<double> weights(p_.unit_weights ? 0 : n_rows);
        for (std::size_t j = 0; j < n_rows; ++j) {
            const std::uint32_t i = samples_[start + j];
            labels[j] = p_.data->y[i];
            if (!p_.unit_weights) weights[j] = p_.weight[i];
        }
        const std::uint32_t* rows = samples_.data() + start;
        const int threads = n_rows * p_.n_features >= kParallelWork ? p_.n_threads : 1;
        detail::parallel_for(
            static_cast<std::int64_t>(p_.n_features), threads, [&](std::int64_t task) {
                const auto f = static_cast<std::size_t>(task);
                double* h = hist.data() + binned_.offset[f];
                if (p_.unit_weights)
                    tally_feature(f, rows, labels.data(), n_rows, h);
                else
                    sum_feature(f, rows, labels.data(), weights.data(), n_rows, h);
            });
        return hist;
    }

    // One feature's histogram, the class weights summed in row order.
    void sum_feature(std::size_t f, const std::uint32_t* rows,
                     const std::int32_t* labels, const double* weights,
                     std::size_t n_rows, double* h) const {
        const std::uint8_t* codes = binned_.column(f, p_.n_samples);
        const auto stride = static_cast<std::size_t>(p_.stride());
        const auto count = static_cast<std::size_t>(p_.n_classes);
        for (std::size_t j = 0; j < n_rows; ++j) {
            double* bin = h + codes[rows[j]] * stride;
            bin[labels[j]] += weights[j];
            bin[count] += 1.0;
        }
    }

    // The same when every weight is 1: whole-number tallies, exact in any order, so
    // rows take turns over four copies and consecutive rows in one bin (most rows,
    // for a flag or a code of few values) do not wait on each other's update.
    void tally_feature(std::size_t f, const std::uint32_t* rows,
                       const std::int32_t* labels, std::size_t n_rows,
                       double* h) const {
        constexpr std::size_t kCopies = 4;
        const std::uint8_t* codes = binned_.column(f, p_.n_samples);
        const auto classes = static_cast<std::size_t>(p_.n_classes);
        const std::size_t n_bins = static_cast<std::size_t>(binned_.n_bins[f]) + 1;
        const std::size_t copy_size = n_bins * classes;
        std::vector<std::uint32_t> tallies(kCopies * copy_size, 0);
        for (std::size_t j = 0; j < n_rows; ++j)
            ++tallies[(j % kCopies) * copy_size + codes[rows[j]] * classes +
                      static_cast<std::size_t>(labels[j])];
        const auto stride = static_cast<std::size_t>(p_.stride());
        for (std::size_t b = 0; b < n_bins; ++b) {
            double* bin = h + b * stride;
            for (std::size_t c = 0; c < classes; ++c) {
                std::uint64_t total = 0;
                for (std::size_t k = 0; k < kCopies; ++k)
                    total += tallies[k * copy_size + b * classes + c];
                bin[c] = static_cast<double>(total);
                bin[classes] += static_cast<double>(total);
            }
        }
    }

    // The smaller child is summed from its rows, the larger one is the parent minus it.
    void child_histograms(Task& parent, Task& left, Task& right) const {
        const bool left_splits = may_split(left.end - left.start, left.depth);
        const bool right_splits = may_split(right.end - right.start, right.depth);
        if (!left_splits && !right_splits) return;
        const bool left_smaller = left.end - left.start <= right.end - right.start;
        Task& smaller = left_smaller ? left : right;
        Task& larger = left_smaller ? right : left;
        smaller.histogram = histogram(smaller.start, smaller.end);
        if (!(left_smaller ? right_splits : left_splits)) return;
        larger.histogram = std::move(parent.histogram);
        for (std::size_t j = 0; j < larger.histogram.size(); ++j)
            larger.histogram[j] -= smaller.histogram[j];
    }

    const Problem& p_;
    const DecisionTreeParams& params_;
    BinnedFeatures binned_;
    std::vector<std::uint32_t> samples_;
    detail::SplitLimits limits_;
    DecisionTreeModel model_;
    double root_weight_ = 0.0;
};

// Prediction's view of a node: everything one step needs in one record (its column
// already resolved), and leaves that lead to themselves, so rows can descend in
// lock-step without branches.
struct PackedNode {
    double threshold;
    double n_categories;  // 0 for numeric splits
    const double* column;
    std::ptrdiff_t stride;
    // Categorical splits: the side of each code, then of a missing or unknown code
    // (n_categories + 1 entries). Numeric nodes point at one unused entry, so every
    // node can be asked without a branch.
    const std::uint8_t* right_of_code;
    CodeColumn codes;  // set when the feature is a column of integer codes
    std::int32_t child[2];
    std::uint8_t missing_right;
    std::uint8_t categorical;
};

// A node of a numeric tree whose columns share one stride (a numpy matrix, a
// DataFrame's float64 columns): 32 bytes, two to a cache line, one multiply and one
// compare per step. Siblings are stored side by side (breadth_first_layout), so the
// next node is first_child + !(sign * x <= bound), with no load of a child index on
// the chain: sign 1 and bound t send NaN right; sign -1 and bound -next_up(t) with
// the children swapped send x <= t and NaN left. A leaf has bound NaN, so every row
// takes side 1, and first_child one before itself.
struct NumericNode {
    double bound;
    double sign;
    const double* column;
    std::int32_t first_child;
    std::int32_t column_in_row;  // column - row_first, for rows copied block-wise
};

// Rows descend kLanes at a time: the lanes' loads and compares overlap instead of
// each row waiting on its own chain of mispredicted branches.
constexpr std::int64_t kLanes = 32;

// Where a block of kLanes rows of one feature is copied before a mixed tree reads it:
// doubles for a numeric feature, slots in [0, 64) for a categorical one (its codes
// clamped once per value, so the nodes need no range test).
struct GatheredFeature {
    std::size_t feature;
    std::int32_t n_categories;  // 0 for numeric
};

// The slot of a missing or unknown category code: its side is the node's mask bit.
constexpr std::uint8_t kMissingSlot = 63;

// A node of a tree with categorical splits on at most 63 categories, read from the
// gathered blocks: 32 bytes. As in NumericNode, the next node is first_child + side,
// a numeric node's side is !(sign * x <= bound) (with mask 0) and a leaf has bound
// NaN and first_child one before itself. A categorical node reads x = 0 and bound
// +inf, so its mask bit for the row's slot decides.
struct MixedNode {
    double bound;
    std::uint64_t right_slots;
    double sign;
    std::int32_t offset;  // of the block read: gathered index * kLanes
    std::int32_t first_child;
};

struct PackedTree {
    std::vector<PackedNode> nodes;
    std::vector<NumericNode> numeric;  // filled when numeric_stride is set
    std::ptrdiff_t numeric_stride = 0;
    // Set when every column read lies within numeric_stride values from row_first,
    // as in a C-ordered matrix: a block of rows is then one contiguous run.
    const double* row_first = nullptr;
    std::ptrdiff_t row_span = 0;  // values from row_first to the last column read, + 1
    std::vector<std::int32_t> model_node;  // of each numeric or mixed node
    std::vector<MixedNode> mixed;  // filled when numeric is not and mixed nodes can be
    std::vector<GatheredFeature> gathered;
    std::vector<std::uint8_t> sides;  // the right_of_code tables
    int depth = 0;
    bool categorical = false;  // some node splits a categorical feature
    bool codes = false;        // some node reads a column of integer codes
};

// Lays the model's nodes out breadth first, each pair of children side by side in
// the order of their sides: nodes[at] = make(model node, its first child's place) for
// inner nodes, make(model node, at) for leaves. A node whose sign is negative sends x
// <= t to side 1, so its children swap places. Returns the model node of each place.
template <class Node, class Make>
std::vector<std::int32_t> breadth_first_layout(const DecisionTreeModel& m,
                                               std::vector<Node>& nodes, Make&& make) {
    nodes.resize(m.node_count());
    std::vector<std::int32_t> model_node{0};
    model_node.reserve(m.node_count());
    for (std::size_t at = 0; at < model_node.size(); ++at) {
        const auto i = static_cast<std::size_t>(model_node[at]);
        if (m.is_leaf(i)) {
            nodes[at] = make(i, static_cast<std::int32_t>(at));
            continue;
        }
        nodes[at] = make(i, static_cast<std::int32_t>(model_node.size()));
        const bool swapped = nodes[at].sign < 0;
        model_node.push_back(swapped ? m.children_right[i] : m.children_left[i]);
        model_node.push_back(swapped ? m.children_left[i] : m.children_right[i]);
    }
    return model_node;
}

// The (bound, sign) of a numeric split at threshold t: !(sign * x <= bound) is its
// side, NaN going to the side the split learned.
std::pair<double, double> numeric_test(double threshold, bool missing_left) {
    if (missing_left) return {-std::nextafter(threshold, HUGE_VAL), -1.0};
    return {threshold, 1.0};
}

// Fills tree.numeric when no node is categorical or reads codes and every split
// column has the same stride.
void pack_numeric(const DecisionTreeModel& m, PackedTree& tree) {
    if (tree.categorical || tree.codes) return;
    const PackedNode* some_inner = nullptr;
    const double* lowest = nullptr;  // the first and last columns read
    const double* highest = nullptr;
    for (std::size_t i = 0; i < tree.nodes.size(); ++i) {
        if (m.is_leaf(i)) continue;
        const PackedNode& p = tree.nodes[i];
        if (some_inner && p.stride != some_inner->stride) return;
        some_inner = &p;
        lowest = lowest ? std::min(lowest, p.column) : p.column;
        highest = highest ? std::max(highest, p.column) : p.column;
    }
    if (some_inner == nullptr || some_inner->stride <= 0) return;
    tree.numeric_stride = some_inner->stride;
    if (tree.numeric_stride > 1 && highest - lowest < tree.numeric_stride) {
        tree.row_first = lowest;
        tree.row_span = highest - lowest + 1;
    }
    auto in_row = [&](const double* column) {
        return static_cast<std::int32_t>(tree.row_first ? column - lowest : 0);
    };
    tree.model_node = breadth_first_layout(
        m, tree.numeric, [&](std::size_t i, std::int32_t place) -> NumericNode {
            // Leaves read a row of a real column and ignore it.
            if (m.is_leaf(i))
                return {std::numeric_limits<double>::quiet_NaN(), 1.0,
                        some_inner->column, place - 1, in_row(some_inner->column)};
            const PackedNode& p = tree.nodes[i];
            const auto [bound, sign] = numeric_test(p.threshold, p.missing_right == 0);
            return {bound, sign, p.column, place, in_row(p.column)};
        });
}

// The mixed node of an inner model node whose children start at first_child.
MixedNode mixed_node(const DecisionTreeModel& m, std::size_t i, std::int32_t offset,
                     std::int32_t first_child) {
    const bool missing_left = m.missing_go_to_left[i] != 0;
    if (m.category_offset[i] >= 0) {
        const auto f = static_cast<std::size_t>(m.feature[i]);
        const std::uint64_t left =
            m.category_bits[static_cast<std::size_t>(m.category_offset[i])];
        const std::uint64_t known = (std::uint64_t{1} << m.n_categories[f]) - 1;
        const std::uint64_t missing =
            missing_left ? 0 : std::uint64_t{1} << kMissingSlot;
        return {HUGE_VAL, (~left & known) | missing, 1.0, offset, first_child};
    }
    const auto [bound, sign] = numeric_test(m.threshold[i], missing_left);
    return {bound, 0, sign, offset, first_child};
}

// Fills tree.mixed and tree.gathered when the tree is not numeric-only over one
// stride and every categorical feature it splits has at most 63 categories. Nodes are
// laid out breadth first, each pair of children in the order of their sides.
void pack_mixed(const DecisionTreeModel& m, PackedTree& tree) {
    if (!tree.numeric.empty()) return;
    std::vector<std::int32_t> gathered_index(static_cast<std::size_t>(m.n_features),
                                             -1);
    for (std::size_t i = 0; i < m.node_count(); ++i) {
        if (m.is_leaf(i)) continue;
        const auto f = static_cast<std::size_t>(m.feature[i]);
        const std::int32_t n_categories = m.n_categories[f];
        if ((m.category_offset[i] >= 0) != (n_categories > 0) ||
            n_categories > kMissingSlot)
            return;
        if (gathered_index[f] >= 0) continue;
        gathered_index[f] = static_cast<std::int32_t>(tree.gathered.size());
        tree.gathered.push_back({f, n_categories});
    }
    tree.model_node = breadth_first_layout(
        m, tree.mixed, [&](std::size_t i, std::int32_t place) -> MixedNode {
            if (m.is_leaf(i))
                return {std::numeric_limits<double>::quiet_NaN(), 0, 1.0, 0, place - 1};
            const auto f = static_cast<std::size_t>(m.feature[i]);
            return mixed_node(
                m, i, gathered_index[f] * static_cast<std::int32_t>(kLanes), place);
        });
}

PackedTree pack_nodes(const DecisionTreeModel& m, const FeatureColumns& X) {
    PackedTree tree;
    tree.nodes.resize(m.node_count());
    tree.depth = m.depth();
    std::vector<std::size_t> table_start(m.node_count(), 0);
    tree.sides.push_back(0);  // the numeric nodes' entry
    for (std::size_t i = 0; i < m.node_count(); ++i) {
        if (m.is_leaf(i) || m.category_offset[i] < 0) continue;
        const auto f = static_cast<std::size_t>(m.feature[i]);
        const auto n_codes = static_cast<std::size_t>(m.n_categories[f]);
        const std::uint64_t* left = m.category_bits.data() + m.category_offset[i];
        table_start[i] = tree.sides.size();
        for (std::size_t c = 0; c < n_codes; ++c)
            tree.sides.push_back(
                static_cast<std::uint8_t>(((left[c / 64] >> (c % 64)) & 1u) ^ 1u));
        tree.sides.push_back(m.missing_go_to_left[i] ? 0 : 1);
    }
    for (std::size_t i = 0; i < tree.nodes.size(); ++i) {
        auto& p = tree.nodes[i];
        const bool leaf = m.is_leaf(i);
        const auto f = leaf ? std::size_t{0} : static_cast<std::size_t>(m.feature[i]);
        const bool categorical = !leaf && m.category_offset[i] >= 0;
        p.threshold = leaf ? 0.0 : m.threshold[i];
        // Leaves read a value they never use; a code column has no double to read.
        static constexpr double kUnused = 0.0;
        const bool readable = !leaf && !X.is_code_column(f);
        p.column = readable ? X.columns[f] : &kUnused;
        p.stride = readable ? X.strides[f] : 0;
        if (!leaf && X.is_code_column(f)) {
            p.codes = X.codes[f];
            tree.codes = true;
        }
        p.n_categories = categorical ? m.n_categories[f] : 0.0;
        p.right_of_code = tree.sides.data() + table_start[i];
        p.categorical = categorical;
        tree.categorical |= categorical;
        p.missing_right = m.missing_go_to_left[i] ? 0 : 1;
        p.child[0] = leaf ? static_cast<std::int32_t>(i) : m.children_left[i];
        p.child[1] = leaf ? static_cast<std::int32_t>(i) : m.children_right[i];
    }
    pack_numeric(m, tree);
    pack_mixed(m, tree);
    return tree;
}

// The node-by-node descent, for trees that split a categorical feature of more than
// 63 categories (beyond a mask of sides). kCodes: whether any node reads integer
// codes; a tree without them skips that test on every step. Every row takes
// tree.depth steps: leaves lead to themselves, so no lane needs to know whether it
// has arrived.
template <bool kCodes>
void descend(const PackedTree& tree, std::int64_t first, std::int64_t lanes,
             std::int32_t* out) {
    std::int32_t node[kLanes] = {};
    for (int level = 0; level < tree.depth; ++level) {
        for (std::int64_t l = 0; l < lanes; ++l) {
            const PackedNode& p = tree.nodes[static_cast<std::size_t>(node[l])];
            const double x = kCodes && p.codes.data
                                 ? p.codes.value(static_cast<std::size_t>(first + l))
                                 : p.column[(first + l) * p.stride];
            // NaN fails x <= t, so it goes right unless its side is left.
            int right = static_cast<int>(!(x <= p.threshold)) ^
                        (static_cast<int>(x != x) & (p.missing_right ^ 1));
            // Unknown codes and NaN read the last entry, the missing side; a select,
            // not a branch, as lanes mix numeric and categorical nodes.
            const double limit = p.n_categories;
            const double code = (x >= 0.0 && x < limit) ? x : limit;
            const int side = p.right_of_code[static_cast<std::size_t>(code)];
            right = p.categorical ? side : right;
            node[l] = p.child[right];
        }
    }
    for (std::int64_t l = 0; l < lanes; ++l) out[l] = node[l];
}

}  // namespace

void DecisionTreeParams::validate() const {
    require(
        max_depth == -1 || max_depth >= 1, "max_depth",
        "must be at least 1, or None for no limit; got " + std::to_string(max_depth));
    require(min_samples_split >= 2, "min_samples_split",
            "must be at least 2; got " + std::to_string(min_samples_split));
    require(min_samples_leaf >= 1, "min_samples_leaf",
            "must be at least 1; got " + std::to_string(min_samples_leaf));
    require(min_weight_fraction_leaf >= 0 && min_weight_fraction_leaf <= 0.5,
            "min_weight_fraction_leaf",
            "must be in [0, 0.5]; got " + std::to_string(min_weight_fraction_leaf));
    require(std::isfinite(min_impurity_decrease) && min_impurity_decrease >= 0,
            "min_impurity_decrease", "must be a finite number >= 0");
    require(std::isfinite(ccp_alpha) && ccp_alpha >= 0, "ccp_alpha",
            "must be a finite number >= 0");
    require(max_bins >= 2 && max_bins <= 255, "max_bins",
            "must be in [2, 255]; got " + std::to_string(max_bins));
}

int DecisionTreeModel::depth() const {
    std::vector<int> depths(node_count(), 0);
    int deepest = 0;
    for (std::size_t node = 0; node < node_count(); ++node) {
        deepest = std::max(deepest, depths[node]);
        if (is_leaf(node)) continue;
        depths[static_cast<std::size_t>(children_left[node])] = depths[node] + 1;
        depths[static_cast<std::size_t>(children_right[node])] = depths[node] + 1;
    }
    return deepest;
}

std::size_t DecisionTreeModel::n_leaves() const {
    std::size_t leaves = 0;
    for (std::size_t node = 0; node < node_count(); ++node) leaves += is_leaf(node);
    return leaves;
}

bool DecisionTreeModel::goes_left(std::size_t node, double x) const {
    if (std::isnan(x)) return missing_go_to_left[node] != 0;
    const std::int64_t offset = category_offset[node];
    if (offset < 0) return x <= threshold[node];
    const auto f = static_cast<std::size_t>(feature[node]);
    if (x < 0 || x >= n_categories[f]) return missing_go_to_left[node] != 0;
    const auto c = static_cast<std::size_t>(x);
    return (category_bits[static_cast<std::size_t>(offset) + c / 64] >> (c % 64)) & 1u;
}

namespace {

// Runs lanes rows down the breadth-first nodes in lock-step, one level at a time:
// side(q, l) is lane l's side (0 or 1) at node q, and its next node is q.first_child +
// side. Leaves lead to themselves, so every lane takes tree.depth steps. Writes each
// lane's model node to out. after_level(level) runs after each level.
template <class Node, class Side, class AfterLevel>
void descend_lanes(const PackedTree& tree, const std::vector<Node>& nodes,
                   std::int64_t lanes, Side&& side, std::int32_t* out,
                   AfterLevel&& after_level) {
    std::int32_t node[kLanes] = {};
    for (int level = 0; level < tree.depth; ++level) {
        for (std::int64_t l = 0; l < lanes; ++l) {
            const Node& q = nodes[static_cast<std::size_t>(node[l])];
            node[l] = q.first_child + static_cast<std::int32_t>(side(q, l));
        }
        after_level(level);
    }
    for (std::int64_t l = 0; l < lanes; ++l)
        out[l] = tree.model_node[static_cast<std::size_t>(node[l])];
}

template <class Node, class Side>
void descend_lanes(const PackedTree& tree, const std::vector<Node>& nodes,
                   std::int64_t lanes, Side&& side, std::int32_t* out) {
    descend_lanes(tree, nodes, lanes, side, out, [](int) {});
}

// !(sign * x <= bound): the side of a numeric test (numeric_test), NaN included.
template <class Node>
std::uint32_t numeric_side(const Node& q, double x) {
    return static_cast<std::uint32_t>(!(q.sign * x <= q.bound));
}

void descend_numeric(const PackedTree& tree, std::int64_t first, std::int64_t lanes,
                     std::int32_t* out) {
    std::ptrdiff_t offset[kLanes];
    for (std::int64_t l = 0; l < lanes; ++l)
        offset[l] = (first + l) * tree.numeric_stride;
    descend_lanes(
        tree, tree.numeric, lanes,
        [&](const NumericNode& q, std::int64_t l) {
            return numeric_side(q, q.column[offset[l]]);
        },
        out);
}

// descend_numeric for rows stored one after another (tree.row_first set, a C-ordered
// matrix): the block's rows are first copied in one sequential run, which the
// hardware prefetches at full memory speed, and the descent's scattered reads then
// hit the copy. Read in place, they waited on memory: 15% slower on Telco. The next
// block is prefetched a few lines per level: all at once, the prefetches held up the
// descent (Telco depth 12, one thread: 4.6 ms against 3.4 ms spread out).
void descend_numeric_rows(const PackedTree& tree, std::int64_t first,
                          std::int64_t lanes, double* rows, std::int32_t* out) {
    const std::ptrdiff_t stride = tree.numeric_stride;
    const double* from = tree.row_first + first * stride;
    std::copy(from, from + (lanes - 1) * stride + tree.row_span, rows);
    // The next block is on its way while this one descends, a share of its lines
    // asked for after each level: asked for at once, they stall on the few lines the
    // core can have in flight. (A prefetch past the end of the matrix is harmless:
    // prefetches do not fault.)
    const char* next = reinterpret_cast<const char*>(from + kLanes * stride);
    const std::ptrdiff_t lines =
        (std::ptrdiff_t{sizeof(double)} * kLanes * stride + 63) / 64;
    const std::ptrdiff_t levels = std::max(1, tree.depth);
    const std::ptrdiff_t per_level = (lines + levels - 1) / levels;
    descend_lanes(
        tree, tree.numeric, lanes,
        [&](const NumericNode& q, std::int64_t l) {
            return numeric_side(q, rows[l * stride + q.column_in_row]);
        },
        out,
        [&](int level) {
            const std::ptrdiff_t first_line = level * per_level;
            const std::ptrdiff_t end_line = std::min(lines, first_line + per_level);
            for (std::ptrdiff_t line = first_line; line < end_line; ++line)
                __builtin_prefetch(next + 64 * line);
        });
}

// Category codes to slots, compared in their own width (n_categories <= 63 fits
// any), which keeps the loop in byte-wide vector compares for int8 codes.
template <class Code>
void gather_slots(const Code* codes, std::int32_t n_categories, std::int64_t lanes,
                  std::uint8_t* slots) {
    const auto n = static_cast<Code>(n_categories);
    for (std::int64_t l = 0; l < lanes; ++l) {
        const Code code = codes[l];
        slots[l] =
            code >= 0 && code < n ? static_cast<std::uint8_t>(code) : kMissingSlot;
    }
}

// Copies rows [first, first + lanes) of each gathered feature into its block.
void gather_block(const PackedTree& tree, const FeatureColumns& X, std::int64_t first,
                  std::int64_t lanes, double* values, std::uint8_t* slots) {
    for (std::size_t g = 0; g < tree.gathered.size(); ++g) {
        const GatheredFeature& feature = tree.gathered[g];
        const std::size_t f = feature.feature;
        double* value = values + g * kLanes;
        std::uint8_t* slot = slots + g * kLanes;
        const std::int64_t last = first + lanes;
        // The other half of each block stays as allocated: 0.0 values for
        // categorical features, slot 0 (mask 0) for numeric ones.
        if (feature.n_categories == 0) {
            for_values(X, f, first, last,
                       [&](std::int64_t i, double x) { value[i - first] = x; });
            continue;
        }
        if (!X.is_code_column(f)) {
            // A code given as a double: truncated like the node-by-node walk does;
            // NaN fails both comparisons and takes the missing slot.
            for_values(X, f, first, last, [&](std::int64_t i, double x) {
                slot[i - first] = x >= 0.0 && x < feature.n_categories
                                      ? static_cast<std::uint8_t>(x)
                                      : kMissingSlot;
            });
            continue;
        }
        const CodeColumn& c = X.codes[f];
        const auto n_categories = feature.n_categories;
        if (c.bytes == 1)
            gather_slots(static_cast<const std::int8_t*>(c.data) + first, n_categories,
                         lanes, slot);
        else if (c.bytes == 2)
            gather_slots(static_cast<const std::int16_t*>(c.data) + first, n_categories,
                         lanes, slot);
        else
            gather_slots(static_cast<const std::int32_t*>(c.data) + first, n_categories,
                         lanes, slot);
    }
}

void descend_mixed(const PackedTree& tree, const double* values,
                   const std::uint8_t* slots, std::int64_t lanes, std::int32_t* out) {
    descend_lanes(
        tree, tree.mixed, lanes,
        [&](const MixedNode& q, std::int64_t l) {
            const auto slot_right =
                static_cast<std::uint32_t>(q.right_slots >> slots[q.offset + l]) & 1u;
            return slot_right | numeric_side(q, values[q.offset + l]);
        },
        out);
}

// Runs rows through the tree kLanes at a time and hands each block's leaves to
// on_block(first_row, lanes, leaves), in parallel over parts of the rows.
template <class OnBlock>
void for_leaf_blocks(const DecisionTreeModel& model, const FeatureColumns& X,
                     int n_jobs, OnBlock&& on_block) {
    require(X.n_cols() == static_cast<std::size_t>(model.n_features) &&
                X.strides.size() == X.n_cols() &&
                (X.codes.empty() || X.codes.size() == X.n_cols()),
            "X",
            "has " + std::to_string(X.n_cols()) +
                " features, but the tree was fitted on " +
                std::to_string(model.n_features));
    const auto n = static_cast<std::int64_t>(X.n_rows);
    if (n == 0) return;
    const PackedTree tree = pack_nodes(model, X);
    const int threads = resolve_num_threads(n_jobs);
    const std::int64_t n_parts =
        std::max<std::int64_t>(1, std::min<std::int64_t>(n / 4096, 64 * threads));
    detail::parallel_for(n_parts, threads, [&](std::int64_t part) {
        const auto begin = detail::part_begin(n, n_parts, part);
        const auto end = detail::part_begin(n, n_parts, part + 1);
        std::int32_t leaves[kLanes];
        std::vector<double> values(tree.gathered.size() * kLanes);
        std::vector<std::uint8_t> slots(tree.gathered.size() * kLanes);
        std::vector<double> rows(
            tree.row_first ? static_cast<std::size_t>(kLanes * tree.numeric_stride)
                           : 0);
        for (auto row = begin; row < end; row += kLanes) {
            const std::int64_t lanes = std::min<std::int64_t>(kLanes, end - row);
            if (tree.row_first) {
                descend_numeric_rows(tree, row, lanes, rows.data(), leaves);
            } else if (!tree.numeric.empty()) {
                descend_numeric(tree, row, lanes, leaves);
            } else if (!tree.mixed.empty()) {
                gather_block(tree, X, row, lanes, values.data(), slots.data());
                descend_mixed(tree, values.data(), slots.data(), lanes, leaves);
            } else if (tree.codes) {
                descend<true>(tree, row, lanes, leaves);
            } else {
                descend<false>(tree, row, lanes, leaves);
            }
            on_block(row, lanes, leaves);
        }
    });
}

}  // namespace

std::vector<std::int32_t> DecisionTreeModel::apply(const FeatureColumns& X,
                                                   int n_jobs) const {
    std::vector<std::int32_t> out(X.n_rows);
    for_leaf_blocks(
        *this, X, n_jobs,
        [&](std::int64_t first, std::int64_t lanes, const std::int32_t* leaves) {
            std::copy(leaves, leaves + lanes, out.data() + first);
        });
    return out;
}

std::vector<double> DecisionTreeModel::predict_proba(const FeatureColumns& X,
                                                     int n_jobs) const {
    std::vector<double> proba(X.n_rows * static_cast<std::size_t>(n_classes));
    predict_proba(X, n_jobs, proba.data());
    return proba;
}

void DecisionTreeModel::predict_proba(const FeatureColumns& X, int n_jobs,
                                      double* proba) const {
    const auto C = static_cast<std::size_t>(n_classes);
    for_leaf_blocks(
        *this, X, n_jobs,
        [&](std::int64_t first, std::int64_t lanes, const std::int32_t* leaves) {
            double* out = proba + static_cast<std::size_t>(first) * C;
            for (std::int64_t l = 0; l < lanes; ++l) {
                const double* leaf_value =
                    value.data() + static_cast<std::size_t>(leaves[l]) * C;
                for (std::size_t c = 0; c < C; ++c) out[c] = leaf_value[c];
                out += C;
            }
        });
}

DecisionTreeModel fit(const TreeTrainingData& data, const DecisionTreeParams& params) {
    const Problem problem = prepare(data, params);
    DecisionTreeModel model = TreeBuilder(problem, params).grow();
    if (params.ccp_alpha > 0) model = prune(model, params.ccp_alpha);
    detail::compute_feature_importances(model);
    return model;
}

}  // namespace crmmine
