// Exact k-means: Lloyd's iteration (Lloyd 1982) from greedy k-means++ seeds (Arthur &
// Vassilvitskii 2007), optionally accelerated by Hamerly's bounds (Hamerly 2010) with
// labels identical to Lloyd's, and mini-batch k-means (Sculley 2010). Semantics follow
// scikit-learn's KMeans and MiniBatchKMeans.
#pragma once

#include <cstdint>
#include <vector>

#include "crmmine/core/matrix.hpp"

namespace crmmine {

enum class KMeansInit {
    k_means_plus_plus,  // greedy k-means++: 2 + floor(ln k) candidates per step
    random,             // n_clusters distinct samples, drawn by weight
    given,              // the initial_centers argument
};

enum class KMeansAlgorithm {
    automatic,  // lloyd when n_clusters * (n_features + 6) < 1536, else hamerly;
                // see kmeans.cpp
    lloyd,
    hamerly,
};

struct KMeansParams {
    int n_clusters = 8;
    KMeansInit init = KMeansInit::k_means_plus_plus;
    int n_init = 1;  // restarts; the one with the lowest inertia wins
    int max_iter = 300;
    // Stop when the squared center shift summed over centers is at most tol times the
    // mean variance of the features of X (scikit-learn's scaling).
    double tol = 1e-4;
    KMeansAlgorithm algorithm = KMeansAlgorithm::automatic;
    std::uint64_t random_state = 0;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate(std::int64_t n_samples) const;
};

template <class T>
struct KMeansModel {
    RowMatrix<T> centers;              // n_clusters x n_features
    std::vector<std::int32_t> labels;  // nearest center of each sample
    double inertia = 0.0;              // sum of weight * squared distance to the center
    int n_iter = 0;                    // iterations of the winning restart
    bool converged = false;            // labels stable or the shift within tol
    KMeansAlgorithm algorithm = KMeansAlgorithm::lloyd;  // the one that ran
    // Point-to-center distances evaluated over all restarts, and the number a plain
    // Lloyd run over the same assignment passes evaluates (n_samples * n_clusters per
    // pass), so their ratio is the share Hamerly's bounds saved.
    std::int64_t distances_computed = 0;
    std::int64_t distances_lloyd_would_compute = 0;
};

// The algorithm `automatic` resolves to for data of this shape.
KMeansAlgorithm resolve_kmeans_algorithm(KMeansAlgorithm algorithm,
                                         std::int64_t n_features, int n_clusters);

// sample_weight: n_samples weights or nullptr for all ones. initial_centers: required
// when params.init is given (n_clusters x n_features), ignored otherwise. The arrays
// are borrowed for the duration of the call.
template <class T>
KMeansModel<T> kmeans_fit(Eigen::Ref<const RowMatrix<T>> X, const T* sample_weight,
                          const KMeansParams& params,
                          const RowMatrix<T>* initial_centers = nullptr);

// The nearest center of each row of X (the lowest index on ties).
template <class T>
std::vector<std::int32_t> kmeans_predict(Eigen::Ref<const RowMatrix<T>> X,
                                         Eigen::Ref<const RowMatrix<T>> centers,
                                         int n_jobs = 0);

// Euclidean distance of each row of X to each center: n_samples x n_clusters.
template <class T>
RowMatrix<T> kmeans_transform(Eigen::Ref<const RowMatrix<T>> X,
                              Eigen::Ref<const RowMatrix<T>> centers, int n_jobs = 0);

// Sum over samples of weight * squared distance to centers[labels[i]].
template <class T>
double kmeans_inertia(Eigen::Ref<const RowMatrix<T>> X, const T* sample_weight,
                      Eigen::Ref<const RowMatrix<T>> centers,
                      const std::vector<std::int32_t>& labels, int n_jobs = 0);

struct MiniBatchKMeansParams {
    int n_clusters = 8;
    KMeansInit init = KMeansInit::k_means_plus_plus;
    int n_init = 1;  // seedings, each scored on the same random validation sample
    int batch_size = 1024;
    int init_size = 0;   // samples each seeding draws from; 0: 3 * batch_size
    int max_iter = 100;  // passes over the data, in batches
    // Stop after this many batches without a lower smoothed inertia; < 0: never.
    int max_no_improvement = 10;
    double tol = 0.0;  // on the squared center change, scaled as KMeansParams::tol
    double reassignment_ratio = 0.01;
    std::uint64_t random_state = 0;
    int n_jobs = 0;

    void validate(std::int64_t n_samples) const;
};

// Labels and inertia of the result are those of all of X under the final centers;
// n_iter counts passes over the data (scikit-learn's n_iter_).
template <class T>
KMeansModel<T> minibatch_kmeans_fit(Eigen::Ref<const RowMatrix<T>> X,
                                    const T* sample_weight,
                                    const MiniBatchKMeansParams& params,
                                    const RowMatrix<T>* initial_centers = nullptr);

// Instantiated for float and double in src/segment/kmeans.cpp.

}  // namespace crmmine
