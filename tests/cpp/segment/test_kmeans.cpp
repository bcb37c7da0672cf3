#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/segment/detail/kmeans_kernel.hpp"
#include "crmmine/segment/kmeans.hpp"

using namespace crmmine;

namespace {

// n samples around `n_blobs` random centers in [-10, 10]^d, unit spread.
template <class T>
RowMatrix<T> blobs(std::int64_t n, std::int64_t d, int n_blobs, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> box(-10.0, 10.0);
    std::normal_distribution<double> noise(0.0, 1.0);
    RowMatrix<double> centers(n_blobs, d);
    for (Eigen::Index c = 0; c < centers.rows(); ++c)
        for (Eigen::Index j = 0; j < d; ++j) centers(c, j) = box(rng);
    RowMatrix<T> X(n, d);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < d; ++j)
            X(i, j) = static_cast<T>(centers(i % n_blobs, j) + noise(rng));
    return X;
}

template <class T>
RowMatrix<T> first_rows(const RowMatrix<T>& X, int k) {
    return X.topRows(k);
}

// Brute force: nearest center in double, lowest index on ties.
template <class T>
std::vector<std::int32_t> brute_labels(const RowMatrix<T>& X, const RowMatrix<T>& C) {
    std::vector<std::int32_t> labels(static_cast<std::size_t>(X.rows()));
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
        double best = std::numeric_limits<double>::infinity();
        for (Eigen::Index c = 0; c < C.rows(); ++c) {
            const double d2 =
                (X.row(i).template cast<double>() - C.row(c).template cast<double>())
                    .squaredNorm();
            if (d2 < best) {
                best = d2;
                labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(c);
            }
        }
    }
    return labels;
}

template <class T>
KMeansModel<T> fit_from(const RowMatrix<T>& X, const RowMatrix<T>& start,
                        KMeansAlgorithm algorithm, int max_iter = 300,
                        double tol = 1e-4, int n_jobs = 1, const T* weight = nullptr) {
    KMeansParams params;
    params.n_clusters = static_cast<int>(start.rows());
    params.init = KMeansInit::given;
    params.algorithm = algorithm;
    params.max_iter = max_iter;
    params.tol = tol;
    params.n_jobs = n_jobs;
    return kmeans_fit<T>(X, weight, params, &start);
}

}  // namespace

TEST_CASE_TEMPLATE("kmeans_predict matches brute force", T, float, double) {
    for (const std::int64_t d : {1, 3, 16, 70}) {
        const RowMatrix<T> X =
            blobs<T>(5000, d, 6, 11u + static_cast<std::uint32_t>(d));
        for (const int k : {1, 2, 5, 13}) {
            const RowMatrix<T> C =
                blobs<T>(k, d, k, 99u + static_cast<std::uint32_t>(k));
            const auto labels = kmeans_predict<T>(X, C, 2);
            const auto expected = brute_labels(X, C);
            std::int64_t differ = 0;
            for (std::size_t i = 0; i < labels.size(); ++i)
                differ += labels[i] != expected[i];
            CHECK(differ == 0);
            const RowMatrix<T> D = kmeans_transform<T>(X, C, 2);
            REQUIRE(D.rows() == X.rows());
            REQUIRE(D.cols() == k);
            const double want = (X.row(17).template cast<double>() -
                                 C.row(k - 1).template cast<double>())
                                    .norm();
            CHECK(static_cast<double>(D(17, k - 1)) ==
                  doctest::Approx(want).epsilon(1e-5));
        }
    }
}

// The dispatcher picks one instruction set; every build of the kernel the machine can
// run must give the brute-force labels too (the portable one runs everywhere).
TEST_CASE_TEMPLATE("every build of the assignment kernel labels as brute force", T,
                   float, double) {
    using Kernel = void (*)(const detail::ScoreTable<T>&, const detail::KMeansData<T>&,
                            const std::int64_t*, std::int64_t, std::int64_t,
                            const detail::ScoreOut<T>&, T*);
    std::vector<Kernel> kernels = {&detail::nearest_rows_portable<T, true>};
#ifdef CRMMINE_KMEANS_DISPATCH
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        kernels.push_back(&detail::nearest_rows_avx2<T, true>);
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        kernels.push_back(&detail::nearest_rows_avx512<T, true>);
#endif
    // every feature count the kernels fix at compile time, and one past them
    for (const std::int64_t d : {1, 2, 3, 5, 8, 11, 16, 17}) {
        const RowMatrix<T> X = blobs<T>(1001, d, 6, 7u + static_cast<std::uint32_t>(d));
        for (const int k : {1, 4, 9}) {
            const RowMatrix<T> C =
                blobs<T>(k, d, k, 5u + static_cast<std::uint32_t>(k));
            const detail::ScoreTable<T> table(C);
            const detail::KMeansData<T> data{X.data(), d, X.rows(), d, nullptr};
            const auto expected = brute_labels(X, C);
            for (const Kernel kernel : kernels) {
                std::vector<std::int32_t> labels(expected.size());
                std::vector<T> best(expected.size()), second(expected.size());
                std::vector<T> tile(detail::nearest_rows_scratch(table));
                kernel(table, data, nullptr, 0, X.rows(),
                       {labels.data(), best.data(), second.data()}, tile.data());
                CHECK(labels == expected);
                for (std::size_t i = 0; i < labels.size(); ++i)
                    CHECK(best[i] <= second[i]);
            }
        }
    }
}

TEST_CASE_TEMPLATE("one Lloyd iteration equals the naive update", T, float, double) {
    for (const std::int64_t d : {3, 7, 8, 16, 17}) {
        CAPTURE(d);
        const RowMatrix<T> X = blobs<T>(3000, d, 4, 5u);
        const RowMatrix<T> start = first_rows(X, 4);
        const KMeansModel<T> model = fit_from(X, start, KMeansAlgorithm::lloyd, 1, 0.0);
        const auto labels0 = brute_labels(X, start);
        RowMatrix<double> sums = RowMatrix<double>::Zero(4, d);
        std::vector<double> counts(4, 0.0);
        for (Eigen::Index i = 0; i < X.rows(); ++i) {
            sums.row(labels0[static_cast<std::size_t>(i)]) +=
                X.row(i).template cast<double>();
            counts[static_cast<std::size_t>(labels0[static_cast<std::size_t>(i)])] +=
                1.0;
        }
        for (int c = 0; c < 4; ++c)
            for (int j = 0; j < d; ++j)
                CHECK(static_cast<double>(model.centers(c, j)) ==
                      doctest::Approx(sums(c, j) / counts[static_cast<std::size_t>(c)])
                          .epsilon(1e-6));
        CHECK(model.n_iter == 1);
        // Stopped on max_iter: labels are reassigned to the final centers.
        CHECK(model.labels == brute_labels(X, model.centers));
        double inertia = 0.0;
        for (Eigen::Index i = 0; i < X.rows(); ++i)
            inertia += (X.row(i).template cast<double>() -
                        model.centers.row(model.labels[static_cast<std::size_t>(i)])
                            .template cast<double>())
                           .squaredNorm();
        CHECK(model.inertia == doctest::Approx(inertia).epsilon(1e-6));
    }
}

TEST_CASE_TEMPLATE("Hamerly gives Lloyd's labels iteration for iteration", T, float,
                   double) {
    for (const std::int64_t d : {2, 3, 16}) {
        for (const int k : {3, 8, 20}) {
            const auto seed = static_cast<std::uint32_t>(d * 100 + k);
            const RowMatrix<T> X = blobs<T>(6000, d, 8, seed);
            const RowMatrix<T> start = first_rows(X, k);
            for (const int max_iter : {1, 2, 5, 300}) {
                CAPTURE(d);
                CAPTURE(k);
                CAPTURE(max_iter);
                const auto lloyd =
                    fit_from(X, start, KMeansAlgorithm::lloyd, max_iter, 0.0);
                const auto hamerly =
                    fit_from(X, start, KMeansAlgorithm::hamerly, max_iter, 0.0);
                CHECK(hamerly.labels == lloyd.labels);
                CHECK(hamerly.n_iter == lloyd.n_iter);
                CHECK(hamerly.converged == lloyd.converged);
                CHECK(hamerly.centers == lloyd.centers);
                CHECK(hamerly.inertia == lloyd.inertia);
                CHECK(hamerly.algorithm == KMeansAlgorithm::hamerly);
                CHECK(lloyd.distances_computed == lloyd.distances_lloyd_would_compute);
                CHECK(hamerly.distances_lloyd_would_compute ==
                      lloyd.distances_lloyd_would_compute);
                // at worst one distance more per sample and pass, to tighten a bound
                CHECK(hamerly.distances_computed <=
                      lloyd.distances_computed + lloyd.distances_computed / k);
                if (lloyd.n_iter >= 10)
                    CHECK(hamerly.distances_computed < lloyd.distances_computed / 2);
            }
        }
    }
}

TEST_CASE_TEMPLATE("1 and 2 threads give bit-identical results", T, float, double) {
    const RowMatrix<T> X = blobs<T>(20000, 5, 7, 3u);
    std::vector<T> weight(static_cast<std::size_t>(X.rows()));
    for (std::size_t i = 0; i < weight.size(); ++i)
        weight[i] = static_cast<T>(1 + i % 3);
    for (const auto algorithm : {KMeansAlgorithm::lloyd, KMeansAlgorithm::hamerly}) {
        KMeansParams params;
        params.n_clusters = 7;
        params.n_init = 2;
        params.algorithm = algorithm;
        params.random_state = 42;
        params.n_jobs = 1;
        const auto one = kmeans_fit<T>(X, weight.data(), params);
        params.n_jobs = 2;
        const auto two = kmeans_fit<T>(X, weight.data(), params);
        CHECK(one.centers == two.centers);
        CHECK(one.labels == two.labels);
        CHECK(one.inertia == two.inertia);
        CHECK(one.n_iter == two.n_iter);
        CHECK(kmeans_inertia<T>(X, weight.data(), one.centers, one.labels, 1) ==
              kmeans_inertia<T>(X, weight.data(), one.centers, one.labels, 2));
        params.random_state = 43;
        CHECK(kmeans_fit<T>(X, weight.data(), params).centers != one.centers);
    }
    MiniBatchKMeansParams mini;
    mini.n_clusters = 7;
    mini.batch_size = 5000;
    mini.random_state = 1;
    mini.n_jobs = 1;
    const auto one = minibatch_kmeans_fit<T>(X, nullptr, mini);
    mini.n_jobs = 2;
    const auto two = minibatch_kmeans_fit<T>(X, nullptr, mini);
    CHECK(one.centers == two.centers);
    CHECK(one.labels == two.labels);
}

TEST_CASE("an integer weight of 2 is the sample counted twice") {
    const RowMatrix<double> X = blobs<double>(900, 3, 4, 21u);
    std::vector<double> weight(900, 1.0);
    std::vector<Eigen::Index> doubled;
    for (Eigen::Index i = 0; i < 900; i += 7) {
        weight[static_cast<std::size_t>(i)] = 2.0;
        doubled.push_back(i);
    }
    RowMatrix<double> Xdup(900 + static_cast<Eigen::Index>(doubled.size()), 3);
    Xdup.topRows(900) = X;
    for (std::size_t r = 0; r < doubled.size(); ++r)
        Xdup.row(900 + static_cast<Eigen::Index>(r)) = X.row(doubled[r]);
    const RowMatrix<double> start = first_rows(X, 4);
    for (const auto algorithm : {KMeansAlgorithm::lloyd, KMeansAlgorithm::hamerly}) {
        const auto weighted = fit_from(X, start, algorithm, 300, 0.0, 1, weight.data());
        const auto copied = fit_from(Xdup, start, algorithm, 300, 0.0, 1);
        CHECK(weighted.centers.isApprox(copied.centers, 1e-12));
        CHECK(weighted.inertia == doctest::Approx(copied.inertia).epsilon(1e-12));
        CHECK(weighted.n_iter == copied.n_iter);
    }
}

TEST_CASE("empty clusters move to the farthest samples, deterministically") {
    // Two tight groups and a center far from both: its cluster is empty after the
    // first assignment and takes the sample farthest from its own center.
    RowMatrix<double> X(8, 2);
    X << 0, 0, 0, 1, 1, 0, 5, 5,  // 5,5 is the outlier of the first group
        20, 20, 20, 21, 21, 20, 21, 21;
    RowMatrix<double> start(3, 2);
    start << 0.5, 0.5, 20.5, 20.5, 100, -100;
    for (const auto algorithm : {KMeansAlgorithm::lloyd, KMeansAlgorithm::hamerly}) {
        const auto one = fit_from(X, start, algorithm, 1, 0.0);
        CHECK(one.centers(2, 0) == 5.0);
        CHECK(one.centers(2, 1) == 5.0);
        CHECK(one.centers(0, 0) == doctest::Approx(1.0 / 3.0));
        CHECK(one.centers(0, 1) == doctest::Approx(1.0 / 3.0));
        const auto done = fit_from(X, start, algorithm, 300, 0.0);
        CHECK(done.labels == std::vector<std::int32_t>{0, 0, 0, 2, 1, 1, 1, 1});
        CHECK(done.converged);
        CHECK(done.centers == fit_from(X, start, algorithm, 300, 0.0, 2).centers);
    }
}

TEST_CASE_TEMPLATE("k-means++ finds well separated blobs", T, float, double) {
    const RowMatrix<T> X = blobs<T>(8000, 3, 8, 77u);
    KMeansParams params;
    params.n_clusters = 8;
    params.n_init = 3;
    params.random_state = 7;
    const auto model = kmeans_fit<T>(X, nullptr, params);
    // unit noise in 3 features: the true clustering has inertia about 3 per sample
    CHECK(model.inertia / 8000.0 < 3.6);
    CHECK(model.converged);
    CHECK(model.algorithm == KMeansAlgorithm::lloyd);
    CHECK(model.labels == kmeans_predict<T>(X, model.centers, 1));
    std::set<std::int32_t> used(model.labels.begin(), model.labels.end());
    CHECK(used.size() == 8);
    // random init picks distinct samples
    params.init = KMeansInit::random;
    params.max_iter = 1;
    params.n_init = 1;
    const auto random = kmeans_fit<T>(X, nullptr, params);
    CHECK(random.n_iter == 1);
}

TEST_CASE("mini-batch k-means comes close to k-means") {
    const RowMatrix<double> X = blobs<double>(30000, 3, 6, 8u);
    KMeansParams full;
    full.n_clusters = 6;
    full.n_init = 3;
    const double best = kmeans_fit<double>(X, nullptr, full).inertia;
    MiniBatchKMeansParams mini;
    mini.n_clusters = 6;
    mini.n_init = 3;
    mini.random_state = 3;
    const auto model = minibatch_kmeans_fit<double>(X, nullptr, mini);
    CHECK(model.inertia < 1.05 * best);
    CHECK(model.labels == kmeans_predict<double>(X, model.centers, 1));
    CHECK(model.n_iter >= 1);
}

TEST_CASE("automatic picks Hamerly unless the distance work per sample is small") {
    CHECK(resolve_kmeans_algorithm(KMeansAlgorithm::automatic, 3, 8) ==
          KMeansAlgorithm::lloyd);
    CHECK(resolve_kmeans_algorithm(KMeansAlgorithm::automatic, 16, 32) ==
          KMeansAlgorithm::lloyd);
    CHECK(resolve_kmeans_algorithm(KMeansAlgorithm::automatic, 16, 64) ==
          KMeansAlgorithm::lloyd);
    CHECK(resolve_kmeans_algorithm(KMeansAlgorithm::automatic, 16, 128) ==
          KMeansAlgorithm::hamerly);
    CHECK(resolve_kmeans_algorithm(KMeansAlgorithm::automatic, 3, 256) ==
          KMeansAlgorithm::hamerly);
    CHECK(resolve_kmeans_algorithm(KMeansAlgorithm::automatic, 128, 16) ==
          KMeansAlgorithm::hamerly);
    CHECK(resolve_kmeans_algorithm(KMeansAlgorithm::lloyd, 128, 16) ==
          KMeansAlgorithm::lloyd);
}

TEST_CASE("bad input names the argument and the fix") {
    RowMatrix<double> X = blobs<double>(5, 2, 1, 1u);
    KMeansParams params;
    auto message = [&](auto&& call) -> std::string {
        try {
            call();
        } catch (const Error& e) {
            return e.what();
        }
        return "no error";
    };
    params.n_clusters = 10;
    CHECK(message([&] { kmeans_fit<double>(X, nullptr, params); }) ==
          "n_clusters: n_clusters=10 is more than the 5 samples; lower n_clusters");
    CHECK_THROWS_AS(kmeans_fit<double>(X, nullptr, params), InvalidArgument);
    params.n_clusters = 0;
    CHECK(message([&] {
              kmeans_fit<double>(X, nullptr, params);
          }).rfind("n_clusters:", 0) == 0);
    params.n_clusters = 2;
    params.n_init = 0;
    CHECK(message([&] {
              kmeans_fit<double>(X, nullptr, params);
          }).rfind("n_init:", 0) == 0);
    params.n_init = 1;
    params.max_iter = 0;
    CHECK(message([&] {
              kmeans_fit<double>(X, nullptr, params);
          }).rfind("max_iter:", 0) == 0);
    params.max_iter = 10;
    params.tol = -1;
    CHECK(message([&] { kmeans_fit<double>(X, nullptr, params); }).rfind("tol:", 0) ==
          0);
    params.tol = 1e-4;

    std::vector<double> weight(5, 0.0);
    CHECK(message([&] {
              kmeans_fit<double>(X, weight.data(), params);
          }).rfind("sample_weight:", 0) == 0);
    weight[2] = -1.0;
    CHECK(message([&] {
              kmeans_fit<double>(X, weight.data(), params);
          }).rfind("sample_weight:", 0) == 0);

    params.init = KMeansInit::given;
    CHECK(message([&] {
              kmeans_fit<double>(X, nullptr, params);
          }).rfind("initial_centers:", 0) == 0);
    const RowMatrix<double> wrong(3, 2);
    CHECK_THROWS_AS(kmeans_fit<double>(X, nullptr, params, &wrong), TypeMismatch);
    params.init = KMeansInit::k_means_plus_plus;

    const RowMatrix<double> empty(0, 2);
    CHECK(message([&] { kmeans_fit<double>(empty, nullptr, params); }).rfind("X:", 0) ==
          0);
    // tol > 0 finds it in the variance passes, tol = 0 in a pass of its own
    for (const double tol : {1e-4, 0.0}) {
        params.tol = tol;
        for (const double bad :
             {std::nan(""), -std::numeric_limits<double>::infinity()}) {
            X(3, 1) = bad;
            CHECK(message([&] { kmeans_fit<double>(X, nullptr, params); }) ==
                  "X: contains NaN or infinity; drop or impute those values first");
        }
    }
    params.tol = KMeansParams{}.tol;
    X(3, 1) = 0.0;

    const RowMatrix<double> centers(2, 3);
    CHECK(message([&] { kmeans_predict<double>(X, centers, 1); }) ==
          "X: has 2 features but the centers have 3; pass data with the columns the "
          "model was fit on");
    CHECK_THROWS_AS(kmeans_predict<double>(X, centers, 1), TypeMismatch);
}
