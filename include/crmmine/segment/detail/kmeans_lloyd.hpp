// Lloyd's iteration (Lloyd 1982) step for step as scikit-learn's _kmeans_single_lloyd:
// assign, relocate empty clusters to the farthest points, average, stop on stable
// labels or a center shift within tol. The assignment is a policy, so Hamerly's
// bounded assignment runs in the same driver and gives the same labels; both label
// with the one kernel, nearest_rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "crmmine/core/parallel.hpp"
#include "crmmine/segment/detail/kmeans_kernel.hpp"

namespace crmmine {
namespace detail {

// What one chunk's assignment may use: the kernel's tile, the labels it writes, and
// the rows (with their best and second scores) a bounded assignment sends to the
// kernel.
template <class T>
struct AssignScratch {
    AssignScratch(const ScoreTable<T>& table, std::int64_t rows_per_chunk)
        : tile(nearest_rows_scratch(table)),
          labels(static_cast<std::size_t>(rows_per_chunk)) {}

    std::vector<T> tile;
    std::vector<std::int32_t> labels;  // OUT of assign, for rows [b, e)
    std::vector<std::int64_t> rows;
    std::vector<std::int32_t> found;
    std::vector<T> best, second;
};

// Plain assignment: every distance, every pass.
template <class T>
class LloydAssign {
public:
    LloydAssign(std::int64_t /*n*/, std::int64_t /*d*/) {}

    void prepare(const RowMatrix<T>& /*centers*/,
                 const std::vector<double>& /*shift*/) {}
    void invalidate(std::int64_t /*i*/) {}

    // OUT scratch.labels[0, e - b): the labels of rows [b, e) (old: their last ones).
    void assign(const KMeansData<T>& data, std::int64_t b, std::int64_t e,
                const std::int32_t* /*old*/, const ScoreTable<T>& table,
                const RowMatrix<T>& /*centers*/, AssignScratch<T>& scratch,
                std::int64_t& n_distances) {
        nearest_rows(table, data, nullptr, b, e - b, {scratch.labels.data()},
                     scratch.tile.data());
        n_distances += (e - b) * table.k();
    }
};

template <class T>
struct SingleRun {
    RowMatrix<T> centers;
    std::vector<std::int32_t> labels;
    double inertia = 0.0;
    int n_iter = 0;
    bool converged = false;
    std::int64_t distances = 0;
    std::int64_t passes = 0;  // assignment passes over the data
};

template <class T>
double inertia_of(const KMeansData<T>& data, const RowMatrix<T>& centers,
                  const std::int32_t* labels, int n_threads) {
    return chunked_sum(
        make_chunks(data.n), n_threads, [&](std::int64_t b, std::int64_t e) {
            double sum = 0.0;
            for (std::int64_t i = b; i < e; ++i) {
                const T d2 = squared_distance(data.row(i),
                                              centers.row(labels[i]).data(), data.d);
                sum += static_cast<double>(data.weight[i]) * static_cast<double>(d2);
            }
            return sum;
        });
}

// The mean of the per-feature (unweighted) variances of X, times tol: scikit-learn's
// _tolerance.
template <class T>
double scaled_tolerance(const KMeansData<T>& data, double tol, int n_threads) {
    if (tol == 0.0) return 0.0;
    const auto d = static_cast<std::size_t>(data.d);
    const Chunks chunks = make_chunks(data.n, data.d);
    std::vector<double> partial(static_cast<std::size_t>(chunks.count) * d, 0.0);
    auto column_sums = [&](const std::vector<double>* mean) {
        std::fill(partial.begin(), partial.end(), 0.0);
        parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
            double* acc = partial.data() + static_cast<std::size_t>(c) * d;
            for (std::int64_t i = chunks.begin(c); i < chunks.end(c); ++i) {
                const T* x = data.row(i);
                for (std::size_t j = 0; j < d; ++j) {
                    const double v = mean ? static_cast<double>(x[j]) - (*mean)[j]
                                          : static_cast<double>(x[j]);
                    acc[j] += mean ? v * v : v;
                }
            }
        });
        std::vector<double> total(d, 0.0);
        for (std::int64_t c = 0; c < chunks.count; ++c)
            for (std::size_t j = 0; j < d; ++j)
                total[j] += partial[static_cast<std::size_t>(c) * d + j];
        return total;
    };
    std::vector<double> mean = column_sums(nullptr);
    for (double& m : mean) m /= static_cast<double>(data.n);
    const std::vector<double> squares = column_sums(&mean);
    double variance = 0.0;
    for (const double s : squares) variance += s / static_cast<double>(data.n);
    return tol * variance / static_cast<double>(d);
}

// One k-means run from `centers`. Assign is LloydAssign or HamerlyAssign.
template <class T, template <class> class Assign>
SingleRun<T> lloyd_iterate(const KMeansData<T>& data, RowMatrix<T> centers,
                           int max_iter, double tol_scaled, int n_threads) {
    const std::int64_t n = data.n, d = data.d;
    const std::int64_t k = centers.rows();
    const auto uk = static_cast<std::size_t>(k), ud = static_cast<std::size_t>(d);
    const std::int64_t stride = k * (d + 1);  // sums, then weights, of one chunk
    const Chunks chunks = make_chunks(n, stride);
    const auto n_chunks = static_cast<std::size_t>(chunks.count);

    SingleRun<T> run;
    run.labels.assign(static_cast<std::size_t>(n), -1);
    std::vector<std::int32_t> previous(static_cast<std::size_t>(n), -1);
    std::vector<double> partial(n_chunks * static_cast<std::size_t>(stride));
    std::vector<std::int64_t> changed(n_chunks), counted(n_chunks);
    std::vector<double> sums(uk * ud), weights(uk), shift(uk, 0.0);
    RowMatrix<T> new_centers(k, d);
    Assign<T> assigner(n, d);

    // Assigns every sample; with update, also sums weight * x per cluster.
    auto pass = [&](bool update) -> std::int64_t {
        assigner.prepare(centers, shift);
        const ScoreTable<T> table(centers);
        parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
            const auto uc = static_cast<std::size_t>(c);
            double* acc = partial.data() + uc * static_cast<std::size_t>(stride);
            double* acc_weight = acc + k * d;
            if (update) std::fill(acc, acc + stride, 0.0);
            const std::int64_t b = chunks.begin(c), e = chunks.end(c);
            AssignScratch<T> scratch(table, chunks.size);
            std::int64_t n_changed = 0, n_distances = 0;
            assigner.assign(data, b, e, run.labels.data() + b, table, centers, scratch,
                            n_distances);
            for (std::int64_t i = b; i < e; ++i) {
                const auto ui = static_cast<std::size_t>(i);
                const std::int32_t old = run.labels[ui];
                const std::int32_t label =
                    scratch.labels[static_cast<std::size_t>(i - b)];
                previous[ui] = old;
                run.labels[ui] = label;
                n_changed += label != old;
                if (update) {
                    const T* x = data.row(i);
                    const auto w = static_cast<double>(data.weight[i]);
                    double* sum = acc + label * d;
                    for (std::int64_t j = 0; j < d; ++j)
                        sum[j] += static_cast<double>(x[j]) * w;
                    acc_weight[label] += w;
                }
            }
            changed[uc] = n_changed;
            counted[uc] = n_distances;
        });
        ++run.passes;
        std::int64_t total_changed = 0;
        for (std::size_t c = 0; c < n_chunks; ++c) {
            total_changed += changed[c];
            run.distances += counted[c];
        }
        return total_changed;
    };

    // scikit-learn's _relocate_empty_clusters_dense: the samples farthest from their
    // centers (unweighted squared distance, the earlier sample on ties) become the
    // empty clusters' centers, moved out of the clusters they were in.
    auto relocate_empty = [&](std::int64_t& n_changed) {
        std::vector<std::int64_t> empty;
        for (std::int64_t c = 0; c < k; ++c)
            if (weights[static_cast<std::size_t>(c)] == 0.0) empty.push_back(c);
        if (empty.empty()) return;
        std::vector<T> far(static_cast<std::size_t>(n));
        parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
            for (std::int64_t i = chunks.begin(c); i < chunks.end(c); ++i) {
                const auto ui = static_cast<std::size_t>(i);
                far[ui] = squared_distance(data.row(i),
                                           centers.row(run.labels[ui]).data(), d);
            }
        });
        const auto n_empty = std::min(static_cast<std::int64_t>(empty.size()), n);
        std::vector<std::int64_t> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), std::int64_t{0});
        std::partial_sort(order.begin(), order.begin() + n_empty, order.end(),
                          [&](std::int64_t a, std::int64_t b) {
                              const T fa = far[static_cast<std::size_t>(a)];
                              const T fb = far[static_cast<std::size_t>(b)];
                              return fa > fb || (fa == fb && a < b);
                          });
        for (std::int64_t r = 0; r < n_empty; ++r) {
            const std::int64_t i = order[static_cast<std::size_t>(r)];
            const auto ui = static_cast<std::size_t>(i);
            const std::int64_t to = empty[static_cast<std::size_t>(r)];
            const std::int32_t from = run.labels[ui];
            const auto w = static_cast<double>(data.weight[i]);
            const T* x = data.row(i);
            for (std::int64_t j = 0; j < d; ++j) {
                sums[static_cast<std::size_t>(from * d + j)] -=
                    static_cast<double>(x[j]) * w;
                sums[static_cast<std::size_t>(to * d + j)] =
                    static_cast<double>(x[j]) * w;
            }
            weights[static_cast<std::size_t>(to)] = w;
            weights[static_cast<std::size_t>(from)] -= w;
            n_changed += (to != previous[ui]) - (from != previous[ui]);
            run.labels[ui] = static_cast<std::int32_t>(to);
            assigner.invalidate(i);
        }
    };

    bool strict = false;
    double shift_total = std::numeric_limits<double>::infinity();
    int iteration = 0;
    while (iteration < max_iter) {
        ++iteration;
        std::int64_t n_changed = pass(true);
        std::fill(sums.begin(), sums.end(), 0.0);
        std::fill(weights.begin(), weights.end(), 0.0);
        for (std::size_t c = 0; c < n_chunks; ++c) {
            const double* acc = partial.data() + c * static_cast<std::size_t>(stride);
            for (std::size_t s = 0; s < uk * ud; ++s) sums[s] += acc[s];
            for (std::size_t s = 0; s < uk; ++s) weights[s] += acc[uk * ud + s];
        }
        relocate_empty(n_changed);
        shift_total = 0.0;
        for (std::int64_t c = 0; c < k; ++c) {
            const auto uc = static_cast<std::size_t>(c);
            // scikit-learn's _average_centers leaves a cluster without weight at its
            // sum
            const double scale = weights[uc] > 0.0 ? 1.0 / weights[uc] : 1.0;
            double moved = 0.0;
            for (std::int64_t j = 0; j < d; ++j) {
                const T value =
                    static_cast<T>(sums[uc * ud + static_cast<std::size_t>(j)] * scale);
                const double step =
                    static_cast<double>(value) - static_cast<double>(centers(c, j));
                moved += step * step;
                new_centers(c, j) = value;
            }
            shift[uc] = std::sqrt(moved);
            shift_total += moved;
        }
        centers.swap(new_centers);
        if (n_changed == 0) {
            strict = true;
            break;
        }
        if (shift_total <= tol_scaled) break;
    }
    // Stopped on the shift (or max_iter): assign once more so labels match centers.
    if (!strict) pass(false);
    run.n_iter = iteration;
    run.converged = strict || shift_total <= tol_scaled;
    run.inertia = inertia_of(data, centers, run.labels.data(), n_threads);
    run.centers = std::move(centers);
    return run;
}

}  // namespace detail
}  // namespace crmmine
