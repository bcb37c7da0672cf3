// The logistic function and its log-partner, written so neither overflows: shared by
// logistic regression and the CLV models' dropout odds.
#pragma once

#include <cmath>

namespace crmmine::detail {

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

}  // namespace crmmine::detail
