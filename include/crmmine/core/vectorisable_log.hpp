// Logarithms in arithmetic alone (no call, no branch), so that a loop over a block of
// values vectorises: each reduces its argument to (1 + f) / (1 - f) times a power of
// two, |f| <= 0.1716, and sums the series of 2 atanh(f). Within 3 ulps of the
// library's functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#include "crmmine/core/isa.hpp"

namespace crmmine::detail {

// log((1 + f) / (1 - f)) = 2 atanh(f) = 2 f sum_k f^2k / (2k + 1) for |f| <= 0.1716
// (3 - 2 sqrt(2)), truncated where f^24 / 25 < 3e-19.
inline double log_of_atanh_ratio(double f) noexcept {
    const double f2 = f * f;
    // 1 + f^2 tail(f^2), the tail's eleven terms by Estrin's scheme (as in
    // exp_non_positive): a shorter chain of dependent operations than Horner's, and
    // scaled by f^2 <= 0.0295 its extra rounding does not show.
    const double f4 = f2 * f2, f8 = f4 * f4;
    const double t01 =
        (1.0 / 3.0 + f2 * (1.0 / 5.0)) + (1.0 / 7.0 + f2 * (1.0 / 9.0)) * f4;
    const double t23 =
        (1.0 / 11.0 + f2 * (1.0 / 13.0)) + (1.0 / 15.0 + f2 * (1.0 / 17.0)) * f4;
    const double t45 = (1.0 / 19.0 + f2 * (1.0 / 21.0)) + f4 * (1.0 / 23.0);
    const double p = 1.0 + f2 * ((t01 + t23 * f8) + t45 * (f8 * f8));
    return 2.0 * f * p;
}

// log(1 + s) for s in [0, 1]: 1 + s = 2^j (1 + f) / (1 - f) with j = 0 (f = s / (2 +
// s)) or, above sqrt(2), j = 1 (f = (s - 1) / (s + 3)). f is formed from s, not from a
// rounded 1 + s, so tiny s keep every digit.
inline double log1p_unit(double s) noexcept {
    constexpr double kLn2 = 0x1.62e42fefa39efp-1;
    const bool high = s > 0x1.a827999fcef34p-2;  // sqrt(2) - 1
    const double f = (high ? s - 1.0 : s) / (high ? s + 3.0 : s + 2.0);
    return (high ? kLn2 : 0.0) + log_of_atanh_ratio(f);
}

// log(x) for a positive normal x (at least 2^-1022; +infinity and NaN come back
// unchanged, as from std::log; the callers never pass 0, a subnormal or a negative,
// which would need a further select in every lane): x = 2^k m with m in [sqrt(1/2),
// sqrt(2)), both read from the bits, and log m = 2 atanh((m - 1) / (m + 1)); k ln 2 is
// added in two parts, the first exact for every k.
inline double log_positive(double x) noexcept {
    constexpr double kShift = 0x1p52;  // adding it puts an integer in the low bits
    constexpr std::uint64_t kShiftBits = 0x4330000000000000;
    constexpr double kLn2High = 0x1.62e42feep-1;  // trailing zeros: k kLn2High exact
    constexpr double kLn2Low = 0x1.a39ef35793c76p-33;
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const std::uint64_t mantissa_bits =
        (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    const std::uint64_t biased_bits = (bits >> 52) | kShiftBits;
    double m, biased;
    std::memcpy(&m, &mantissa_bits, sizeof m);
    std::memcpy(&biased, &biased_bits, sizeof biased);
    const bool high = m > 0x1.6a09e667f3bcdp0;  // sqrt(2)
    m = high ? 0.5 * m : m;
    const double k = (biased - kShift) - (high ? 1022.0 : 1023.0);
    const double log_x =
        k * kLn2High + (log_of_atanh_ratio((m - 1.0) / (m + 1.0)) + k * kLn2Low);
    return x <= std::numeric_limits<double>::max() ? log_x : x;
}

// log(1 + y) for y >= 0 (+infinity at +infinity): log of u = 1 + y, corrected by the
// rounding of u (Goldberg 1991).
inline double log1p_non_negative(double y) noexcept {
    const double u = 1.0 + y;
    const double rounding = ((u - 1.0) - y) / u;
    return log_positive(u) - (u <= std::numeric_limits<double>::max() ? rounding : 0.0);
}

struct LogPositive {
    double operator()(double x) const noexcept { return log_positive(x); }
};
struct Log1pNonNegative {
    double operator()(double y) const noexcept { return log1p_non_negative(y); }
};

// out[i] = F()(x[i]) over a block, F one of the functions above.
template <class F>
inline void map_block_baseline(const double* x, std::int64_t n, double* out) noexcept {
    for (std::int64_t i = 0; i < n; ++i) out[i] = F()(x[i]);
}

#ifdef CRMMINE_ISA_DISPATCH
template <class F>
CRMMINE_AVX2_SAME_BITS inline void map_block_avx2(const double* x, std::int64_t n,
                                                  double* out) noexcept {
    map_block_baseline<F>(x, n, out);
}
#endif

// map_block_baseline on the widest instruction set the processor has, with the same
// bits.
template <class F>
inline void map_block(const double* x, std::int64_t n, double* out) noexcept {
#ifdef CRMMINE_ISA_DISPATCH
    if (isa_level() >= 1) return map_block_avx2<F>(x, n, out);
#endif
    map_block_baseline<F>(x, n, out);
}

}  // namespace crmmine::detail
