// The k-means building blocks every variant shares: the data view, the fixed chunking
// of rows that makes results independent of the thread count, the seeded uniform
// draws, and the one assignment kernel (fit, predict and transform all call it).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "crmmine/core/matrix.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace detail {

// Borrowed rows of X and their weights (never null here: all ones when the caller
// passed none); both outlive the view.
template <class T>
struct KMeansData {
    const T* x = nullptr;
    std::int64_t stride = 0;  // elements from one row to the next
    std::int64_t n = 0;
    std::int64_t d = 0;
    const T* weight = nullptr;

    const T* row(std::int64_t i) const { return x + i * stride; }
};

// Rows [begin(c), end(c)) form chunk c. The size depends on n and the per-chunk buffer
// only, never on the thread count, and partial results are reduced in chunk order, so
// 1 and 16 threads give bit-identical centers.
struct Chunks {
    std::int64_t n = 0;
    std::int64_t size = 1;
    std::int64_t count = 0;

    std::int64_t begin(std::int64_t c) const { return c * size; }
    std::int64_t end(std::int64_t c) const { return std::min(n, (c + 1) * size); }
};

// 2048 rows per chunk (the partial sums of a chunk stay in L1/L2), more when
// `buffer_per_chunk` doubles per chunk would pass 2^22 doubles (32 MB) in all.
inline Chunks make_chunks(std::int64_t n, std::int64_t buffer_per_chunk = 0) {
    Chunks chunks;
    chunks.n = n;
    chunks.size = 2048;
    if (buffer_per_chunk > 0) {
        const std::int64_t max_chunks =
            std::max<std::int64_t>(1, (std::int64_t{1} << 22) / buffer_per_chunk);
        chunks.size = std::max(chunks.size, (n + max_chunks - 1) / max_chunks);
    }
    chunks.count = (n + chunks.size - 1) / chunks.size;
    return chunks;
}

// A uniform draw in [0, 1) from the top 53 bits, the same on every standard library
// (std::uniform_real_distribution is not).
inline double uniform01(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// A uniform integer in [0, n).
inline std::int64_t uniform_index(std::mt19937_64& rng, std::int64_t n) {
    const auto i = static_cast<std::int64_t>(uniform01(rng) * static_cast<double>(n));
    return std::min(i, n - 1);
}

// splitmix64: decorrelated seeds for restart r of a run seeded with random_state.
inline std::uint64_t derive_seed(std::uint64_t random_state, std::uint64_t stream) {
    std::uint64_t z = random_state + 0x9E3779B97F4A7C15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Squared distance summed feature by feature in order, the exact arithmetic of one lane
// of CenterTable::squared_distances, so both give bit-identical values.
template <class T>
inline T squared_distance(const T* x, const T* c, std::int64_t d) {
    T sum = 0;
    for (std::int64_t j = 0; j < d; ++j) {
        const T t = x[j] - c[j];
        sum += t * t;
    }
    return sum;
}

// The centers transposed (feature-major) and padded to a multiple of 4 with centers at
// infinity, which never win. The kernel keeps 4 centers' sums in registers while it
// runs over the features, so the compiler vectorises across centers with no remainder
// loop: at d = 3, k = 8 this is 4x faster than a loop over a run-time number of
// centers. It is the direct difference form, not -2 x.c + |c|^2, so the rounding error
// stays relative to the distance itself, which Hamerly's bounds rely on.
template <class T>
class CenterTable {
public:
    static constexpr std::int64_t block = 4;

    template <class Matrix>
    explicit CenterTable(const Matrix& centers)
        : k_(static_cast<std::int64_t>(centers.rows())),
          padded_((k_ + block - 1) / block * block),
          d_(static_cast<std::int64_t>(centers.cols())),
          by_feature_(static_cast<std::size_t>(padded_ * d_),
                      std::numeric_limits<T>::infinity()) {
        for (std::int64_t c = 0; c < k_; ++c)
            for (std::int64_t j = 0; j < d_; ++j)
                by_feature_[static_cast<std::size_t>(j * padded_ + c)] = centers(c, j);
    }

    std::int64_t k() const { return k_; }
    // The length of the dist buffer squared_distances fills.
    std::size_t buffer_size() const { return static_cast<std::size_t>(padded_); }

    // OUT dist[c] = squared distance of x to center c, c in [0, k); entries up to
    // buffer_size() hold infinity.
    void squared_distances(const T* x, T* dist) const {
        const T* table = by_feature_.data();
        for (std::int64_t first = 0; first < padded_; first += block) {
            T acc[block] = {};
            for (std::int64_t j = 0; j < d_; ++j) {
                const T xj = x[j];
                const T* column = table + j * padded_ + first;
                for (std::int64_t lane = 0; lane < block; ++lane) {
                    const T t = xj - column[lane];
                    acc[lane] += t * t;
                }
            }
            for (std::int64_t lane = 0; lane < block; ++lane)
                dist[first + lane] = acc[lane];
        }
    }

private:
    std::int64_t k_;
    std::int64_t padded_;
    std::int64_t d_;
    std::vector<T> by_feature_;
};

// The nearest center (lowest index on ties, as scikit-learn) and the squared distances
// to it and to the second nearest (infinity when k == 1).
template <class T>
struct Nearest {
    std::int32_t label;
    T best;
    T second;
};

template <class T>
inline Nearest<T> nearest_center(const T* dist, std::int64_t k) {
    // Selects instead of branches: on real data which center wins is unpredictable,
    // and a mispredicted branch per center cost more than the distances themselves.
    T best = dist[0], second = std::numeric_limits<T>::infinity();
    std::int32_t label = 0;
    for (std::int64_t c = 1; c < k; ++c) {
        const T v = dist[c];
        const bool closer = v < best;
        second = closer ? best : (v < second ? v : second);
        label = closer ? static_cast<std::int32_t>(c) : label;
        best = closer ? v : best;
    }
    return {label, best, second};
}

// Sums in chunk order of per-chunk values, so the total does not depend on threads.
template <class Body>
double chunked_sum(const Chunks& chunks, int n_threads, Body&& body) {
    std::vector<double> partial(static_cast<std::size_t>(chunks.count), 0.0);
    parallel_for(chunks.count, n_threads, [&](std::int64_t c) {
        partial[static_cast<std::size_t>(c)] = body(chunks.begin(c), chunks.end(c));
    });
    double total = 0.0;
    for (const double v : partial) total += v;
    return total;
}

}  // namespace detail
}  // namespace crmmine
