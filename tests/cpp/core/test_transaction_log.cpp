#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/core/transaction_log.hpp"

using namespace crmmine;

TEST_CASE("TransactionLog validates lengths, codes and amounts") {
    CHECK_NOTHROW(TransactionLog({0, -1}, {1, 2}, {1.0, 2.0}, {0, 1}, 1, 2));
    CHECK_THROWS_WITH_AS(TransactionLog({0, 1}, {1, 2}, {1.0}, {0, 1}, 2, 2),
                         doctest::Contains("same length"), InvalidArgument);
    CHECK_THROWS_WITH_AS(TransactionLog({0, 2}, {1, 2}, {1.0, 2.0}, {0, 1}, 2, 2),
                         doctest::Contains("customer"), InvalidArgument);
    CHECK_THROWS_WITH_AS(TransactionLog({0, 1}, {1, 2}, {1.0, 2.0}, {0, 3}, 2, 2),
                         doctest::Contains("invoice"), InvalidArgument);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(TransactionLog({0, 1}, {1, 2}, {nan, 2.0}, {0, 1}, 2, 2),
                         doctest::Contains("amount"), InvalidArgument);
    CHECK_THROWS_WITH_AS(TransactionLog({0}, {1}, {1.0}, {0}, 1, 1, {0, 1}),
                         doctest::Contains("invoice_cancelled"), InvalidArgument);
}

TEST_CASE("a purchase is a non-negative row on an invoice that is not cancelled") {
    const TransactionLog log({0, 0, 0}, {1, 2, 3}, {5.0, -1.0, 2.0}, {0, 1, 2}, 1, 3,
                             {0, 0, 1});
    const TransactionLogView view = log.view();
    CHECK(view.is_purchase(0));
    CHECK_FALSE(view.is_purchase(1));
    CHECK_FALSE(view.is_purchase(2));
}
