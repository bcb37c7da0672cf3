// The weighted logistic loss sum_i s_i * (log1p_exp(z_i) - y_i * z_i), z = X w + b,
// with its gradient and (for proximal Newton) its Hessian, in one pass over X. Rows are
// cut into chunks whose boundaries depend on the data shape only; each chunk sums into
// its own slot and the slots are added in chunk order, so any thread count gives the
// same bits.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "crmmine/core/isa.hpp"
#include "crmmine/core/logistic_functions.hpp"
#include "crmmine/core/matrix.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine::detail {

// b + x . w with four running sums: one sum would wait on each add before the next
// (the compiler may not reorder floating-point adds), four keep the adder busy. The
// order is fixed per row, so the result does not depend on the thread count.
inline double linear_score(const double* x, const double* w, std::int64_t d, double b) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    std::int64_t j = 0;
    for (; j + 4 <= d; j += 4) {
        s0 += x[j] * w[j];
        s1 += x[j + 1] * w[j + 1];
        s2 += x[j + 2] * w[j + 2];
        s3 += x[j + 3] * w[j + 3];
    }
    for (; j < d; ++j) s0 += x[j] * w[j];
    return b + ((s0 + s1) + (s2 + s3));
}

inline void prefetch(const double* address) {
#if defined(__GNUC__)
    __builtin_prefetch(address);
#else
    (void)address;
#endif
}

// linear_score of `rows` consecutive rows of X (n x d, row-major) into z, asking for
// the row four ahead while this one is summed: a dot product per row leaves the
// memory system idle between rows, and the prefetch keeps it busy (a quarter faster
// at 80 columns).
inline void linear_score_rows(const double* X, std::int64_t rows, std::int64_t d,
                              const double* w, double b, double* z) {
    constexpr std::int64_t kAhead = 4;
    constexpr std::int64_t kLine = 8;  // doubles per cache line
    for (std::int64_t r = 0; r < rows; ++r) {
        const double* x = X + r * d;
        if (r + kAhead < rows)
            for (std::int64_t k = 0; k < d; k += kLine) prefetch(x + kAhead * d + k);
        z[r] = linear_score(x, w, d, b);
    }
}

#ifdef CRMMINE_ISA_DISPATCH
// linear_score_rows with the four running sums in one AVX2 register.
CRMMINE_AVX2_SAME_BITS inline void linear_score_rows_avx2(const double* X,
                                                          std::int64_t rows,
                                                          std::int64_t d,
                                                          const double* w, double b,
                                                          double* z) {
    linear_score_rows(X, rows, d, w, b, z);
}
#endif

// linear_score_rows on the widest instruction set the processor has.
inline void linear_score_block(const double* X, std::int64_t rows, std::int64_t d,
                               const double* w, double b, double* z) {
#ifdef CRMMINE_ISA_DISPATCH
    if (isa_level() >= 1) return linear_score_rows_avx2(X, rows, d, w, b, z);
#endif
    linear_score_rows(X, rows, d, w, b, z);
}

// Rows scored together, on the stack.
inline constexpr std::int64_t kScoreBlock = 256;

struct LogisticData {
    const double* X;  // n x d, row-major
    std::int64_t n;
    std::int64_t d;
    const std::uint8_t* y;        // 0 / 1
    const double* sample_weight;  // n weights, or nullptr for all ones
    double class_weight[2] = {1.0, 1.0};

    // The effective weight s_i = sample_weight_i * class_weight[y_i], computed where
    // it is used: an array of n weights would cost as much memory as a column of X.
    double weight(std::int64_t i) const {
        const double c = class_weight[y[i]];
        return sample_weight ? sample_weight[i] * c : c;
    }
};

// Chunks of at least 2048 rows, and few enough that their slots take about 4 MB (at
// least 16 chunks, whatever their size), whatever the thread count. The Hessian's
// slots are (d + 1)^2 doubles each: one per 2048 rows would outweigh X's temporaries.
inline std::int64_t loss_chunks(std::int64_t n, std::int64_t slot_width) {
    const std::int64_t by_rows = std::max<std::int64_t>(1, (n + 2047) / 2048);
    const std::int64_t by_memory = std::max<std::int64_t>(
        16, (std::int64_t{1} << 19) / std::max<std::int64_t>(1, slot_width));
    return std::min(by_rows, by_memory);
}

// Adds s_i p_i (1 - p_i) [x_i 1][x_i 1]^T for a block of rows to the lower triangle of
// the column-major (d + 1)^2 matrix h: each row scaled by sqrt(s_i p_i (1 - p_i)) into
// one block, then one symmetric rank-k update, which runs at matrix-product speed where
// a row-by-row update would not.
class HessianBlock {
public:
    static constexpr std::int64_t kRows = 256;

    explicit HessianBlock(std::int64_t d) : d_(d), rows_(kRows, d + 1) {}

    void add_row(const double* x, double curvature) {
        const double root = std::sqrt(curvature);
        for (std::int64_t j = 0; j < d_; ++j) rows_(filled_, j) = root * x[j];
        rows_(filled_, d_) = root;
        ++filled_;
    }
    bool full() const { return filled_ == kRows; }

    void flush(double* h) {
        if (filled_ == 0) return;
        Eigen::Map<Eigen::MatrixXd> hessian(h, d_ + 1, d_ + 1);
        hessian.selfadjointView<Eigen::Lower>().rankUpdate(
            rows_.topRows(filled_).transpose());
        filled_ = 0;
    }

private:
    std::int64_t d_;
    std::int64_t filled_ = 0;
    RowMatrix<double> rows_;
};

// Returns sum_i s_i * loss_i; grad (d + 1 entries, the intercept last) receives the
// gradient of that sum. With hess non-null (d + 1)^2 entries, row-major, receive
// sum_i s_i p_i (1 - p_i) [x_i 1][x_i 1]^T. w has d entries.
inline double logistic_loss_pass(const LogisticData& data, const double* w, double b,
                                 double* grad, double* hess, int n_threads) {
    const std::int64_t d = data.d;
    const std::int64_t d1 = d + 1;
    const std::int64_t width = 1 + d1 + (hess ? d1 * d1 : 0);
    const std::int64_t n_chunks = loss_chunks(data.n, width);
    std::vector<double> slots(static_cast<std::size_t>(n_chunks * width), 0.0);
    parallel_for(n_chunks, n_threads, [&](std::int64_t chunk) {
        const std::int64_t begin = part_begin(data.n, n_chunks, chunk);
        const std::int64_t end = part_begin(data.n, n_chunks, chunk + 1);
        double* slot = slots.data() + chunk * width;
        double* g = slot + 1;
        double* h = hess ? slot + 1 + d1 : nullptr;
        std::optional<HessianBlock> block;
        if (h) block.emplace(d);
        double loss = 0.0;
        double scores[kScoreBlock];
        for (std::int64_t first = begin; first < end; first += kScoreBlock) {
            poll_interrupt();
            const std::int64_t rows = std::min(kScoreBlock, end - first);
            linear_score_block(data.X + first * d, rows, d, w, b, scores);
            for (std::int64_t r = 0; r < rows; ++r) {
                const std::int64_t i = first + r;
                const double s = data.weight(i);
                if (s == 0.0) continue;
                const double* x = data.X + i * d;
                const double z = scores[r];
                const double yi = static_cast<double>(data.y[i]);
                // One exponential serves both the softplus and the sigmoid.
                const double e = std::exp(-std::abs(z));
                loss += s * (std::max(z, 0.0) + std::log1p(e) - yi * z);
                const double p = z >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
                const double residual = s * (p - yi);
                for (std::int64_t j = 0; j < d; ++j) g[j] += residual * x[j];
                g[d] += residual;
                if (h) {
                    block->add_row(x, s * p * (1.0 - p));
                    if (block->full()) block->flush(h);
                }
            }
        }
        if (h) block->flush(h);
        slot[0] = loss;
    });
    double loss = 0.0;
    std::fill(grad, grad + d1, 0.0);
    if (hess) std::fill(hess, hess + d1 * d1, 0.0);
    for (std::int64_t chunk = 0; chunk < n_chunks; ++chunk) {
        const double* slot = slots.data() + chunk * width;
        loss += slot[0];
        for (std::int64_t j = 0; j < d1; ++j) grad[j] += slot[1 + j];
        if (hess) {
            const double* h = slot + 1 + d1;
            for (std::int64_t j = 0; j < d1 * d1; ++j) hess[j] += h[j];
        }
    }
    // The lower triangle of the column-major matrix is the upper one of the row-major
    // matrix the caller reads; mirror it.
    if (hess)
        for (std::int64_t j = 0; j < d1; ++j)
            for (std::int64_t k = 0; k < j; ++k) hess[j * d1 + k] = hess[k * d1 + j];
    return loss;
}

}  // namespace crmmine::detail
