// Mini-batch k-means (Sculley 2010) as scikit-learn's MiniBatchKMeans: per-center
// learning rates from the accumulated weight, random reassignment of starved centers,
// early stopping on an exponentially weighted average of the batch inertia.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "crmmine/core/parallel.hpp"
#include "crmmine/segment/detail/kmeans_kernel.hpp"

namespace crmmine {
namespace detail {

// Labels of rows[0..m) under centers; returns sum(weight * d^2). The batch is split
// into fixed chunks, so the sum does not depend on the thread count.
template <class T>
double label_rows(const KMeansData<T>& data, const std::int64_t* rows, std::int64_t m,
                  const RowMatrix<T>& centers, std::int32_t* labels, int n_threads) {
    const CenterTable<T> table(centers);
    return chunked_sum(make_chunks(m), n_threads, [&](std::int64_t b, std::int64_t e) {
        std::vector<T> dist(table.buffer_size());
        double sum = 0.0;
        for (std::int64_t r = b; r < e; ++r) {
            const std::int64_t i = rows[r];
            table.squared_distances(data.row(i), dist.data());
            const Nearest<T> best = nearest_center(dist.data(), table.k());
            labels[r] = best.label;
            sum += static_cast<double>(data.w(i)) * static_cast<double>(best.best);
        }
        return sum;
    });
}

struct MiniBatchState {
    std::vector<double> counts;  // weight seen per center (scikit-learn's _counts)
    std::int64_t since_reassign = 0;
    double ewa_inertia = 0.0, ewa_inertia_min = 0.0;
    bool has_ewa = false, has_ewa_min = false;
    int no_improvement = 0;
};

// One step: returns the batch inertia; centers are updated in place.
template <class T>
double minibatch_step(const KMeansData<T>& data, const std::vector<std::int64_t>& batch,
                      RowMatrix<T>& centers, MiniBatchState& state, bool reassign,
                      double reassignment_ratio, std::mt19937_64& rng, int n_threads) {
    const std::int64_t k = centers.rows(), d = centers.cols();
    const auto m = static_cast<std::int64_t>(batch.size());
    std::vector<std::int32_t> labels(batch.size());
    const double inertia =
        label_rows(data, batch.data(), m, centers, labels.data(), n_threads);

    // _minibatch_update_dense: undo the count scaling, add the batch, rescale.
    const RowMatrix<T> old = centers;
    std::vector<double> sums(static_cast<std::size_t>(k * d), 0.0);
    std::vector<double> batch_weight(static_cast<std::size_t>(k), 0.0);
    for (std::int64_t r = 0; r < m; ++r) {
        const std::int64_t i = batch[static_cast<std::size_t>(r)];
        const auto c = static_cast<std::size_t>(labels[static_cast<std::size_t>(r)]);
        const auto w = static_cast<double>(data.w(i));
        const T* x = data.row(i);
        for (std::int64_t j = 0; j < d; ++j)
            sums[c * static_cast<std::size_t>(d) + static_cast<std::size_t>(j)] +=
                static_cast<double>(x[j]) * w;
        batch_weight[c] += w;
    }
    for (std::int64_t c = 0; c < k; ++c) {
        const auto uc = static_cast<std::size_t>(c);
        if (batch_weight[uc] <= 0.0) continue;
        const double count = state.counts[uc];
        state.counts[uc] += batch_weight[uc];
        const double alpha = 1.0 / state.counts[uc];
        for (std::int64_t j = 0; j < d; ++j)
            centers(c, j) = static_cast<T>(
                (static_cast<double>(old(c, j)) * count +
                 sums[uc * static_cast<std::size_t>(d) + static_cast<std::size_t>(j)]) *
                alpha);
    }

    if (reassign && reassignment_ratio > 0.0) {
        const double top = *std::max_element(state.counts.begin(), state.counts.end());
        std::vector<char> move(static_cast<std::size_t>(k));
        std::int64_t n_move = 0;
        for (std::size_t c = 0; c < move.size(); ++c) {
            move[c] = state.counts[c] < reassignment_ratio * top;
            n_move += move[c];
        }
        // At most half a batch of centers move: keep those with the most weight.
        if (static_cast<double>(n_move) > 0.5 * static_cast<double>(m)) {
            std::vector<std::int64_t> order(static_cast<std::size_t>(k));
            std::iota(order.begin(), order.end(), std::int64_t{0});
            std::stable_sort(order.begin(), order.end(),
                             [&](std::int64_t a, std::int64_t b) {
                                 return state.counts[static_cast<std::size_t>(a)] <
                                        state.counts[static_cast<std::size_t>(b)];
                             });
            for (auto p = static_cast<std::size_t>(m / 2); p < order.size(); ++p)
                move[static_cast<std::size_t>(order[p])] = 0;
            n_move = std::count(move.begin(), move.end(), 1);
        }
        if (n_move > 0) {
            // New centers: distinct batch samples, uniformly (partial Fisher-Yates).
            std::vector<std::int64_t> pool(batch.size());
            std::iota(pool.begin(), pool.end(), std::int64_t{0});
            std::int64_t drawn = 0;
            for (std::int64_t c = 0; c < k; ++c) {
                if (!move[static_cast<std::size_t>(c)]) continue;
                const std::int64_t pick = drawn + uniform_index(rng, m - drawn);
                std::swap(pool[static_cast<std::size_t>(drawn)],
                          pool[static_cast<std::size_t>(pick)]);
                const T* x = data.row(batch[static_cast<std::size_t>(
                    pool[static_cast<std::size_t>(drawn)])]);
                for (std::int64_t j = 0; j < d; ++j) centers(c, j) = x[j];
                ++drawn;
            }
            // Reset the moved centers' counts, not too low, so they are not moved
            // again at once (scikit-learn's heuristic).
            double floor_count = std::numeric_limits<double>::infinity();
            for (std::size_t c = 0; c < move.size(); ++c)
                if (!move[c]) floor_count = std::min(floor_count, state.counts[c]);
            for (std::size_t c = 0; c < move.size(); ++c)
                if (move[c]) state.counts[c] = floor_count;
        }
    }
    return inertia;
}

}  // namespace detail
}  // namespace crmmine
