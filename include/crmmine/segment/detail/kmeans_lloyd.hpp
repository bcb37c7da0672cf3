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

// What one chunk's assignment may use: the kernel's tile, the per-cluster sums of
// accumulate_rows, and the rows (with their best and second scores) a bounded
// assignment sends to the kernel.
template <class T>
struct AssignScratch {
    AssignScratch(const ScoreTable<T>& table, bool update)
        : tile(nearest_rows_scratch(table)),
          sums(update ? static_cast<std::size_t>(2 * table.k() *
                                                 accumulate_stride(table.d()))
                      : 0,
               0.0) {}

    std::vector<T> tile;
    std::vector<double> sums;
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

    // OUT labels[0, e - b): the labels of rows [b, e) (old: their last ones).
    void assign(const KMeansData<T>& data, std::int64_t b, std::int64_t e,
                const std::int32_t* /*old*/, std::int32_t* labels,
                const ScoreTable<T>& table, const RowMatrix<T>& /*centers*/,
                AssignScratch<T>& scratch, std::int64_t& n_distances) {
        nearest_rows(table, data, nullptr, b, e - b, {labels}, scratch.tile.data());
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
                sum += static_cast<double>(data.w(i)) * static_cast<double>(d2);
            }
            return sum;
        });
}

// The mean of the per-feature (unweighted) variances of X, times tol: scikit-learn's
// _tolerance. NaN or infinity in X make it non-finite.
template <class T>
double scaled_tolerance(const KMeansData<T>& data, double tol, int n_threads) {
    if (tol == 0.0) return 0.0;
    const auto d = static_cast<std::size_t>(data.d);
    const auto g = static_cast<std::size_t>(column_sums_stride(data.d));
    const Chunks chunks = make_chunks(data.n, 2 * column_sums_stride(data.d));
    std::vector<double> partial(static_cast<std::size_t>(chunks.count) * 2 * g);
    auto column_sums_of = [&](const double* mean) {
        std::fill(partial.begin(), partial.end(), 0.0);
        parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
            column_sums(data, chunks.begin(c), chunks.end(c), mean,
                        partial.data() + static_cast<std::size_t>(c) * 2 * g);
        });
        std::vector<double> total(d, 0.0);
        for (std::int64_t c = 0; c < chunks.count; ++c)
            for (std::size_t j = 0; j < d; ++j)
                total[j] += partial[static_cast<std::size_t>(c) * 2 * g + j] +
                            partial[static_cast<std::size_t>(c) * 2 * g + g + j];
        return total;
    };
    std::vector<double> mean = column_sums_of(nullptr);
    for (double& m : mean) m /= static_cast<double>(data.n);
    const std::vector<double> squares = column_sums_of(mean.data());
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
    // 256 rows of up to 16 doubles: 32 KB
    constexpr std::int64_t assign_block = 256;

    // Assigns every sample; with update, also sums weight * x per cluster. The new
    // labels go to `previous`, which then swaps with run.labels: previous keeps the
    // labels the pass started from.
    auto pass = [&](bool update) -> std::int64_t {
        assigner.prepare(centers, shift);
        const ScoreTable<T> table(centers);
        const std::int64_t g = accumulate_stride(d);
        const std::int32_t* old = run.labels.data();
        std::int32_t* fresh = previous.data();
        parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
            const auto uc = static_cast<std::size_t>(c);
            const std::int64_t b = chunks.begin(c), e = chunks.end(c);
            AssignScratch<T> scratch(table, update);
            std::int64_t n_changed = 0, n_distances = 0;
            // Blocks small enough that accumulate_rows finds the rows the kernel just
            // read still in L1.
            for (std::int64_t bb = b; bb < e; bb += assign_block) {
                const std::int64_t be = std::min(e, bb + assign_block);
                assigner.assign(data, bb, be, old + bb, fresh + bb, table, centers,
                                scratch, n_distances);
                if (update)
                    accumulate_rows(data, bb, be, fresh + bb, k, scratch.sums.data());
            }
            for (std::int64_t i = b; i < e; ++i) n_changed += fresh[i] != old[i];
            if (update) {
                double* acc = partial.data() + uc * static_cast<std::size_t>(stride);
                const double* even = scratch.sums.data();
                const double* odd = even + k * g;
                for (std::int64_t cl = 0; cl < k; ++cl) {
                    for (std::int64_t j = 0; j < d; ++j)
                        acc[cl * d + j] = even[cl * g + j] + odd[cl * g + j];
                    acc[k * d + cl] = even[cl * g + d] + odd[cl * g + d];
                }
            }
            changed[uc] = n_changed;
            counted[uc] = n_distances;
        });
        run.labels.swap(previous);
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
            const auto w = static_cast<double>(data.w(i));
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
