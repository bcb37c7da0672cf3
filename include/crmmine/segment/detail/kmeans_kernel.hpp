// The k-means building blocks every variant shares: the data view, the fixed chunking
// of rows that makes results independent of the thread count, the seeded uniform
// draws, the one assignment kernel (nearest_rows: Lloyd, Hamerly and predict all call
// it), and the direct-difference distances of transform and mini-batch.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "crmmine/core/isa.hpp"
#include "crmmine/core/matrix.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace detail {

// Borrowed rows of X and their weights; both outlive the view.
template <class T>
struct KMeansData {
    const T* x = nullptr;
    std::int64_t stride = 0;  // elements from one row to the next
    std::int64_t n = 0;
    std::int64_t d = 0;
    const T* weight = nullptr;  // null: every weight is 1

    const T* row(std::int64_t i) const { return x + i * stride; }
    T w(std::int64_t i) const { return weight ? weight[i] : T(1); }
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
// stays relative to the distance itself: transform's small distances keep their digits.
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

// The centers as the assignment kernel reads them: moved to an origin at their mean,
// times -2, with their squared norms, padded to a multiple of 4 with centers whose norm
// is infinite (they never win). Score s_c = |c'|^2 - 2 x'.c' = |x - c|^2 - |x'|^2 is
// scikit-learn's expanded form; the origin keeps |x'| and |c'| near the data's spread,
// which is what the rounding error of the expanded form grows with.
template <class T>
class ScoreTable {
public:
    static constexpr std::int64_t group = 4;

    template <class Matrix>
    explicit ScoreTable(const Matrix& centers)
        : k_(static_cast<std::int64_t>(centers.rows())),
          padded_((k_ + group - 1) / group * group),
          d_(static_cast<std::int64_t>(centers.cols())),
          origin_(static_cast<std::size_t>(d_)),
          weights_(static_cast<std::size_t>(padded_ * d_), T(0)),
          norms_(static_cast<std::size_t>(padded_), std::numeric_limits<T>::infinity()),
          radius_(static_cast<std::size_t>(k_)) {
        for (std::int64_t j = 0; j < d_; ++j) {
            double mean = 0.0;
            for (std::int64_t c = 0; c < k_; ++c)
                mean += static_cast<double>(centers(c, j));
            origin_[static_cast<std::size_t>(j)] =
                static_cast<T>(mean / static_cast<double>(k_));
        }
        for (std::int64_t c = 0; c < k_; ++c) {
            double norm = 0.0, exact = 0.0;
            for (std::int64_t j = 0; j < d_; ++j) {
                const T moved = centers(c, j) - origin_[static_cast<std::size_t>(j)];
                weights_[static_cast<std::size_t>(c * d_ + j)] = T(-2) * moved;
                norm += static_cast<double>(moved) * static_cast<double>(moved);
                const double t =
                    static_cast<double>(centers(c, j)) -
                    static_cast<double>(origin_[static_cast<std::size_t>(j)]);
                exact += t * t;
            }
            norms_[static_cast<std::size_t>(c)] = static_cast<T>(norm);
            radius_[static_cast<std::size_t>(c)] = std::sqrt(exact) * (1.0 + 1e-12);
            max_norm_ = std::max(max_norm_, std::sqrt(exact));
        }
    }

    std::int64_t k() const { return k_; }
    std::int64_t padded() const { return padded_; }
    std::int64_t d() const { return d_; }
    const T* origin() const { return origin_.data(); }
    const T* weights() const { return weights_.data(); }  // padded x d, row-major
    const T* norms() const { return norms_.data(); }

    // |x - origin|^2 in double.
    double moved_norm2(const T* x) const {
        double sum = 0.0;
        for (std::int64_t j = 0; j < d_; ++j) {
            const double t = static_cast<double>(x[j]) -
                             static_cast<double>(origin_[static_cast<std::size_t>(j)]);
            sum += t * t;
        }
        return sum;
    }

    // A bound on |computed s_c - exact s_c| for a sample with |x - origin|^2 = xx, for
    // every c: the rounding of x', c', |c'|^2 and the d products and sums is at most
    // (d + 8) units in the last place of (|x'| + |c'|)^2; this allows four times that.
    double score_error(double xx) const { return score_error_within(std::sqrt(xx)); }

    // score_error for any sample with |x - origin| <= radius.
    double score_error_within(double radius) const {
        const double r = radius + max_norm_ * (1.0 + 1e-12);
        return static_cast<double>(2 * d_ + 16) * std::numeric_limits<T>::epsilon() *
               r * r;
    }

    // An upper bound on |c - origin|: |x - origin| <= |x - c| + radius(c).
    double radius(std::int64_t c) const { return radius_[static_cast<std::size_t>(c)]; }

private:
    std::int64_t k_;
    std::int64_t padded_;
    std::int64_t d_;
    std::vector<T> origin_;
    std::vector<T> weights_;
    std::vector<T> norms_;
    std::vector<double> radius_;
    double max_norm_ = 0.0;
};

// Where the assignment kernel writes: per row the label and, when best is not null,
// the lowest and second lowest score.
template <class T>
struct ScoreOut {
    std::int32_t* label = nullptr;
    T* best = nullptr;
    T* second = nullptr;
};

#if defined(__GNUC__)
#define CRMMINE_KMEANS_INLINE inline __attribute__((always_inline))
#else
#define CRMMINE_KMEANS_INLINE inline
#endif

// The tile of a block of `Width` contiguous rows of exactly D features, feature-major
// and moved to the origin. With D and the row stride fixed at compile time the
// compiler transposes with whole-vector loads and permutes, and the kernel reloads
// whole vectors it stored, which the store buffer forwards.
template <class T, int D, int Width>
CRMMINE_KMEANS_INLINE void contiguous_tile(const T* __restrict x,
                                           const T* __restrict origin,
                                           T* __restrict tile) {
    for (int p = 0; p < Width; ++p)
        for (int j = 0; j < D; ++j) tile[j * Width + p] = x[p * D + j] - origin[j];
}

// The one assignment kernel. Rows are taken in tiles of 2 vectors of samples (8 or 16
// rows), transposed and moved to the table's origin, and each group of 4 centers is
// scored against the tile in 8 independent accumulators, so the multiply-adds run at
// full rate; the running minimum is kept per lane, in center order, so ties go to the
// lowest index and a row's result does not depend on the rows it shares a tile with.
// Row r of the block is rows[r] (or first + r when rows is null). `Bytes` is the vector
// width; with 32 the compiler emits AVX2 in nearest_rows_avx2 and pairs of SSE2
// registers in the portable build. D > 0 is the number of features fixed at compile
// time (D = 0: read from the table); the arithmetic is the same either way.
template <class T, int Bytes, bool Second, int D>
CRMMINE_KMEANS_INLINE void nearest_rows_body(const ScoreTable<T>& table,
                                             const KMeansData<T>& data,
                                             const std::int64_t* rows,
                                             std::int64_t first, std::int64_t count,
                                             const ScoreOut<T>& out, T* tile) {
    typedef T V __attribute__((vector_size(Bytes)));
    using Mask = decltype(V{} < V{});
    using Lane = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
    constexpr std::int64_t lanes = Bytes / static_cast<std::int64_t>(sizeof(T));
    constexpr std::int64_t width = 2 * lanes;
    const std::int64_t d = D > 0 ? D : table.d(), padded = table.padded();
    const T* origin = table.origin();
    const T* norms = table.norms();
    const bool contiguous = D > 0 && rows == nullptr && data.stride == D;
    for (std::int64_t start = 0; start < count; start += width) {
        const std::int64_t m = std::min(width, count - start);
        if (contiguous && m == width) {
            const T* x = data.row(first + start);
            // The rows 8 tiles on, asked for now: the hardware prefetcher alone left
            // the kernel waiting on memory at d = 16 (prefetches never fault, so
            // addresses past X are harmless).
            constexpr std::uintptr_t tile_bytes =
                static_cast<std::uintptr_t>(width) * (D > 0 ? D : 1) * sizeof(T);
            const auto ahead = reinterpret_cast<std::uintptr_t>(x) + 8 * tile_bytes;
            for (std::uintptr_t line = 0; line < tile_bytes; line += 64)
                __builtin_prefetch(reinterpret_cast<const void*>(ahead + line));
            contiguous_tile<T, (D > 0 ? D : 1), static_cast<int>(width)>(x, origin,
                                                                         tile);
        } else {
            // The tile, feature-major; lanes past the block's end repeat its last row.
            for (std::int64_t p = 0; p < width; ++p) {
                const std::int64_t r = start + std::min(p, m - 1);
                const T* x = data.row(rows ? rows[r] : first + r);
                for (std::int64_t j = 0; j < d; ++j)
                    tile[j * width + p] = x[j] - origin[j];
            }
        }
        const V inf = V{} + std::numeric_limits<T>::infinity();
        V best0 = inf, best1 = inf, second0 = inf, second1 = inf;
        Mask label0 = Mask{}, label1 = Mask{};
        for (std::int64_t c = 0; c < padded; c += 4) {
            const T* w = table.weights() + c * d;
            V s00 = V{} + norms[c], s01 = s00;
            V s10 = V{} + norms[c + 1], s11 = s10;
            V s20 = V{} + norms[c + 2], s21 = s20;
            V s30 = V{} + norms[c + 3], s31 = s30;
            for (std::int64_t j = 0; j < d; ++j) {
                V x0, x1;
                __builtin_memcpy(&x0, tile + j * width, sizeof(V));
                __builtin_memcpy(&x1, tile + j * width + lanes, sizeof(V));
                s00 += x0 * w[j];
                s01 += x1 * w[j];
                s10 += x0 * w[d + j];
                s11 += x1 * w[d + j];
                s20 += x0 * w[2 * d + j];
                s21 += x1 * w[2 * d + j];
                s30 += x0 * w[3 * d + j];
                s31 += x1 * w[3 * d + j];
            }
            const V scores0[4] = {s00, s10, s20, s30},
                    scores1[4] = {s01, s11, s21, s31};
            for (std::int64_t g = 0; g < 4; ++g) {
                const Mask index = Mask{} + static_cast<Lane>(c + g);
                const V a = scores0[g], b = scores1[g];
                const Mask closer0 = a < best0, closer1 = b < best1;
                if (Second) {
                    const V high0 = best0 < a ? a : best0,
                            high1 = best1 < b ? b : best1;
                    second0 = high0 < second0 ? high0 : second0;
                    second1 = high1 < second1 ? high1 : second1;
                }
                // a minimum, not a select: one instruction (scores are never NaN)
                best0 = a < best0 ? a : best0;
                best1 = b < best1 ? b : best1;
                label0 = closer0 ? index : label0;
                label1 = closer1 ? index : label1;
            }
        }
        T b[width], s[width];
        Lane l[width];
        __builtin_memcpy(b, &best0, sizeof(V));
        __builtin_memcpy(b + lanes, &best1, sizeof(V));
        __builtin_memcpy(s, &second0, sizeof(V));
        __builtin_memcpy(s + lanes, &second1, sizeof(V));
        __builtin_memcpy(l, &label0, sizeof(Mask));
        __builtin_memcpy(l + lanes, &label1, sizeof(Mask));
        for (std::int64_t p = 0; p < m; ++p) {
            out.label[start + p] = static_cast<std::int32_t>(l[p]);
            if (Second) {
                out.best[start + p] = b[p];
                out.second[start + p] = s[p];
            }
        }
    }
}

// N lanes of E in one GCC vector (a member typedef: the attribute on a dependent
// typedef in a function template is not applied).
template <class E, int N>
struct VectorOf {
    typedef E type __attribute__((vector_size(N * sizeof(E))));
};

// True when none of x[0, len) is NaN or infinite (all exponent bits set). Tested on
// the bits, this is integer work the compiler vectorises (64-bit compares need SSE4.1,
// so the portable build stays scalar); a floating-point sum or comparison is not
// vectorised (fixed order, trapping math) and ran at one value per add latency.
template <class T>
CRMMINE_KMEANS_INLINE bool all_finite_body(const T* x, std::int64_t len) {
    using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
    constexpr Bits exponent =
        sizeof(T) == 8 ? Bits(0x7FF0000000000000ull) : Bits(0x7F800000u);
    Bits bad = 0;
    for (std::int64_t j = 0; j < len; ++j) {
        Bits bits;
        __builtin_memcpy(&bits, x + j, sizeof(Bits));
        bad |= static_cast<Bits>((bits & exponent) == exponent);
    }
    return bad == 0;
}

// Per-cluster sums of the rows, the layout accumulate_rows writes: two copies (even
// and odd rows, so consecutive rows of one cluster do not wait on each other's add) of
// k groups of `accumulate_stride(d)` doubles: weight * x, then the weight in slot d.
inline std::int64_t accumulate_stride(std::int64_t d) {
    return d <= 16 ? (d + 1 + 7) / 8 * 8 : d + 1;
}

// sums[(r % 2) * k + labels[r - b]] += (w x_r, w) for rows r in [b, e), in row order.
// With D > 0 a row is one vector load, widened to double, with the weight put in slot
// D: one vector add per row whatever D is. The products and sums are the double ones
// of the plain loop (w x in double is exact for float data).
template <class T, int D>
CRMMINE_KMEANS_INLINE void accumulate_rows_body(const KMeansData<T>& data,
                                                std::int64_t b, std::int64_t e,
                                                const std::int32_t* labels,
                                                std::int64_t k, double* sums) {
    if constexpr (D == 0) {
        const std::int64_t d = data.d, g = accumulate_stride(d);
        for (std::int64_t i = b; i < e; ++i) {
            const T* x = data.row(i);
            double* s = sums + (((i - b) & 1) * k + labels[i - b]) * g;
            const auto w = static_cast<double>(data.w(i));
            for (std::int64_t j = 0; j < d; ++j) s[j] += static_cast<double>(x[j]) * w;
            s[d] += w;
        }
    } else {
        // G lanes of a vector (a power of two) hold x and, when D < G, the weight; at
        // D = 16 the weight is a scalar add into slot 16.
        constexpr int G = D < 8 ? 8 : 16;
        constexpr std::int64_t group = (D + 1 + 7) / 8 * 8;
        using VD = typename VectorOf<double, G>::type;
        using VT = typename VectorOf<T, G>::type;
        using VI = typename VectorOf<std::int64_t, G>::type;
        VD unit = {};
        VI keep = {};
        for (int l = 0; l < G; ++l) {
            unit[l] = l == D ? 1.0 : 0.0;
            keep[l] = l < D ? -1 : 0;
        }
        // A row whose whole-vector load would pass the end of X is copied first.
        const std::int64_t end = (data.n - 1) * data.stride + data.d;
        for (std::int64_t i = b; i < e; ++i) {
            const T* x = data.row(i);
            VT raw;
            if (i * data.stride + G <= end) {
                __builtin_memcpy(&raw, x, sizeof(VT));
            } else {
                T copy[G] = {};
                for (int j = 0; j < D; ++j) copy[j] = x[j];
                __builtin_memcpy(&raw, copy, sizeof(VT));
            }
            VD v = keep ? __builtin_convertvector(raw, VD) : unit;
            const double w = data.weight ? static_cast<double>(data.weight[i]) : 1.0;
            if (data.weight) v *= w;
            double* s = sums + (((i - b) & 1) * k + labels[i - b]) * group;
            VD sum;
            __builtin_memcpy(&sum, s, sizeof(VD));
            sum += v;
            __builtin_memcpy(s, &sum, sizeof(VD));
            if (D >= G) s[D] += w;
        }
    }
}

// OUT sums[0, 2 * G): the sums over rows [b, e) of x (mean null) or of (x - mean)^2,
// feature j at j and G + j for even and odd rows, G = column_sums_stride(d).
// Unweighted: the spread scikit-learn scales tol by.
inline std::int64_t column_sums_stride(std::int64_t d) {
    return d < 8 ? 8 : d <= 16 ? 16 : d;
}

template <class T, int D>
CRMMINE_KMEANS_INLINE void column_sums_body(const KMeansData<T>& data, std::int64_t b,
                                            std::int64_t e, const double* mean,
                                            double* sums) {
    if constexpr (D == 0) {
        const std::int64_t d = data.d, g = column_sums_stride(d);
        for (std::int64_t i = b; i < e; ++i) {
            const T* x = data.row(i);
            double* s = sums + ((i - b) & 1) * g;
            for (std::int64_t j = 0; j < d; ++j) {
                const double v = mean ? static_cast<double>(x[j]) - mean[j]
                                      : static_cast<double>(x[j]);
                s[j] += mean ? v * v : v;
            }
        }
    } else {
        constexpr int G = D < 8 ? 8 : 16;
        using VD = typename VectorOf<double, G>::type;
        using VT = typename VectorOf<T, G>::type;
        using VI = typename VectorOf<std::int64_t, G>::type;
        VI keep = {};
        VD centre = {};
        for (int l = 0; l < G; ++l) {
            keep[l] = l < D ? -1 : 0;
            centre[l] = mean && l < D ? mean[l] : 0.0;
        }
        VD even = {}, odd = {};
        const std::int64_t end = (data.n - 1) * data.stride + data.d;
        auto add = [&](std::int64_t i, VD& acc) {
            const T* x = data.row(i);
            VT raw;
            if (i * data.stride + G <= end) {
                __builtin_memcpy(&raw, x, sizeof(VT));
            } else {
                T copy[G] = {};
                for (int j = 0; j < D; ++j) copy[j] = x[j];
                __builtin_memcpy(&raw, copy, sizeof(VT));
            }
            VD v = keep ? __builtin_convertvector(raw, VD) : VD{};
            if (mean) {
                v -= centre;
                v *= v;
            }
            acc += v;
        };
        std::int64_t i = b;
        for (; i + 1 < e; i += 2) {
            add(i, even);
            add(i + 1, odd);
        }
        if (i < e) add(i, even);
        for (int l = 0; l < D; ++l) {
            sums[l] += even[l];
            sums[G + l] += odd[l];
        }
    }
}

// clang-format off
#define CRMMINE_KMEANS_FEATURES(CASE) \
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) \
    CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15) CASE(16)
// clang-format on

// The kernels compiled for one instruction set, `Bytes` wide, with the number of
// features fixed at compile time up to 16.
#define CRMMINE_KMEANS_NEAREST_CASE(D)                                           \
    case D:                                                                      \
        return nearest_rows_body<T, Bytes_, Second, D>(table, data, rows, first, \
                                                       count, out, tile);
#define CRMMINE_KMEANS_COLUMN_CASE(D) \
    case D:                           \
        return column_sums_body<T, D>(data, b, e, mean, sums);
#define CRMMINE_KMEANS_ACCUMULATE_CASE(D) \
    case D:                               \
        return accumulate_rows_body<T, D>(data, b, e, labels, k, sums);
#define CRMMINE_KMEANS_KERNEL(suffix, Bytes, target)                                 \
    template <class T>                                                               \
    target bool all_finite_##suffix(const T* x, std::int64_t len) {                  \
        return all_finite_body(x, len);                                              \
    }                                                                                \
    template <class T>                                                               \
    target void column_sums_##suffix(const KMeansData<T>& data, std::int64_t b,      \
                                     std::int64_t e, const double* mean,             \
                                     double* sums) {                                 \
        switch (data.d) {                                                            \
            CRMMINE_KMEANS_FEATURES(CRMMINE_KMEANS_COLUMN_CASE)                      \
            default:                                                                 \
                return column_sums_body<T, 0>(data, b, e, mean, sums);               \
        }                                                                            \
    }                                                                                \
    template <class T, bool Second>                                                  \
    target void nearest_rows_##suffix(                                               \
        const ScoreTable<T>& table, const KMeansData<T>& data,                       \
        const std::int64_t* rows, std::int64_t first, std::int64_t count,            \
        const ScoreOut<T>& out, T* tile) {                                           \
        constexpr int Bytes_ = Bytes;                                                \
        switch (table.d()) {                                                         \
            CRMMINE_KMEANS_FEATURES(CRMMINE_KMEANS_NEAREST_CASE)                     \
            default:                                                                 \
                return nearest_rows_body<T, Bytes_, Second, 0>(                      \
                    table, data, rows, first, count, out, tile);                     \
        }                                                                            \
    }                                                                                \
    template <class T>                                                               \
    target void accumulate_rows_##suffix(const KMeansData<T>& data, std::int64_t b,  \
                                         std::int64_t e, const std::int32_t* labels, \
                                         std::int64_t k, double* sums) {             \
        switch (data.d) {                                                            \
            CRMMINE_KMEANS_FEATURES(CRMMINE_KMEANS_ACCUMULATE_CASE)                  \
            default:                                                                 \
                return accumulate_rows_body<T, 0>(data, b, e, labels, k, sums);      \
        }                                                                            \
    }
CRMMINE_KMEANS_KERNEL(portable, 32, )
#ifdef CRMMINE_ISA_DISPATCH
CRMMINE_KMEANS_KERNEL(avx2, 32, __attribute__((target("avx2,fma"))))
CRMMINE_KMEANS_KERNEL(avx512, 64,
                      __attribute__((target("avx512f,avx512dq,avx512vl,fma"))))
#endif
#undef CRMMINE_KMEANS_KERNEL
#undef CRMMINE_KMEANS_NEAREST_CASE
#undef CRMMINE_KMEANS_ACCUMULATE_CASE
#undef CRMMINE_KMEANS_COLUMN_CASE
#undef CRMMINE_KMEANS_FEATURES

template <class T>
bool all_finite(const T* x, std::int64_t len) {
#ifdef CRMMINE_ISA_DISPATCH
    const int level = isa_level();
    if (level == 2) return all_finite_avx512<T>(x, len);
    if (level == 1) return all_finite_avx2<T>(x, len);
#endif
    return all_finite_portable<T>(x, len);
}

template <class T>
void column_sums(const KMeansData<T>& data, std::int64_t b, std::int64_t e,
                 const double* mean, double* sums) {
#ifdef CRMMINE_ISA_DISPATCH
    const int level = isa_level();
    if (level == 2) return column_sums_avx512<T>(data, b, e, mean, sums);
    if (level == 1) return column_sums_avx2<T>(data, b, e, mean, sums);
#endif
    column_sums_portable<T>(data, b, e, mean, sums);
}

// OUT sums (2 * k * accumulate_stride(d) doubles, see accumulate_rows_body): adds rows
// [b, e) of data to the groups of their labels (labels[0] is row b's).
template <class T>
void accumulate_rows(const KMeansData<T>& data, std::int64_t b, std::int64_t e,
                     const std::int32_t* labels, std::int64_t k, double* sums) {
#ifdef CRMMINE_ISA_DISPATCH
    const int level = isa_level();
    if (level == 2) return accumulate_rows_avx512<T>(data, b, e, labels, k, sums);
    if (level == 1) return accumulate_rows_avx2<T>(data, b, e, labels, k, sums);
#endif
    accumulate_rows_portable<T>(data, b, e, labels, k, sums);
}

// The scratch nearest_rows needs: one tile.
template <class T>
std::size_t nearest_rows_scratch(const ScoreTable<T>& table) {
    return static_cast<std::size_t>(table.d() * 128 /
                                    static_cast<std::int64_t>(sizeof(T)));
}

// The lowest-score center of `count` rows (see nearest_rows_body), on AVX2 with FMA
// when the processor has them (checked once), on the portable build otherwise. Every
// caller gets the same per-row results on one machine, whatever the tiling or threads.
template <class T, bool Second>
void nearest_rows(const ScoreTable<T>& table, const KMeansData<T>& data,
                  const std::int64_t* rows, std::int64_t first, std::int64_t count,
                  const ScoreOut<T>& out, T* tile) {
#ifdef CRMMINE_ISA_DISPATCH
    const int level = isa_level();
    if (level == 2)
        return nearest_rows_avx512<T, Second>(table, data, rows, first, count, out,
                                              tile);
    if (level == 1)
        return nearest_rows_avx2<T, Second>(table, data, rows, first, count, out, tile);
#endif
    nearest_rows_portable<T, Second>(table, data, rows, first, count, out, tile);
}

template <class T>
void nearest_rows(const ScoreTable<T>& table, const KMeansData<T>& data,
                  const std::int64_t* rows, std::int64_t first, std::int64_t count,
                  const ScoreOut<T>& out, T* tile) {
    if (out.best)
        nearest_rows<T, true>(table, data, rows, first, count, out, tile);
    else
        nearest_rows<T, false>(table, data, rows, first, count, out, tile);
}

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
