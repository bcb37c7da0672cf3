#include "crmmine/segment/kmeans.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"
#include "crmmine/segment/detail/kmeans_hamerly.hpp"
#include "crmmine/segment/detail/kmeans_init.hpp"
#include "crmmine/segment/detail/kmeans_kernel.hpp"
#include "crmmine/segment/detail/kmeans_lloyd.hpp"
#include "crmmine/segment/detail/kmeans_minibatch.hpp"

namespace crmmine {
namespace {

void validate_clusters(int n_clusters, std::int64_t n_samples) {
    detail::require(n_clusters >= 1, "n_clusters",
                    "must be at least 1, got " + std::to_string(n_clusters));
    detail::require(n_clusters <= n_samples, "n_clusters",
                    "n_clusters=" + std::to_string(n_clusters) + " is more than the " +
                        std::to_string(n_samples) + " samples; lower n_clusters");
}

void validate_n_init(int n_init) {
    detail::require(n_init >= 1, "n_init",
                    "must be at least 1, got " + std::to_string(n_init));
}

void validate_max_iter(int max_iter) {
    detail::require(max_iter >= 1, "max_iter",
                    "must be at least 1, got " + std::to_string(max_iter));
}

void validate_tol(double tol) {
    detail::require(tol >= 0.0 && std::isfinite(tol), "tol",
                    "must be a finite number >= 0, got " + std::to_string(tol));
}

// True when rows [b, e) hold finite numbers only.
template <class T>
bool rows_finite(const detail::KMeansData<T>& data, std::int64_t b, std::int64_t e) {
    auto finite = [](const T* x, std::int64_t len) {
        return detail::all_finite(x, len);
    };
    if (data.stride == data.d) return finite(data.row(b), (e - b) * data.d);
    bool all = true;
    for (std::int64_t i = b; i < e; ++i) all &= finite(data.row(i), data.d);
    return all;
}

void require_finite(bool finite) {
    detail::require(finite, "X",
                    "contains NaN or infinity; drop or impute those values first");
}

// The view of X, unchecked.
template <class T>
detail::KMeansData<T> view_of(const Eigen::Ref<const RowMatrix<T>>& X) {
    detail::KMeansData<T> data;
    data.x = X.data();
    data.stride = static_cast<std::int64_t>(X.outerStride());
    data.n = static_cast<std::int64_t>(X.rows());
    data.d = static_cast<std::int64_t>(X.cols());
    return data;
}

// Views X and the weights (null: all ones), after checking both hold finite numbers.
template <class T>
bool all_rows_finite(const detail::KMeansData<T>& data, int n_threads) {
    return detail::chunked_sum(detail::make_chunks(data.n), n_threads,
                               [&](std::int64_t b, std::int64_t e) {
                                   return rows_finite(data, b, e) ? 0.0 : 1.0;
                               }) == 0.0;
}

// check_finite false: the caller checks X for NaN and infinity itself.
template <class T>
detail::KMeansData<T> checked_data(const Eigen::Ref<const RowMatrix<T>>& X,
                                   const T* sample_weight, int n_threads,
                                   bool check_finite = true) {
    detail::KMeansData<T> data = view_of<T>(X);
    detail::require(data.n > 0 && data.d > 0, "X",
                    "is empty (" + std::to_string(data.n) + " x " +
                        std::to_string(data.d) +
                        "); k-means needs at least one sample and one feature");
    if (check_finite) require_finite(all_rows_finite(data, n_threads));
    if (sample_weight == nullptr) return data;
    double total = 0.0;
    for (std::int64_t i = 0; i < data.n; ++i) {
        const T w = sample_weight[i];
        if (!(std::isfinite(w) && w >= 0))
            detail::throw_invalid("sample_weight", "must be finite and >= 0; sample " +
                                                       std::to_string(i) +
                                                       " has weight " +
                                                       std::to_string(w));
        total += static_cast<double>(w);
    }
    detail::require(total > 0.0, "sample_weight",
                    "are all zero; give at least one sample a positive weight");
    data.weight = sample_weight;
    return data;
}

template <class T>
void check_centers_shape(const Eigen::Ref<const RowMatrix<T>>& centers,
                         std::int64_t n_clusters, std::int64_t n_features,
                         const std::string& argument) {
    if (centers.rows() != n_clusters || centers.cols() != n_features)
        throw TypeMismatch(argument, "must have shape (" + std::to_string(n_clusters) +
                                         ", " + std::to_string(n_features) +
                                         "), got (" + std::to_string(centers.rows()) +
                                         ", " + std::to_string(centers.cols()) + ")");
    for (Eigen::Index c = 0; c < centers.rows(); ++c)
        for (Eigen::Index j = 0; j < centers.cols(); ++j)
            detail::require(std::isfinite(centers(c, j)), argument,
                            "contains NaN or infinity");
}

template <class T>
RowMatrix<T> seed_centers(const detail::KMeansData<T>& data, KMeansInit init,
                          int n_clusters, const RowMatrix<T>* initial_centers,
                          std::mt19937_64& rng, int n_threads) {
    switch (init) {
        case KMeansInit::k_means_plus_plus:
            return detail::kmeans_plus_plus(data, n_clusters, rng, n_threads);
        case KMeansInit::random:
            return detail::random_centers(data, n_clusters, rng);
        case KMeansInit::given:
            break;
    }
    return *initial_centers;
}

template <class T>
void check_initial_centers(KMeansInit init, const RowMatrix<T>* initial_centers,
                           int n_clusters, std::int64_t n_features) {
    if (init != KMeansInit::given) return;
    detail::require(initial_centers != nullptr, "initial_centers",
                    "is required when init='given'; pass an (n_clusters, n_features) "
                    "array or use init='k-means++'");
    check_centers_shape<T>(*initial_centers, n_clusters, n_features, "initial_centers");
}

// predict and transform: throws unless X has the centers' features.
template <class T>
void check_features(const Eigen::Ref<const RowMatrix<T>>& X,
                    const Eigen::Ref<const RowMatrix<T>>& centers) {
    detail::require(centers.rows() >= 1, "centers", "holds no center; fit first");
    if (X.cols() != centers.cols())
        throw TypeMismatch(
            "X", "has " + std::to_string(X.cols()) + " features but the centers have " +
                     std::to_string(centers.cols()) +
                     "; pass data with the columns the model was fit on");
}

// The checks both parameter sets share.
template <class Params>
void validate_shared(const Params& params, std::int64_t n_samples) {
    validate_clusters(params.n_clusters, n_samples);
    validate_n_init(params.n_init);
    validate_max_iter(params.max_iter);
    validate_tol(params.tol);
}

// What every fit checks first: the data and weights, the parameters, the initial
// centers.
template <class T, class Params>
detail::KMeansData<T> checked_fit_inputs(const Eigen::Ref<const RowMatrix<T>>& X,
                                         const T* sample_weight, const Params& params,
                                         const RowMatrix<T>* initial_centers,
                                         int n_threads, bool check_finite = true) {
    detail::KMeansData<T> data =
        checked_data<T>(X, sample_weight, n_threads, check_finite);
    params.validate(data.n);
    check_initial_centers(params.init, initial_centers, params.n_clusters, data.d);
    return data;
}

}  // namespace

void KMeansParams::validate(std::int64_t n_samples) const {
    validate_shared(*this, n_samples);
}

void MiniBatchKMeansParams::validate(std::int64_t n_samples) const {
    validate_shared(*this, n_samples);
    detail::require(batch_size >= 1, "batch_size",
                    "must be at least 1, got " + std::to_string(batch_size));
    detail::require(
        init_size >= 0, "init_size",
        "must be >= 0 (0: 3 * batch_size), got " + std::to_string(init_size));
    detail::require(
        reassignment_ratio >= 0.0 && std::isfinite(reassignment_ratio),
        "reassignment_ratio",
        "must be a finite number >= 0, got " + std::to_string(reassignment_ratio));
}

// Measured with the tiled kernel (AVX-512) on the benchmark data (1M samples, 1
// thread, 50 iterations from the same start; Lloyd s / Hamerly s): d = 3: k = 32
// 0.38, k = 256 1.25; d = 16: k = 8 0.42, k = 32 0.64 (float32) 0.90 (float64),
// k = 64 0.90, k = 128 1.18. A Lloyd pass costs about k * (d + 6) per sample (d
// multiply-adds and the running minimum per center); Hamerly's bound upkeep costs a
// fixed amount per sample plus the rows it cannot skip, and pays from about
// k * (d + 6) = 1536 on.
KMeansAlgorithm resolve_kmeans_algorithm(KMeansAlgorithm algorithm,
                                         std::int64_t n_features, int n_clusters) {
    if (algorithm != KMeansAlgorithm::automatic) return algorithm;
    return static_cast<std::int64_t>(n_clusters) * (n_features + 6) < 1536
               ? KMeansAlgorithm::lloyd
               : KMeansAlgorithm::hamerly;
}

template <class T>
KMeansModel<T> kmeans_fit(Eigen::Ref<const RowMatrix<T>> X, const T* sample_weight,
                          const KMeansParams& params,
                          const RowMatrix<T>* initial_centers) {
    const int n_threads = resolve_num_threads(params.n_jobs);
    // With tol > 0, the passes over X for its variance check it for NaN and
    // infinity too: either makes the variance non-finite, and only then is X read
    // once more to tell them from an overflow.
    const bool variance_checks = params.tol > 0.0 && std::isfinite(params.tol);
    const detail::KMeansData<T> data = checked_fit_inputs<T>(
        X, sample_weight, params, initial_centers, n_threads, !variance_checks);
    const double tol = detail::scaled_tolerance(data, params.tol, n_threads);
    if (variance_checks && !std::isfinite(tol))
        require_finite(all_rows_finite(data, n_threads));
    KMeansModel<T> model;
    model.algorithm =
        resolve_kmeans_algorithm(params.algorithm, data.d, params.n_clusters);
    bool have_best = false;
    for (int restart = 0; restart < params.n_init; ++restart) {
        std::mt19937_64 rng(detail::derive_seed(params.random_state,
                                                static_cast<std::uint64_t>(restart)));
        RowMatrix<T> start = seed_centers(data, params.init, params.n_clusters,
                                          initial_centers, rng, n_threads);
        detail::SingleRun<T> run =
            model.algorithm == KMeansAlgorithm::hamerly
                ? detail::lloyd_iterate<T, detail::HamerlyAssign>(
                      data, std::move(start), params.max_iter, tol, n_threads)
                : detail::lloyd_iterate<T, detail::LloydAssign>(
                      data, std::move(start), params.max_iter, tol, n_threads);
        model.distances_computed += run.distances;
        model.distances_lloyd_would_compute +=
            run.passes * data.n * static_cast<std::int64_t>(params.n_clusters);
        if (!have_best || run.inertia < model.inertia) {
            have_best = true;
            model.centers = std::move(run.centers);
            model.labels = std::move(run.labels);
            model.inertia = run.inertia;
            model.n_iter = run.n_iter;
            model.converged = run.converged;
        }
    }
    return model;
}

template <class T>
std::vector<std::int32_t> kmeans_predict(Eigen::Ref<const RowMatrix<T>> X,
                                         Eigen::Ref<const RowMatrix<T>> centers,
                                         int n_jobs) {
    check_features<T>(X, centers);
    const int n_threads = resolve_num_threads(n_jobs);
    const detail::KMeansData<T> data = view_of<T>(X);
    std::vector<std::int32_t> labels(static_cast<std::size_t>(data.n));
    const detail::ScoreTable<T> table(centers);
    const detail::Chunks chunks = detail::make_chunks(data.n);
    // Each chunk is checked right before it is labelled, while it is in cache: X is
    // read from memory once.
    std::vector<char> finite(static_cast<std::size_t>(chunks.count));
    detail::parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
        std::vector<T> tile(detail::nearest_rows_scratch(table));
        const std::int64_t b = chunks.begin(c), e = chunks.end(c);
        finite[static_cast<std::size_t>(c)] = rows_finite(data, b, e);
        detail::nearest_rows(table, data, nullptr, b, e - b, {labels.data() + b},
                             tile.data());
    });
    require_finite(std::all_of(finite.begin(), finite.end(), [](char f) { return f; }));
    return labels;
}

template <class T>
RowMatrix<T> kmeans_transform(Eigen::Ref<const RowMatrix<T>> X,
                              Eigen::Ref<const RowMatrix<T>> centers, int n_jobs) {
    check_features<T>(X, centers);
    const int n_threads = resolve_num_threads(n_jobs);
    RowMatrix<T> out(X.rows(), centers.rows());
    if (X.rows() == 0) return out;
    const detail::KMeansData<T> data = checked_data<T>(X, nullptr, n_threads);
    // Direct differences, not the expanded form: a distance near 0 keeps its digits.
    const detail::CenterTable<T> table(centers);
    const Eigen::Index k = centers.rows();
    const detail::Chunks chunks = detail::make_chunks(data.n);
    detail::parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
        std::vector<T> dist(table.buffer_size());
        for (std::int64_t i = chunks.begin(c); i < chunks.end(c); ++i) {
            table.squared_distances(data.row(i), dist.data());
            for (Eigen::Index j = 0; j < k; ++j) out(i, j) = std::sqrt(dist[j]);
        }
    });
    return out;
}

template <class T>
double kmeans_inertia(Eigen::Ref<const RowMatrix<T>> X, const T* sample_weight,
                      Eigen::Ref<const RowMatrix<T>> centers,
                      const std::vector<std::int32_t>& labels, int n_jobs) {
    const int n_threads = resolve_num_threads(n_jobs);
    const detail::KMeansData<T> data = checked_data<T>(X, sample_weight, n_threads);
    if (X.cols() != centers.cols())
        throw TypeMismatch(
            "X", "has " + std::to_string(X.cols()) + " features but the centers have " +
                     std::to_string(centers.cols()) +
                     "; pass data with the columns the model was fit on");
    if (static_cast<std::int64_t>(labels.size()) != data.n)
        throw TypeMismatch("labels", "needs one label per row of X (" +
                                         std::to_string(data.n) + "), got " +
                                         std::to_string(labels.size()));
    for (const std::int32_t label : labels)
        detail::require(label >= 0 && label < centers.rows(), "labels",
                        "must be center indices in [0, " +
                            std::to_string(centers.rows()) + "), got " +
                            std::to_string(label));
    const RowMatrix<T> owned = centers;
    return detail::inertia_of(data, owned, labels.data(), n_threads);
}

template <class T>
KMeansModel<T> minibatch_kmeans_fit(Eigen::Ref<const RowMatrix<T>> X,
                                    const T* sample_weight,
                                    const MiniBatchKMeansParams& params,
                                    const RowMatrix<T>* initial_centers) {
    const int n_threads = resolve_num_threads(params.n_jobs);
    const detail::KMeansData<T> data =
        checked_fit_inputs<T>(X, sample_weight, params, initial_centers, n_threads);
    const std::int64_t n = data.n, k = params.n_clusters;
    const std::int64_t batch_size = std::min<std::int64_t>(params.batch_size, n);
    std::int64_t init_size = params.init_size > 0 ? params.init_size : 3 * batch_size;
    if (init_size < k) init_size = 3 * k;
    init_size = std::min(init_size, n);
    const double tol = detail::scaled_tolerance(data, params.tol, n_threads);

    KMeansModel<T> model;
    model.algorithm = KMeansAlgorithm::lloyd;
    std::mt19937_64 rng(detail::derive_seed(params.random_state, 0));
    auto draw_rows = [&](std::int64_t m) {
        std::vector<std::int64_t> rows(static_cast<std::size_t>(m));
        for (auto& r : rows) r = detail::uniform_index(rng, n);
        return rows;
    };
    // Seedings each see their own random subset and are scored on one validation set.
    const std::vector<std::int64_t> validation = draw_rows(init_size);
    std::vector<std::int32_t> scratch(static_cast<std::size_t>(init_size));
    RowMatrix<T> centers;
    double best_inertia = std::numeric_limits<double>::infinity();
    for (int seeding = 0; seeding < params.n_init; ++seeding) {
        RowMatrix<T> candidate;
        if (params.init == KMeansInit::given) {
            candidate = *initial_centers;
        } else {
            const std::vector<std::int64_t> subset = draw_rows(init_size);
            RowMatrix<T> rows(init_size, data.d);
            std::vector<T> weights(static_cast<std::size_t>(init_size));
            for (std::int64_t r = 0; r < init_size; ++r) {
                const std::int64_t i = subset[static_cast<std::size_t>(r)];
                detail::copy_row(data, i, rows, r);
                weights[static_cast<std::size_t>(r)] = data.w(i);
            }
            detail::KMeansData<T> sub{rows.data(), data.d, init_size, data.d,
                                      weights.data()};
            // A subset drawn among zero weights only is seeded as if unweighted.
            if (std::all_of(weights.begin(), weights.end(), [](T w) { return w == 0; }))
                std::fill(weights.begin(), weights.end(), T(1));
            candidate = seed_centers<T>(sub, params.init, params.n_clusters, nullptr,
                                        rng, n_threads);
        }
        const double inertia = detail::label_rows(data, validation.data(), init_size,
                                                  candidate, scratch.data(), n_threads);
        model.distances_computed += init_size * k;
        if (seeding == 0 || inertia < best_inertia) {
            best_inertia = inertia;
            centers = std::move(candidate);
        }
    }

    detail::MiniBatchState state;
    state.counts.assign(static_cast<std::size_t>(k), 0.0);
    const std::int64_t n_steps =
        std::max<std::int64_t>(1, params.max_iter * n / batch_size);
    std::int64_t step = 0;
    bool stopped = false;
    for (; step < n_steps && !stopped; ++step) {
        detail::poll_interrupt();
        const std::vector<std::int64_t> batch = draw_rows(batch_size);
        state.since_reassign += batch_size;
        bool reassign = false;
        if (std::find(state.counts.begin(), state.counts.end(), 0.0) !=
                state.counts.end() ||
            state.since_reassign >= 10 * k) {
            state.since_reassign = 0;
            reassign = true;
        }
        const RowMatrix<T> before = centers;
        double batch_inertia =
            detail::minibatch_step(data, batch, centers, state, reassign,
                                   params.reassignment_ratio, rng, n_threads);
        model.distances_computed += batch_size * k;
        double shift = 0.0;
        if (tol > 0.0)
            shift = (centers.template cast<double>() - before.template cast<double>())
                        .squaredNorm();
        // scikit-learn's _mini_batch_convergence
        batch_inertia /= static_cast<double>(batch_size);
        if (step == 0) continue;  // the first batch measures the seeding
        if (!state.has_ewa) {
            state.ewa_inertia = batch_inertia;
            state.has_ewa = true;
        } else {
            const double alpha = std::min(1.0, static_cast<double>(batch_size) * 2.0 /
                                                   static_cast<double>(n + 1));
            state.ewa_inertia =
                state.ewa_inertia * (1.0 - alpha) + batch_inertia * alpha;
        }
        if (tol > 0.0 && shift <= tol) {
            stopped = true;
            continue;
        }
        if (!state.has_ewa_min || state.ewa_inertia < state.ewa_inertia_min) {
            state.no_improvement = 0;
            state.ewa_inertia_min = state.ewa_inertia;
            state.has_ewa_min = true;
        } else {
            ++state.no_improvement;
        }
        if (params.max_no_improvement >= 0 &&
            state.no_improvement >= params.max_no_improvement)
            stopped = true;
    }
    model.n_iter = static_cast<int>((step * batch_size + n - 1) / n);
    model.converged = stopped;
    model.labels = kmeans_predict<T>(X, centers, params.n_jobs);
    model.inertia = detail::inertia_of(data, centers, model.labels.data(), n_threads);
    model.distances_computed += n * k;
    model.distances_lloyd_would_compute = model.distances_computed;
    model.centers = std::move(centers);
    return model;
}

#define CRMMINE_KMEANS_INSTANTIATE(T)                                                \
    template KMeansModel<T> kmeans_fit<T>(Eigen::Ref<const RowMatrix<T>>, const T*,  \
                                          const KMeansParams&, const RowMatrix<T>*); \
    template std::vector<std::int32_t> kmeans_predict<T>(                            \
        Eigen::Ref<const RowMatrix<T>>, Eigen::Ref<const RowMatrix<T>>, int);        \
    template RowMatrix<T> kmeans_transform<T>(Eigen::Ref<const RowMatrix<T>>,        \
                                              Eigen::Ref<const RowMatrix<T>>, int);  \
    template double kmeans_inertia<T>(Eigen::Ref<const RowMatrix<T>>, const T*,      \
                                      Eigen::Ref<const RowMatrix<T>>,                \
                                      const std::vector<std::int32_t>&, int);        \
    template KMeansModel<T> minibatch_kmeans_fit<T>(                                 \
        Eigen::Ref<const RowMatrix<T>>, const T*, const MiniBatchKMeansParams&,      \
        const RowMatrix<T>*);
CRMMINE_KMEANS_INSTANTIATE(float)
CRMMINE_KMEANS_INSTANTIATE(double)
#undef CRMMINE_KMEANS_INSTANTIATE

}  // namespace crmmine
