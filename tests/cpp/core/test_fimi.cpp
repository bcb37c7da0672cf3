#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crmmine/core/baskets.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

TEST_CASE("parse_fimi reads baskets with trailing blanks, CRLF and blank lines") {
    const FimiBaskets parsed = parse_fimi("10 3 7 \n3\r\n\n7 7 1000000 \n");
    CHECK(parsed.item_ids == std::vector<std::int64_t>{3, 7, 10, 1000000});
    const Baskets& b = parsed.baskets;
    CHECK(b.view().n_baskets == 4);
    CHECK(b.view().indptr[4] == 6);
    const std::vector<std::int32_t> expected = {2, 0, 1, 0, 1, 3};
    CHECK(std::vector<std::int32_t>(b.view().items, b.view().items + 6) == expected);
}

TEST_CASE("parse_fimi maps sparse huge ids without a giant table") {
    const FimiBaskets parsed = parse_fimi("5 900000000000\n900000000000\n");
    CHECK(parsed.item_ids == std::vector<std::int64_t>{5, 900000000000});
    CHECK(parsed.baskets.view().n_items == 2);
}

TEST_CASE("parse_fimi rejects non-integer tokens with the line number") {
    CHECK_THROWS_WITH_AS(parse_fimi("1 2\n3 x4\n"), doctest::Contains("line 2"),
                         InvalidArgument);
    CHECK_THROWS_AS(parse_fimi("-1 2\n"), InvalidArgument);
}

TEST_CASE("parse_fimi of empty text gives no baskets") {
    CHECK(parse_fimi("").baskets.view().n_baskets == 0);
}
