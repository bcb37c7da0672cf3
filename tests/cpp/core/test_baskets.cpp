#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "crmmine/core/baskets.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

TEST_CASE("baskets_from_pairs groups rows by basket and merges repeated items") {
    const std::vector<std::int32_t> basket = {1, 0, 1, 1, 0, 2};
    const std::vector<std::int32_t> item = {3, 0, 2, 3, 1, 0};
    const std::vector<double> quantity = {1, 2, 5, 4, 1, 7};
    Baskets b = baskets_from_pairs(basket.data(), item.data(), quantity.data(),
                                   basket.size(), 4, 4);
    CHECK(b.n_baskets() == 4);
    CHECK(b.indptr() == std::vector<std::int64_t>{0, 2, 4, 5, 5});
    CHECK(b.items() == std::vector<std::int32_t>{0, 1, 3, 2, 0});
    CHECK(b.quantity() == std::vector<double>{2, 1, 5, 5, 7});
}

TEST_CASE("baskets_from_pairs equals a set-of-sets oracle on random rows") {
    std::mt19937 rng(42);
    for (int round = 0; round < 20; ++round) {
        const int n_baskets = 1 + static_cast<int>(rng() % 50);
        const int n_items = 1 + static_cast<int>(rng() % 30);
        const std::size_t n_rows = rng() % 400;
        std::vector<std::int32_t> basket(n_rows), item(n_rows);
        std::map<int, std::set<int>> oracle;
        for (std::size_t r = 0; r < n_rows; ++r) {
            basket[r] =
                static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_baskets));
            item[r] = static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_items));
            oracle[basket[r]].insert(item[r]);
        }
        Baskets b = baskets_from_pairs(basket.data(), item.data(), nullptr, n_rows,
                                       n_baskets, n_items);
        const BasketsView view = b.view();
        REQUIRE(view.n_baskets == n_baskets);
        for (int k = 0; k < n_baskets; ++k) {
            const ItemSpan span = view.basket(k);
            const std::set<int> got(span.begin(), span.end());
            CHECK(got == oracle[k]);
            CHECK(static_cast<std::size_t>(span.size()) == got.size());
        }
        const std::vector<std::int64_t> counts = item_counts(view, 2);
        for (int i = 0; i < n_items; ++i) {
            std::int64_t expected = 0;
            for (const auto& entry : oracle) expected += entry.second.count(i);
            CHECK(counts[static_cast<std::size_t>(i)] == expected);
        }
        CHECK(item_counts(view, 1) == counts);
    }
}

TEST_CASE("baskets_from_runs keeps each basket's first appearances in order") {
    std::mt19937 rng(8);
    for (int round = 0; round < 20; ++round) {
        // the first round has enough baskets for the repeats to be merged in parts
        const int n_baskets = round == 0 ? 20000 : static_cast<int>(rng() % 40);
        const int n_items = 1 + static_cast<int>(rng() % 25);
        std::vector<std::int64_t> lengths;
        std::vector<std::int32_t> items;
        std::vector<std::vector<std::int32_t>> oracle;
        for (int b = 0; b < n_baskets; ++b) {
            lengths.push_back(static_cast<std::int64_t>(rng() % 9));
            oracle.emplace_back();
            for (std::int64_t k = 0; k < lengths.back(); ++k) {
                items.push_back(
                    static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_items)));
                auto& kept = oracle.back();
                if (std::find(kept.begin(), kept.end(), items.back()) == kept.end())
                    kept.push_back(items.back());
            }
        }
        Baskets b = baskets_from_runs(lengths.data(), n_baskets, items.data(), n_items);
        const BasketsView view = b.view();
        REQUIRE(view.n_baskets == n_baskets);
        for (int k = 0; k < n_baskets; ++k) {
            const ItemSpan span = view.basket(k);
            CHECK(std::vector<std::int32_t>(span.begin(), span.end()) ==
                  oracle[static_cast<std::size_t>(k)]);
        }
        for (const int n_jobs : {1, 2}) {  // the overload that takes the items over
            Baskets owned =
                baskets_from_runs(lengths.data(), n_baskets, items, n_items, n_jobs);
            CHECK(owned.indptr() == b.indptr());
            CHECK(owned.items() == b.items());
        }
    }
    const std::vector<std::int64_t> lengths = {1, -1};
    const std::vector<std::int32_t> items = {0, 3};
    CHECK_THROWS_WITH_AS(baskets_from_runs(lengths.data(), 2, items.data(), 4),
                         doctest::Contains("lengths"), InvalidArgument);
    const std::vector<std::int64_t> two = {1, 1};
    CHECK_THROWS_WITH_AS(baskets_from_runs(two.data(), 2, items.data(), 3),
                         doctest::Contains("items"), InvalidArgument);
    CHECK_THROWS_WITH_AS(baskets_from_runs(two.data(), 2, items, 3),
                         doctest::Contains("items"), InvalidArgument);
    CHECK_THROWS_WITH_AS(baskets_from_runs(lengths.data(), 2, items, 4),
                         doctest::Contains("lengths"), InvalidArgument);
    CHECK_THROWS_WITH_AS(
        baskets_from_runs(two.data(), 2, std::vector<std::int32_t>{0, 1, 2}, 4),
        doctest::Contains("add up"), InvalidArgument);
}

TEST_CASE("baskets_from_runs with recode equals the runs recoded first") {
    // First-seen codes 0..4 standing for the sorted codes {3, 0, 4, 1, 2}.
    const std::vector<std::int32_t> recode = {3, 0, 4, 1, 2};
    const std::vector<std::int64_t> lengths = {3, 0, 4, 2};
    const std::vector<std::int32_t> items = {0, 1, 0, 2, 3, 4, 2, 1, 1};
    std::vector<std::int32_t> recoded;
    for (const std::int32_t item : items)
        recoded.push_back(recode[static_cast<std::size_t>(item)]);
    Baskets direct = baskets_from_runs(lengths.data(), 4, recoded.data(), 5);
    Baskets fused =
        baskets_from_runs(lengths.data(), 4, items.data(), 5, recode.data(), 5);
    CHECK(fused.indptr() == direct.indptr());
    CHECK(fused.items() == direct.items());
    CHECK(fused.items() == std::vector<std::int32_t>{3, 0, 4, 1, 2, 0});
    // A first-seen code past the table, and a table entry past n_items.
    const std::vector<std::int32_t> too_far = {0, 5, 1, 2, 3, 4, 2, 1, 1};
    CHECK_THROWS_WITH_AS(
        baskets_from_runs(lengths.data(), 4, too_far.data(), 5, recode.data(), 5),
        doctest::Contains("n_recode"), InvalidArgument);
    const std::vector<std::int32_t> bad_table = {3, 0, 7, 1, 2};
    CHECK_THROWS_WITH_AS(
        baskets_from_runs(lengths.data(), 4, items.data(), 5, bad_table.data(), 5),
        doctest::Contains("recode"), InvalidArgument);
}

TEST_CASE("baskets_from_onehot reads either memory order and any stride") {
    std::mt19937 rng(5);
    for (int round = 0; round < 20; ++round) {
        // lanes past 128 and 64 bytes, read in blocks of that many, and shorter
        // ones; sparse enough that whole blocks are often empty
        const std::int64_t n_baskets = 1 + rng() % 400;
        const std::int32_t n_items = 1 + static_cast<std::int32_t>(rng() % 150);
        const auto density = static_cast<unsigned>(1 + rng() % 400);  // per mille
        // cells[b][i] row-major with a gap of 3 bytes after each row, and its
        // transpose column-major contiguous: the two readers must agree
        const std::ptrdiff_t row_bytes = n_items + 3;
        std::vector<std::uint8_t> by_row(
            static_cast<std::size_t>(n_baskets * row_bytes), 7);
        std::vector<std::uint8_t> by_column(static_cast<std::size_t>(n_baskets) *
                                            static_cast<std::size_t>(n_items));
        std::vector<std::int64_t> indptr{0};
        std::vector<std::int32_t> items;
        for (std::int64_t b = 0; b < n_baskets; ++b) {
            for (std::int32_t i = 0; i < n_items; ++i) {
                const bool bought = rng() % 1000 < density;
                // any nonzero byte marks a bought item
                const auto cell =
                    static_cast<std::uint8_t>(bought ? 1 + rng() % 255 : 0);
                by_row[static_cast<std::size_t>(b * row_bytes + i)] = cell;
                by_column[static_cast<std::size_t>(i * n_baskets + b)] = cell;
                if (bought) items.push_back(i);
            }
            indptr.push_back(static_cast<std::int64_t>(items.size()));
        }
        Baskets rows =
            baskets_from_onehot(by_row.data(), n_baskets, n_items, row_bytes, 1);
        CHECK(rows.indptr() == indptr);
        CHECK(rows.items() == items);
        // column-major on one thread, and in 1 to 3 parts of columns on threads,
        // read twice or with the buyers kept between the passes
        const std::int64_t reread_cells = detail::onehot_reread_cells;
        for (const std::int64_t reread : {reread_cells, std::int64_t{0}})
            for (const std::int64_t part_cells :
                 {std::int64_t{1} << 22, std::int64_t{1}})
                for (const int n_jobs : {1, 2, 3}) {
                    detail::onehot_reread_cells = reread;
                    detail::min_onehot_part_cells = part_cells;
                    Baskets columns = baskets_from_onehot(
                        by_column.data(), n_baskets, n_items, 1, n_baskets, n_jobs);
                    CHECK(columns.indptr() == indptr);
                    CHECK(columns.items() == items);
                }
        detail::min_onehot_part_cells = std::int64_t{1} << 22;
        detail::onehot_reread_cells = reread_cells;
    }
}

TEST_CASE("bad baskets are rejected with the argument named") {
    const std::vector<std::int32_t> basket = {0, 1};
    const std::vector<std::int32_t> item = {0, 5};
    CHECK_THROWS_WITH_AS(
        baskets_from_pairs(basket.data(), item.data(), nullptr, 2, 2, 3),
        doctest::Contains("item"), InvalidArgument);
    const std::vector<double> negative = {1.0, -1.0};
    const std::vector<std::int32_t> good_item = {0, 1};
    CHECK_THROWS_WITH_AS(
        baskets_from_pairs(basket.data(), good_item.data(), negative.data(), 2, 2, 3),
        doctest::Contains("quantity"), InvalidArgument);
    CHECK_THROWS_AS(Baskets({0, 2, 1}, {0, 1}, {}, 2), InvalidArgument);
    CHECK_THROWS_AS(Baskets({0, 2}, {0, 1}, {}, 1), InvalidArgument);
}

TEST_CASE("recode_runs gives the offsets of runs and recodes them in place") {
    const std::vector<std::int64_t> lengths{2, 0, 3};
    const std::vector<std::int32_t> recode{2, 0, 1};
    std::vector<std::int32_t> codes{1, 0, 2, 2, 1};
    CHECK(recode_runs(lengths.data(), 3, codes.data(), 5, recode.data(), 3) ==
          std::vector<std::int64_t>{0, 2, 2, 5});
    CHECK(codes == std::vector<std::int32_t>{0, 2, 1, 1, 0});
    CHECK(recode_runs(lengths.data(), 3, codes.data(), 5) ==
          std::vector<std::int64_t>{0, 2, 2, 5});
    CHECK(codes == std::vector<std::int32_t>{0, 2, 1, 1, 0});  // no recode, untouched

    // nothing is written unless all is valid
    std::vector<std::int32_t> outside{0, 3, 1, 1, 1};
    CHECK_THROWS_WITH_AS(
        recode_runs(lengths.data(), 3, outside.data(), 5, recode.data(), 3),
        doctest::Contains("does not index recode"), InvalidArgument);
    CHECK(outside == std::vector<std::int32_t>{0, 3, 1, 1, 1});
    CHECK_THROWS_WITH_AS(
        recode_runs(lengths.data(), 3, codes.data(), 4, recode.data(), 3),
        doctest::Contains("add up"), InvalidArgument);
    const std::vector<std::int64_t> negative{6, -1};
    CHECK_THROWS_WITH_AS(
        recode_runs(negative.data(), 2, codes.data(), 5, recode.data(), 3),
        doctest::Contains("negative"), InvalidArgument);
    CHECK(codes == std::vector<std::int32_t>{0, 2, 1, 1, 0});
}
