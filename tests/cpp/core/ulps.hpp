// Distances between floating-point results, for the tests of functions that promise
// an accuracy in units in the last place.
#pragma once

#include <cmath>

namespace crmmine_test {

// Distance in units in the last place of expected (subnormals included).
inline double ulps_apart(double value, double expected) {
    if (value == expected) return 0.0;
    const double ulp =
        std::nextafter(std::fabs(expected), HUGE_VAL) - std::fabs(expected);
    return std::fabs(value - expected) / ulp;
}

}  // namespace crmmine_test
