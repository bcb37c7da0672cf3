// The logistic function and its log-partner, written so neither overflows: shared by
// logistic regression and the CLV models' dropout odds.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "crmmine/core/isa.hpp"
#include "crmmine/core/vectorisable_log.hpp"

namespace crmmine::detail {

// 2^e for an integer e in [-600, 600], from its bits.
inline double power_of_two(double e) noexcept {
    constexpr double kShift = 0x1.8p52;  // adding it puts an integer in the low bits
    constexpr std::uint64_t kShiftBits = 0x4338000000000000;
    const double shifted = (e + 1023.0) + kShift;
    std::uint64_t bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - kShiftBits) << 52;
    double power;
    std::memcpy(&power, &bits, sizeof power);
    return power;
}

// log(1 + exp(x)).
inline double log1p_exp(double x) noexcept {
    return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// 1 / (1 + exp(-x)).
inline double sigmoid(double x) noexcept {
    if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
    const double e = std::exp(x);
    return e / (1.0 + e);
}

// exp(a) for a <= 0 within 1 ulp of std::exp, in arithmetic alone (no call, no
// branch) so that a loop over a block of scores vectorises: a / ln 2 rounded to k by
// the shift 1.5 * 2^52, the remainder r = a - k ln 2 (ln 2 split in two so k ln 2 is
// exact), a degree-13 Taylor polynomial on |r| <= ln2 / 2 (truncation below 1e-17),
// and 2^k applied as two halves so that subnormal results come out right. Below -746
// the result is 0.
inline double exp_non_positive(double a) noexcept {
    constexpr double kShift = 0x1.8p52;
    constexpr double kLn2High =
        0x1.62e42feep-1;  // trailing zeros: k * kLn2High is exact
    constexpr double kLn2Low = 0x1.a39ef35793c76p-33;
    a = std::max(a, -746.0);
    const double k = (a * 0x1.71547652b82fep0 + kShift) - kShift;  // * log2(e)
    const double r = (a - k * kLn2High) - k * kLn2Low;
    // 1 + r + r^2 tail(r), the tail's twelve terms by Estrin's scheme: in pairs, then
    // by r^2, r^4 and r^8. Horner's chain of 13 dependent multiply-adds bounded a
    // block's throughput (softplus_block: 5.0 -> 3.9 ns a value with AVX2); the tail
    // enters scaled by r^2 <= 0.121, so its extra rounding stays below 1 ulp.
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double t01 =
        (1.0 / 2.0 + r * (1.0 / 6.0)) + (1.0 / 24.0 + r * (1.0 / 120.0)) * r2;
    const double t23 = (1.0 / 720.0 + r * (1.0 / 5040.0)) +
                       (1.0 / 40320.0 + r * (1.0 / 362880.0)) * r2;
    const double t45 = (1.0 / 3628800.0 + r * (1.0 / 39916800.0)) +
                       (1.0 / 479001600.0 + r * (1.0 / 6227020800.0)) * r2;
    const double p = 1.0 + (r + r2 * ((t01 + t23 * r4) + t45 * r8));
    const double half = (k * 0.5 + kShift) - kShift;
    return p * power_of_two(half) * power_of_two(k - half);
}

// sigmoid over a block of finite scores, out[i] = 1 / (1 + exp(-z[i])), as the scalar
// sigmoid computes it (numerator 1 or e = exp(-|z|) by the sign of z, over 1 + e) but
// vectorisable: the numerator is picked with bit masks, not a comparison.
inline void sigmoid_block(const double* z, std::int64_t n, double* out) noexcept {
    constexpr std::uint64_t kOneBits = 0x3ff0000000000000;
    for (std::int64_t i = 0; i < n; ++i) {
        const double e = exp_non_positive(-std::fabs(z[i]));
        std::uint64_t z_bits, e_bits;
        std::memcpy(&z_bits, &z[i], sizeof z_bits);
        std::memcpy(&e_bits, &e, sizeof e_bits);
        const std::uint64_t negative = 0 - (z_bits >> 63);  // all ones when z < 0
        const std::uint64_t numerator_bits =
            (e_bits & negative) | (kOneBits & ~negative);
        double numerator;
        std::memcpy(&numerator, &numerator_bits, sizeof numerator);
        out[i] = numerator / (1.0 + e);
    }
}

// For a block of finite log-odds o: softplus[i] = log(1 + exp(o)), sigma[i] = 1 /
// (1 + exp(-o)) and spread[i] = sigma (1 - sigma), all from small = exp(-|o|), as
// softplus = max(o, 0) + log1p(small), sigma = 1 / (1 + small) or small / (1 +
// small), spread = small / (1 + small)^2; vectorisable.
inline void softplus_block_baseline(const double* odds, std::int64_t n,
                                    double* softplus, double* sigma,
                                    double* spread) noexcept {
    for (std::int64_t i = 0; i < n; ++i) {
        const double o = odds[i];
        const double small = exp_non_positive(-std::fabs(o));
        const double inverse = 1.0 / (1.0 + small);
        softplus[i] = (o > 0.0 ? o : 0.0) + log1p_unit(small);
        sigma[i] = o >= 0.0 ? inverse : small * inverse;
        spread[i] = small * inverse * inverse;
    }
}

#ifdef CRMMINE_ISA_DISPATCH
CRMMINE_AVX2_SAME_BITS inline void softplus_block_avx2(const double* odds,
                                                       std::int64_t n, double* softplus,
                                                       double* sigma,
                                                       double* spread) noexcept {
    softplus_block_baseline(odds, n, softplus, sigma, spread);
}
#endif

// softplus_block_baseline on the widest instruction set the processor has, with the
// same bits.
inline void softplus_block(const double* odds, std::int64_t n, double* softplus,
                           double* sigma, double* spread) noexcept {
#ifdef CRMMINE_ISA_DISPATCH
    if (isa_level() >= 1) return softplus_block_avx2(odds, n, softplus, sigma, spread);
#endif
    softplus_block_baseline(odds, n, softplus, sigma, spread);
}

}  // namespace crmmine::detail
