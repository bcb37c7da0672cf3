#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "crmmine/clv/retention.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

TEST_CASE("retention CLV equals the discounted sum of end-of-period margins") {
    const std::vector<double> margin = {100.0, 250.0, -20.0, 0.0};
    const std::vector<double> retention = {0.8, 0.95, 0.5, 0.9};
    for (const double d : {0.0, 0.1, 0.01}) {
        for (const std::int64_t horizon : {1, 5, 60}) {
            const auto clv =
                retention_clv(margin.data(), 4, retention.data(), 4, d, horizon);
            for (std::size_t i = 0; i < 4; ++i) {
                double sum = 0.0;  // brute force: sum_{t=1}^{H} m r^t / (1 + d)^t
                for (std::int64_t t = 1; t <= horizon; ++t)
                    sum += margin[i] * std::pow(retention[i], static_cast<double>(t)) /
                           std::pow(1.0 + d, static_cast<double>(t));
                CHECK(clv[i] == doctest::Approx(sum).epsilon(1e-12));
            }
        }
        // Gupta & Lehmann: m r / (1 + d - r); the finite sums approach it.
        const auto infinite =
            retention_clv(margin.data(), 4, retention.data(), 4, d, 0);
        const auto long_run =
            retention_clv(margin.data(), 4, retention.data(), 4, d, 5000);
        for (std::size_t i = 0; i < 4; ++i) {
            CHECK(infinite[i] ==
                  doctest::Approx(margin[i] * retention[i] / (1 + d - retention[i]))
                      .epsilon(1e-13));
            CHECK(long_run[i] == doctest::Approx(infinite[i]).epsilon(1e-10));
        }
    }
    // One retention rate for everybody; r = 1 without discounting diverges.
    const double r = 1.0;
    const auto forever = retention_clv(margin.data(), 4, &r, 1, 0.0, 0);
    CHECK(std::isinf(forever[0]));
    CHECK(forever[3] == 0.0);
    CHECK(retention_clv(margin.data(), 4, &r, 1, 0.0, 12)[1] ==
          doctest::Approx(3000.0));
}

TEST_CASE("retention CLV rejects bad input naming the argument") {
    auto argument = [](auto&& call) -> std::string {
        try {
            call();
        } catch (const Error& e) {
            return e.argument();
        }
        return "";
    };
    const double m = 10.0, r = 0.5, bad_r = 1.5;
    const std::vector<double> two = {0.5, 0.6}, three = {1.0, 2.0, 3.0};
    CHECK(argument([&] { retention_clv(&m, 1, &bad_r, 1, 0.1, 0); }) == "retention");
    CHECK(argument([&] { retention_clv(&m, 1, &r, 1, -0.1, 0); }) == "discount_rate");
    CHECK(argument([&] { retention_clv(&m, 1, &r, 1, 0.1, -3); }) == "horizon");
    CHECK(argument([&] { retention_clv(three.data(), 3, two.data(), 2, 0.1, 0); }) ==
          "retention");
}
