// k-means on three groups of customers described by (recency, frequency, spend),
// through the installed crmmine package.
#include <crmmine/crmmine.hpp>

#include <cstdio>
#include <random>

int main() {
    // 300 customers around three profiles: lapsed one-offs, regulars, big spenders.
    const double profiles[3][3] = {{300, 1, 50}, {30, 8, 400}, {10, 25, 3000}};
    crmmine::RowMatrix<double> X(300, 3);
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 1.0);
    for (Eigen::Index i = 0; i < X.rows(); ++i)
        for (Eigen::Index j = 0; j < 3; ++j)
            X(i, j) = profiles[i % 3][j] * (1.0 + 0.1 * noise(rng));

    crmmine::KMeansParams params;
    params.n_clusters = 3;
    params.n_init = 3;
    params.random_state = 42;
    const crmmine::KMeansModel<double> model =
        crmmine::kmeans_fit<double>(X, nullptr, params);

    std::printf("k-means: %d iterations, inertia %.1f\n", model.n_iter, model.inertia);
    for (Eigen::Index c = 0; c < model.centers.rows(); ++c)
        std::printf("center %ld: recency %6.1f  frequency %5.1f  spend %7.1f\n",
                    static_cast<long>(c), model.centers(c, 0), model.centers(c, 1),
                    model.centers(c, 2));

    // The three profiles are far apart: every group must land in its own cluster.
    for (Eigen::Index i = 3; i < X.rows(); ++i)
        if (model.labels[static_cast<std::size_t>(i)] !=
            model.labels[static_cast<std::size_t>(i % 3)])
            return 1;
    const std::vector<std::int32_t> predicted =
        crmmine::kmeans_predict<double>(X, model.centers);
    return predicted == model.labels ? 0 : 1;
}
