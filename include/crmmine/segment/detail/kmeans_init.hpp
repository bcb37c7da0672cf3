// Seeding: greedy k-means++ (Arthur & Vassilvitskii 2007, with the 2 + floor(ln k)
// local trials of scikit-learn's _kmeans_plusplus) and weighted random samples.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/segment/detail/kmeans_kernel.hpp"

namespace crmmine {
namespace detail {

template <class T>
void copy_row(const KMeansData<T>& data, std::int64_t i, RowMatrix<T>& centers,
              std::int64_t c) {
    const T* x = data.row(i);
    for (std::int64_t j = 0; j < data.d; ++j) centers(c, j) = x[j];
}

// Greedy k-means++: the first center is a sample drawn by weight; each further step
// draws n_trials candidates with probability proportional to weight * D^2 and keeps
// the one that leaves the lowest potential sum(weight * D^2).
template <class T>
RowMatrix<T> kmeans_plus_plus(const KMeansData<T>& data, int n_clusters,
                              std::mt19937_64& rng, int n_threads) {
    const std::int64_t n = data.n;
    const auto un = static_cast<std::size_t>(n);
    RowMatrix<T> centers(n_clusters, data.d);
    const int n_trials = 2 + static_cast<int>(std::log(n_clusters));
    const Chunks chunks = make_chunks(n, n_trials);

    std::vector<double> cumulative(un);
    auto draw = [&](double total) {
        // numpy's searchsorted(cumsum, r), side left, clipped to the last sample
        const double r = uniform01(rng) * total;
        const auto at = std::lower_bound(cumulative.begin(), cumulative.end(), r);
        return std::min<std::int64_t>(at - cumulative.begin(), n - 1);
    };

    double total_weight = 0.0;
    for (std::size_t i = 0; i < un; ++i) {
        total_weight += static_cast<double>(data.w(i));
        cumulative[i] = total_weight;
    }
    // numpy's choice(p=w/sum(w)) is searchsorted side right; zero weights never win
    std::int64_t first;
    {
        const double r = uniform01(rng) * total_weight;
        first = std::min<std::int64_t>(
            std::upper_bound(cumulative.begin(), cumulative.end(), r) -
                cumulative.begin(),
            n - 1);
    }
    copy_row(data, first, centers, 0);

    std::vector<double> closest(un);  // D^2 to the nearest chosen center
    double potential =
        chunked_sum(chunks, n_threads, [&](std::int64_t b, std::int64_t e) {
            const T* c0 = centers.row(0).data();
            double pot = 0.0;
            for (std::int64_t i = b; i < e; ++i) {
                const auto d2 =
                    static_cast<double>(squared_distance(data.row(i), c0, data.d));
                closest[static_cast<std::size_t>(i)] = d2;
                pot += static_cast<double>(data.w(i)) * d2;
            }
            return pot;
        });

    std::vector<std::int64_t> candidates(static_cast<std::size_t>(n_trials));
    std::vector<double> partial(static_cast<std::size_t>(chunks.count * n_trials));
    RowMatrix<T> trial_rows(n_trials, data.d);
    for (int c = 1; c < n_clusters; ++c) {
        double running = 0.0;
        for (std::size_t i = 0; i < un; ++i) {
            running += static_cast<double>(data.w(i)) * closest[i];
            cumulative[i] = running;
        }
        for (int t = 0; t < n_trials; ++t) {
            candidates[static_cast<std::size_t>(t)] = draw(potential);
            copy_row(data, candidates[static_cast<std::size_t>(t)], trial_rows, t);
        }
        parallel_for(chunks.count, n_threads, [&](std::int64_t chunk) {
            for (int t = 0; t < n_trials; ++t) {
                const T* cand = trial_rows.row(t).data();
                double pot = 0.0;
                for (std::int64_t i = chunks.begin(chunk); i < chunks.end(chunk); ++i) {
                    const auto d2 = static_cast<double>(
                        squared_distance(data.row(i), cand, data.d));
                    pot += static_cast<double>(data.w(i)) *
                           std::min(closest[static_cast<std::size_t>(i)], d2);
                }
                partial[static_cast<std::size_t>(chunk * n_trials + t)] = pot;
            }
        });
        int best = 0;
        double best_potential = 0.0;
        for (int t = 0; t < n_trials; ++t) {
            double pot = 0.0;
            for (std::int64_t chunk = 0; chunk < chunks.count; ++chunk)
                pot += partial[static_cast<std::size_t>(chunk * n_trials + t)];
            if (t == 0 || pot < best_potential) {
                best = t;
                best_potential = pot;
            }
        }
        potential = best_potential;
        copy_row(data, candidates[static_cast<std::size_t>(best)], centers, c);
        const T* chosen = centers.row(c).data();
        parallel_for(chunks.count, n_threads, [&](std::int64_t chunk) {
            for (std::int64_t i = chunks.begin(chunk); i < chunks.end(chunk); ++i) {
                const auto d2 =
                    static_cast<double>(squared_distance(data.row(i), chosen, data.d));
                double& mine = closest[static_cast<std::size_t>(i)];
                mine = std::min(mine, d2);
            }
        });
    }
    return centers;
}

// n_clusters distinct samples drawn by weight without replacement (numpy's
// choice(n, k, replace=False, p=w/sum(w))).
template <class T>
RowMatrix<T> random_centers(const KMeansData<T>& data, int n_clusters,
                            std::mt19937_64& rng) {
    std::vector<double> weight(static_cast<std::size_t>(data.n));
    std::int64_t positive = 0;
    double total = 0.0;
    for (std::int64_t i = 0; i < data.n; ++i) {
        weight[static_cast<std::size_t>(i)] = static_cast<double>(data.w(i));
        total += weight[static_cast<std::size_t>(i)];
        positive += data.w(i) > 0;
    }
    if (positive < n_clusters)
        throw_invalid("sample_weight",
                      "init='random' needs n_clusters=" + std::to_string(n_clusters) +
                          " samples of positive weight, got " +
                          std::to_string(positive) +
                          "; lower n_clusters or use init='k-means++'");
    RowMatrix<T> centers(n_clusters, data.d);
    for (int c = 0; c < n_clusters; ++c) {
        const double r = uniform01(rng) * total;
        double running = 0.0;
        std::int64_t pick = -1, last_positive = -1;
        for (std::int64_t i = 0; i < data.n; ++i) {
            const double w = weight[static_cast<std::size_t>(i)];
            if (w <= 0) continue;
            last_positive = i;
            running += w;
            if (running > r) {
                pick = i;
                break;
            }
        }
        if (pick < 0) pick = last_positive;  // r rounded past the running total
        copy_row(data, pick, centers, c);
        total -= weight[static_cast<std::size_t>(pick)];
        weight[static_cast<std::size_t>(pick)] = 0.0;
    }
    return centers;
}

}  // namespace detail
}  // namespace crmmine
