// Hamerly's bounded assignment (Hamerly 2010): per sample an upper bound on the
// distance to its center and one lower bound on the distance to every other center,
// loosened by how far centers moved, skip the distance computations whenever the
// bounds prove the label cannot change. Bounds carry a rounding margin, so the label is
// the one the full kernel would compute, bit for bit: Hamerly == Lloyd per iteration.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "crmmine/segment/detail/kmeans_kernel.hpp"
#include "crmmine/segment/detail/kmeans_lloyd.hpp"

namespace crmmine {
namespace detail {

template <class T>
class HamerlyAssign {
public:
    HamerlyAssign(std::int64_t n, std::int64_t /*d*/)
        : upper_(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity()),
          lower_(static_cast<std::size_t>(n), 0.0) {}

    // Called before each pass: the centers of the pass and how far each moved since the
    // previous pass.
    void prepare(const RowMatrix<T>& centers, const std::vector<double>& shift) {
        const std::int64_t k = centers.rows(), d = centers.cols();
        half_gap_.assign(static_cast<std::size_t>(k),
                         std::numeric_limits<double>::infinity());
        for (std::int64_t a = 0; a < k; ++a)
            for (std::int64_t b = a + 1; b < k; ++b) {
                double sq = 0.0;
                for (std::int64_t j = 0; j < d; ++j) {
                    const double t = static_cast<double>(centers(a, j)) -
                                     static_cast<double>(centers(b, j));
                    sq += t * t;
                }
                const double half = 0.5 * std::sqrt(sq);
                auto& ha = half_gap_[static_cast<std::size_t>(a)];
                auto& hb = half_gap_[static_cast<std::size_t>(b)];
                ha = std::min(ha, half);
                hb = std::min(hb, half);
            }
        shift_ = &shift;
        // The largest and second largest shift: a sample's lower bound drops by the
        // largest shift among the centers other than its own.
        max_shift_ = second_shift_ = 0.0;
        max_center_ = -1;
        for (std::size_t c = 0; c < shift.size(); ++c) {
            if (shift[c] > max_shift_) {
                second_shift_ = max_shift_;
                max_shift_ = shift[c];
                max_center_ = static_cast<std::int64_t>(c);
            } else if (shift[c] > second_shift_) {
                second_shift_ = shift[c];
            }
        }
    }

    // Forces a full computation for sample i at the next pass (after a relocation).
    void invalidate(std::int64_t i) {
        upper_[static_cast<std::size_t>(i)] = std::numeric_limits<double>::infinity();
    }

    // OUT labels[0, e - b): the labels of rows [b, e), old their last ones. The
    // kernel labels x with a when its score for a is below every other score; scores
    // are within E = table.score_error of s_c = |x - c|^2 - |x'|^2, so a lower bound L
    // on every other distance and an upper bound u on |x - a| with L^2 - u^2 > 2E
    // prove the kernel's label without running it. The rows left are scored together.
    void assign(const KMeansData<T>& data, std::int64_t b, std::int64_t e,
                const std::int32_t* old, std::int32_t* labels,
                const ScoreTable<T>& table, const RowMatrix<T>& centers,
                AssignScratch<T>& scratch, std::int64_t& n_distances) {
        constexpr double up = 1.0 + 1e-12, down = 1.0 - 1e-12;
        constexpr double inf = std::numeric_limits<double>::infinity();
        const std::int64_t d = data.d;
        scratch.rows.clear();
        for (std::int64_t i = b; i < e; ++i) {
            const auto ui = static_cast<std::size_t>(i);
            double u = upper_[ui];
            const std::int32_t label = old[i - b];
            if (u != inf) {
                const auto a = static_cast<std::size_t>(label);
                // Rounded outwards so they stay bounds on the exact distances.
                u = (u + (*shift_)[a]) * up;
                const double other = label == max_center_ ? second_shift_ : max_shift_;
                const double l = std::max(lower_[ui] - other, 0.0) * down;
                lower_[ui] = l;
                // |x - c| >= |a - c| - |x - a| >= 2 half_gap - u for every c != a.
                auto proves = [&](double upper, double error) {
                    const double low = std::max(l, 2.0 * half_gap_[a] - upper) * down;
                    return low > upper && (low - upper) * (low + upper) * down > error;
                };
                // First with the error of any sample within u + radius(a) of the
                // origin, which needs no pass over x; it proves most labels.
                if (proves(u, 2.0 * table.score_error_within((u + table.radius(label)) *
                                                             up))) {
                    upper_[ui] = u;
                    labels[i - b] = label;
                    continue;
                }
                const T* x = data.row(i);
                const double error = 2.0 * table.score_error(table.moved_norm2(x));
                if (!proves(u, error)) {
                    // Tighten u to the distance itself, in double.
                    const T* center = centers.row(label).data();
                    double sq = 0.0;
                    for (std::int64_t j = 0; j < d; ++j) {
                        const double t =
                            static_cast<double>(x[j]) - static_cast<double>(center[j]);
                        sq += t * t;
                    }
                    ++n_distances;
                    u = std::sqrt(sq) * up;
                }
                if (proves(u, error)) {
                    upper_[ui] = u;
                    labels[i - b] = label;
                    continue;
                }
            }
            scratch.rows.push_back(i);
        }
        const auto m = static_cast<std::int64_t>(scratch.rows.size());
        scratch.found.resize(scratch.rows.size());
        scratch.best.resize(scratch.rows.size());
        scratch.second.resize(scratch.rows.size());
        nearest_rows(table, data, scratch.rows.data(), 0, m,
                     {scratch.found.data(), scratch.best.data(), scratch.second.data()},
                     scratch.tile.data());
        n_distances += m * table.k();
        for (std::size_t r = 0; r < scratch.rows.size(); ++r) {
            const std::int64_t i = scratch.rows[r];
            const auto ui = static_cast<std::size_t>(i);
            labels[i - b] = scratch.found[r];
            const double xx = table.moved_norm2(data.row(i));
            const double error = table.score_error(xx);
            const double best = xx + static_cast<double>(scratch.best[r]) + error;
            const double second = xx + static_cast<double>(scratch.second[r]) - error;
            upper_[ui] = std::sqrt(std::max(best, 0.0)) * up;
            lower_[ui] = std::sqrt(std::max(second, 0.0)) * down;
        }
    }

private:
    std::vector<double> upper_;
    std::vector<double> lower_;
    std::vector<double> half_gap_;  // half the distance to the nearest other center
    const std::vector<double>* shift_ = nullptr;
    double max_shift_ = 0.0, second_shift_ = 0.0;
    std::int64_t max_center_ = -1;
};

}  // namespace detail
}  // namespace crmmine
