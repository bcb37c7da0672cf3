#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/segment/rfm.hpp"

using namespace crmmine;

namespace {

struct RandomLog {
    std::vector<std::int32_t> customer, invoice;
    std::vector<std::int64_t> time;
    std::vector<double> amount;
    std::vector<std::uint8_t> cancelled;
    std::int32_t n_customers = 0, n_invoices = 0;

    TransactionLogView view() const {
        return {customer.data(),  time.data(),     amount.data(), invoice.data(),
                cancelled.data(), customer.size(), n_customers,   n_invoices};
    }
};

// Invoices mostly belong to one customer, but a few are shared, as dirty data has them.
RandomLog random_log(std::mt19937& rng, std::size_t n_rows) {
    RandomLog log;
    log.n_customers = 1 + static_cast<std::int32_t>(rng() % 40);
    log.n_invoices = 1 + static_cast<std::int32_t>(rng() % 120);
    std::vector<std::int32_t> invoice_customer(
        static_cast<std::size_t>(log.n_invoices));
    for (auto& c : invoice_customer)
        c = static_cast<std::int32_t>(rng() % static_cast<unsigned>(log.n_customers));
    for (std::size_t r = 0; r < n_rows; ++r) {
        const auto inv =
            static_cast<std::int32_t>(rng() % static_cast<unsigned>(log.n_invoices));
        std::int32_t c = invoice_customer[static_cast<std::size_t>(inv)];
        if (rng() % 20 == 0)
            c = static_cast<std::int32_t>(rng() %
                                          static_cast<unsigned>(log.n_customers));
        if (rng() % 15 == 0) c = missing_customer;
        log.customer.push_back(c);
        log.invoice.push_back(inv);
        log.time.push_back(static_cast<std::int64_t>(rng() % 1000) * 7 + 3);
        log.amount.push_back(static_cast<double>(rng() % 20000) / 100.0 -
                             (rng() % 10 == 0 ? 150.0 : 0.0));
    }
    for (std::int32_t i = 0; i < log.n_invoices; ++i)
        log.cancelled.push_back(rng() % 12 == 0 ? 1 : 0);
    return log;
}

struct OracleRow {
    std::int64_t last = -1;
    std::set<std::int32_t> invoices;
    double money = 0.0;
};

// Straight from the definitions, with ordered maps and sets.
std::map<std::int32_t, OracleRow> oracle(const RandomLog& log, Returns returns) {
    std::map<std::int32_t, OracleRow> rows;
    for (std::size_t r = 0; r < log.customer.size(); ++r) {
        if (log.customer[r] < 0) continue;
        const bool is_return = log.amount[r] < 0 ||
                               log.cancelled[static_cast<std::size_t>(log.invoice[r])];
        if (is_return) {
            if (returns == Returns::net) rows[log.customer[r]].money += log.amount[r];
            continue;
        }
        OracleRow& row = rows[log.customer[r]];
        row.last = std::max(row.last, log.time[r]);
        row.invoices.insert(log.invoice[r]);
        row.money += log.amount[r];
    }
    for (auto it = rows.begin(); it != rows.end();)
        it = it->second.last < 0 ? rows.erase(it) : std::next(it);
    return rows;
}

}  // namespace

TEST_CASE("rfm_table equals the definitions on random logs, for both return policies") {
    std::mt19937 rng(7);
    for (int round = 0; round < 40; ++round) {
        const RandomLog log = random_log(rng, 1 + rng() % 600);
        for (const Returns returns : {Returns::exclude, Returns::net}) {
            const auto expected = oracle(log, returns);
            if (expected.empty()) {
                CHECK_THROWS_AS(rfm_table(log.view(), {}), InvalidArgument);
                continue;
            }
            std::int64_t latest = 0;
            for (const auto& entry : expected)
                latest = std::max(latest, entry.second.last);
            RfmParams params;
            params.returns = returns;
            params.ticks_per_day = 7;
            const RfmTable table = rfm_table(log.view(), params);
            CHECK(table.analysis_time == latest + 7);
            REQUIRE(table.size() == expected.size());
            std::size_t i = 0;
            for (const auto& [customer, row] : expected) {
                CHECK(table.customer[i] == customer);
                CHECK(table.recency[i] == (latest + 7 - row.last) / 7);
                CHECK(table.frequency[i] ==
                      static_cast<std::int64_t>(row.invoices.size()));
                CHECK(table.monetary[i] == doctest::Approx(row.money).epsilon(1e-12));
                ++i;
            }
        }
    }
}

TEST_CASE("rfm_table is bit-identical for 1 and 2 threads") {
    std::mt19937 rng(11);
    const RandomLog log = random_log(rng, 5000);
    RfmParams one, two;
    one.n_jobs = 1;
    two.n_jobs = 2;
    one.returns = two.returns = Returns::net;
    const RfmTable a = rfm_table(log.view(), one);
    const RfmTable b = rfm_table(log.view(), two);
    CHECK(a.customer == b.customer);
    CHECK(a.recency == b.recency);
    CHECK(a.frequency == b.frequency);
    CHECK(a.monetary == b.monetary);
}

TEST_CASE("monetary mean divides by the number of purchase invoices") {
    const TransactionLog log({0, 0, 0, 1}, {0, 0, 5, 2}, {10.0, 20.0, 30.0, 4.0},
                             {0, 0, 1, 2}, 2, 3);
    RfmParams params;
    params.monetary = Monetary::mean;
    const RfmTable table = rfm_table(log.view(), params);
    CHECK(table.frequency == std::vector<std::int64_t>{2, 1});
    CHECK(table.monetary == std::vector<double>{30.0, 4.0});
    CHECK(table.recency == std::vector<std::int64_t>{1, 4});
}

TEST_CASE("an analysis time before the last purchase is refused") {
    const TransactionLog log({0}, {10}, {1.0}, {0}, 1, 1);
    RfmParams params;
    params.analysis_time = 5;
    CHECK_THROWS_WITH_AS(rfm_table(log.view(), params),
                         doctest::Contains("analysis_date"), InvalidArgument);
    params.analysis_time = std::nullopt;
    params.ticks_per_day = 0;
    CHECK_THROWS_WITH_AS(rfm_table(log.view(), params),
                         doctest::Contains("ticks_per_day"), InvalidArgument);
}

// Away from exact boundaries (q (rank - 1) == (n - 1) k) the bins are the exact
// quantiles of the ranks; on a boundary pandas' floating-point rounding decides, and
// the Python tests compare those cases with pandas itself.
TEST_CASE(
    "quantile_scores bins ranks as the exact quantiles of 1..n, ties by position") {
    for (std::size_t n = 2; n < 300; n += 7) {
        for (int q = 1; q <= 10; ++q) {
            std::vector<double> values(n);
            for (std::size_t i = 0; i < n; ++i)
                values[i] = static_cast<double>((i * 37) % 11);
            INFO("n = ", n, ", q = ", q);
            const std::vector<std::int32_t> scores =
                quantile_scores(values.data(), n, q, false);
            const std::vector<std::int32_t> reversed =
                quantile_scores(values.data(), n, q, true);
            // Rank by (value, position); bin k is the smallest with q (rank - 1) <= (n
            // - 1) k.
            for (std::size_t i = 0; i < n; ++i) {
                std::size_t rank = 1;
                for (std::size_t j = 0; j < n; ++j)
                    rank += values[j] < values[i] || (values[j] == values[i] && j < i);
                int bin = 1;
                while (static_cast<std::size_t>(q) * (rank - 1) >
                       (n - 1) * static_cast<std::size_t>(bin))
                    ++bin;
                if (static_cast<std::size_t>(q) * (rank - 1) ==
                    (n - 1) * static_cast<std::size_t>(bin))
                    continue;
                CHECK(scores[i] == bin);
                CHECK(reversed[i] == q + 1 - bin);
            }
        }
    }
    const double one = 1.0;
    CHECK_THROWS_WITH_AS(quantile_scores(&one, 1, 5, false), doctest::Contains("bins"),
                         InvalidArgument);
}

TEST_CASE("the standard segment grid follows the published R-F map") {
    const SegmentGrid grid = SegmentGrid::standard();
    // The map as usually written: regular expressions on the two-digit "RF" cell.
    auto expected = [](int r, int f) -> std::string {
        if (r <= 2)
            return f <= 2 ? "Hibernating" : f <= 4 ? "At Risk" : "Can't Lose Them";
        if (r == 3 && f <= 2) return "About to Sleep";
        if (r == 3 && f == 3) return "Need Attention";
        if (f >= 4) return r == 5 ? "Champions" : "Loyal Customers";
        if (f == 1) return r == 4 ? "Promising" : "New Customers";
        return "Potential Loyalists";
    };
    std::vector<std::int32_t> r, f;
    for (int a = 1; a <= 5; ++a)
        for (int b = 1; b <= 5; ++b) r.push_back(a), f.push_back(b);
    const std::vector<std::int32_t> segment =
        assign_segments(r.data(), f.data(), r.size(), grid);
    for (std::size_t i = 0; i < r.size(); ++i)
        CHECK(grid.names[static_cast<std::size_t>(segment[i])] == expected(r[i], f[i]));
    const std::int32_t six = 6;
    CHECK_THROWS_AS(assign_segments(&six, &six, 1, grid), InvalidArgument);
}
