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

namespace crmmine {
namespace detail {

template <class T>
class HamerlyAssign {
public:
    HamerlyAssign(std::int64_t n, std::int64_t d)
        : upper_(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity()),
          lower_(static_cast<std::size_t>(n), 0.0),
          // A computed squared distance is within (d + 2) roundings of the exact one;
          // rel bounds that error (with room) for distances too.
          rel_(static_cast<double>(d + 8) * std::numeric_limits<T>::epsilon()) {}

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

    std::int32_t assign(std::int64_t i, const T* x, std::int32_t label,
                        const CenterTable<T>& table, const RowMatrix<T>& centers,
                        T* dist, std::int64_t& n_distances) {
        constexpr double up = 1.0 + 4.0 * std::numeric_limits<double>::epsilon();
        constexpr double down = 1.0 - 4.0 * std::numeric_limits<double>::epsilon();
        const auto ui = static_cast<std::size_t>(i);
        double u = upper_[ui];
        if (u != std::numeric_limits<double>::infinity()) {
            const auto a = static_cast<std::size_t>(label);
            // Rounded outwards so they stay bounds on the exact distances.
            u = (u + (*shift_)[a]) * up;
            const double other = label == max_center_ ? second_shift_ : max_shift_;
            const double l = std::max(lower_[ui] - other, 0.0) * down;
            lower_[ui] = l;
            // Computed distances differ from exact ones by a factor within 1 +- rel:
            // the kernel's label is `label` when even the worst rounding keeps every
            // other center farther.
            const double bound = std::max(half_gap_[a], l) * (1.0 - 2.0 * rel_);
            if (u * (1.0 + 2.0 * rel_) < bound) {
                upper_[ui] = u;
                return label;
            }
            const T d2 = squared_distance(x, centers.row(label).data(), centers.cols());
            ++n_distances;
            u = std::sqrt(static_cast<double>(d2)) * (1.0 + 2.0 * rel_);
            if (u * (1.0 + 2.0 * rel_) < bound) {
                upper_[ui] = u;
                return label;
            }
        }
        table.squared_distances(x, dist);
        n_distances += table.k();
        const Nearest<T> best = nearest_center(dist, table.k());
        upper_[ui] = std::sqrt(static_cast<double>(best.best)) * (1.0 + 2.0 * rel_);
        lower_[ui] = std::sqrt(static_cast<double>(best.second)) * (1.0 - 2.0 * rel_);
        return best.label;
    }

private:
    std::vector<double> upper_;
    std::vector<double> lower_;
    std::vector<double> half_gap_;  // half the distance to the nearest other center
    const std::vector<double>* shift_ = nullptr;
    double max_shift_ = 0.0, second_shift_ = 0.0;
    std::int64_t max_center_ = -1;
    double rel_;
};

}  // namespace detail
}  // namespace crmmine
