#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "crmmine/core/isa.hpp"
#include "crmmine/core/vectorisable_log.hpp"

#include "ulps.hpp"

using namespace crmmine;

using crmmine_test::ulps_apart;

TEST_CASE(
    "log1p_unit is within 3 ulps of std::log1p on [0, 1], tiny arguments included") {
    std::mt19937_64 generator(5);
    std::uniform_real_distribution<double> unit(0.0, 1.0), exponent(-1070.0, 0.0);
    double worst = 0.0;
    for (int i = 0; i < 400000; ++i) {
        const double s = i % 2 == 0 ? unit(generator) : std::exp2(exponent(generator));
        worst = std::max(worst, ulps_apart(detail::log1p_unit(s), std::log1p(s)));
    }
    CHECK(worst <= 3.0);
    for (const double s : {0.0, 4.9e-324, 1e-300, 1e-17, 0.41421356237309503,
                           0.41421356237309515, 0.5, 0.9999999999999999, 1.0}) {
        CAPTURE(s);
        CHECK(ulps_apart(detail::log1p_unit(s), std::log1p(s)) <= 3.0);
    }
}

TEST_CASE("log_positive is within 3 ulps of std::log over the normal doubles") {
    std::mt19937_64 generator(17);
    std::uniform_real_distribution<double> exponent(-1021.0, 1023.0),
        near_one(0.5, 2.0);
    double worst = 0.0;
    std::vector<double> x;
    for (int i = 0; i < 400000; ++i)
        x.push_back(i % 2 == 0 ? std::exp2(exponent(generator)) : near_one(generator));
    for (const double extreme :
         {std::numeric_limits<double>::min(), std::numeric_limits<double>::max(), 1.0,
          std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0), 0x1.6a09e667f3bcdp0,
          0x1.6a09e667f3bcep0, 0x1.6a09e667f3bccp0, 2.0, 0.5, 1e-300, 1e300})
        x.push_back(extreme);
    for (const double value : x) {
        CAPTURE(value);
        const double error = ulps_apart(detail::log_positive(value), std::log(value));
        worst = std::max(worst, error);
        if (error > 3.0) CHECK(error <= 3.0);
    }
    CHECK(worst <= 3.0);
    CHECK(detail::log_positive(1.0) == 0.0);
    // std::log's answers at the top of the domain.
    CHECK(detail::log_positive(HUGE_VAL) == HUGE_VAL);
    CHECK(std::isnan(detail::log_positive(std::nan(""))));
#ifdef CRMMINE_ISA_DISPATCH
    if (detail::isa_level() < 1) return;  // nothing to compare on this processor
    const auto n = static_cast<std::int64_t>(x.size());
    std::vector<double> baseline(x.size()), avx2(x.size()), dispatched(x.size());
    detail::map_block_baseline<detail::LogPositive>(x.data(), n, baseline.data());
    detail::map_block_avx2<detail::LogPositive>(x.data(), n, avx2.data());
    detail::map_block<detail::LogPositive>(x.data(), n, dispatched.data());
    CHECK(avx2 == baseline);
    CHECK(dispatched == baseline);
#endif
}

TEST_CASE(
    "log1p_non_negative is within 3 ulps of std::log1p, tiny arguments included") {
    std::mt19937_64 generator(19);
    std::uniform_real_distribution<double> exponent(-1070.0, 1020.0);
    std::vector<double> y = {0.0, 4.9e-324, 1e-300, 1e-17, 0.5, 1.0, 3.0, 1e300};
    for (int i = 0; i < 400000; ++i) y.push_back(std::exp2(exponent(generator)));
    double worst = 0.0;
    for (const double value : y)
        worst = std::max(
            worst, ulps_apart(detail::log1p_non_negative(value), std::log1p(value)));
    CHECK(worst <= 3.0);
    CHECK(detail::log1p_non_negative(HUGE_VAL) == HUGE_VAL);
#ifdef CRMMINE_ISA_DISPATCH
    if (detail::isa_level() < 1) return;  // nothing to compare on this processor
    const auto n = static_cast<std::int64_t>(y.size());
    std::vector<double> baseline(y.size()), avx2(y.size());
    detail::map_block_baseline<detail::Log1pNonNegative>(y.data(), n, baseline.data());
    detail::map_block_avx2<detail::Log1pNonNegative>(y.data(), n, avx2.data());
    CHECK(avx2 == baseline);
#endif
}
