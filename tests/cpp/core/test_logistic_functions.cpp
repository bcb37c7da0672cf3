#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "crmmine/core/isa.hpp"
#include "crmmine/core/logistic_functions.hpp"

#include "ulps.hpp"

using namespace crmmine;

using crmmine_test::ulps_apart;

TEST_CASE("exp_non_positive is within 1 ulp of std::exp down to the last subnormal") {
    std::mt19937_64 generator(7);
    std::uniform_real_distribution<double> wide(-760.0, 0.0), narrow(-1.0, 0.0);
    double worst = 0.0;
    for (int i = 0; i < 400000; ++i) {
        const double a = i % 2 == 0 ? wide(generator) : narrow(generator);
        worst = std::max(worst, ulps_apart(detail::exp_non_positive(a), std::exp(a)));
    }
    CHECK(worst <= 1.0);
    for (const double a :
         {0.0, -0.0, -1e-300, -0.5 * std::log(2.0), -708.39, -709.8, -740.0, -745.13,
          -745.14, -746.0, -1e6, -std::numeric_limits<double>::max(),
          -std::numeric_limits<double>::infinity()}) {
        CAPTURE(a);
        CHECK(ulps_apart(detail::exp_non_positive(a), std::exp(a)) <= 1.0);
    }
}

TEST_CASE("sigmoid_block agrees with the scalar sigmoid, tails and signs included") {
    std::vector<double> z;
    std::mt19937_64 generator(3);
    std::normal_distribution<double> scores(0.0, 8.0);
    for (int i = 0; i < 100000; ++i) z.push_back(scores(generator));
    for (const double extreme : {0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 709.0, -709.0,
                                 745.0, -745.0, 800.0, -800.0, 1e300, -1e300})
        z.push_back(extreme);
    std::vector<double> block(z.size());
    detail::sigmoid_block(z.data(), static_cast<std::int64_t>(z.size()), block.data());
    double worst = 0.0;
    for (std::size_t i = 0; i < z.size(); ++i)
        worst = std::max(worst, ulps_apart(block[i], detail::sigmoid(z[i])));
    CHECK(worst <= 2.0);
    CHECK(block[z.size() - 2] == 1.0);
    CHECK(block[z.size() - 1] == 0.0);
}

#ifdef CRMMINE_ISA_DISPATCH
namespace {

// sigmoid_block compiled for AVX2, as the AVX2 prediction pass inlines it.
CRMMINE_AVX2_SAME_BITS void sigmoid_block_avx2(const double* z, std::int64_t n,
                                               double* out) {
    detail::sigmoid_block(z, n, out);
}

}  // namespace

TEST_CASE("the AVX2 sigmoid gives the baseline build's bits") {
    if (detail::isa_level() < 1) return;  // nothing to compare on this processor
    std::vector<double> z;
    std::mt19937_64 generator(11);
    std::normal_distribution<double> scores(0.0, 20.0);
    for (int i = 0; i < 100003; ++i) z.push_back(scores(generator));
    const auto n = static_cast<std::int64_t>(z.size());
    std::vector<double> baseline(z.size()), avx2(z.size());
    detail::sigmoid_block(z.data(), n, baseline.data());
    sigmoid_block_avx2(z.data(), n, avx2.data());
    CHECK(avx2 == baseline);
}
#endif

TEST_CASE(
    "softplus_block gives softplus, sigmoid and its spread, and the same bits on "
    "every instruction set") {
    std::vector<double> odds;
    std::mt19937_64 generator(13);
    std::normal_distribution<double> scores(0.0, 10.0);
    for (int i = 0; i < 100003; ++i) odds.push_back(scores(generator));
    for (const double extreme : {0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 709.0, -709.0,
                                 745.0, -745.0, 800.0, -800.0, 1e300, -1e300})
        odds.push_back(extreme);
    const auto n = static_cast<std::int64_t>(odds.size());
    std::vector<double> softplus(odds.size()), sigma(odds.size()), spread(odds.size());
    detail::softplus_block(odds.data(), n, softplus.data(), sigma.data(),
                           spread.data());
    double worst_softplus = 0.0, worst_sigma = 0.0, worst_spread = 0.0;
    for (std::size_t i = 0; i < odds.size(); ++i) {
        const double o = odds[i], small = std::exp(-std::fabs(o));
        worst_softplus =
            std::max(worst_softplus, ulps_apart(softplus[i], detail::log1p_exp(o)));
        worst_sigma = std::max(worst_sigma, ulps_apart(sigma[i], detail::sigmoid(o)));
        worst_spread =
            std::max(worst_spread,
                     ulps_apart(spread[i], small / ((1.0 + small) * (1.0 + small))));
    }
    CHECK(worst_softplus <= 3.0);
    CHECK(worst_sigma <= 3.0);
    CHECK(worst_spread <= 4.0);
    CHECK(softplus[odds.size() - 1] == 0.0);
    CHECK(softplus[odds.size() - 2] == 1e300);
#ifdef CRMMINE_ISA_DISPATCH
    if (detail::isa_level() < 1) return;  // nothing to compare on this processor
    std::vector<double> base[3] = {std::vector<double>(odds.size()),
                                   std::vector<double>(odds.size()),
                                   std::vector<double>(odds.size())};
    detail::softplus_block_baseline(odds.data(), n, base[0].data(), base[1].data(),
                                    base[2].data());
    detail::softplus_block_avx2(odds.data(), n, softplus.data(), sigma.data(),
                                spread.data());
    CHECK(softplus == base[0]);
    CHECK(sigma == base[1]);
    CHECK(spread == base[2]);
#endif
}
