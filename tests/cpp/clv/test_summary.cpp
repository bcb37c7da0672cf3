#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "crmmine/clv/summary.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

namespace {

struct Log {
    std::vector<std::int32_t> customer, invoice;
    std::vector<std::int64_t> time;
    std::vector<double> amount;
    std::vector<std::uint8_t> cancelled;
    std::int32_t n_customers = 0, n_invoices = 0;

    void add(std::int32_t c, std::int64_t t, double a, bool cancel = false) {
        customer.push_back(c);
        time.push_back(t);
        amount.push_back(a);
        invoice.push_back(n_invoices++);
        cancelled.push_back(cancel ? 1 : 0);
        n_customers = std::max(n_customers, c + 1);
    }
    TransactionLogView view() const {
        return {customer.data(),  time.data(),     amount.data(), invoice.data(),
                cancelled.data(), customer.size(), n_customers,   n_invoices};
    }
};

Log random_log(std::mt19937& rng, std::size_t n_rows) {
    Log log;
    const auto n_customers = 1 + static_cast<std::int32_t>(rng() % 30);
    for (std::size_t r = 0; r < n_rows; ++r) {
        auto c = static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_customers));
        if (rng() % 15 == 0) c = missing_customer;
        const double amount =
            static_cast<double>(rng() % 5000) / 100.0 - (rng() % 12 == 0 ? 60.0 : 0.0);
        log.add(c, static_cast<std::int64_t>(rng() % 400) - 50, amount,
                rng() % 20 == 0);
    }
    log.n_customers = n_customers;
    return log;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

struct OracleRow {
    std::map<std::int64_t, double> spend;  // period -> money spent in it
    std::set<std::int64_t> holdout_periods;
    double holdout_money = 0.0;
    int holdout_rows = 0;
};

// lifetimes' definitions, written out with ordered maps: periods merge purchases, the
// first period is not a repeat, T runs to the observation end's period.
std::map<std::int32_t, OracleRow> oracle(const Log& log, std::int64_t ticks,
                                         std::int64_t origin, std::int64_t last_period,
                                         std::int64_t calibration_end,
                                         std::int64_t observation_end) {
    std::map<std::int32_t, OracleRow> rows;
    for (std::size_t r = 0; r < log.time.size(); ++r) {
        if (log.customer[r] < 0 || log.amount[r] < 0 || log.cancelled[r]) continue;
        const std::int64_t period = floor_div(log.time[r] - origin, ticks);
        if (log.time[r] > calibration_end) {
            if (log.time[r] > observation_end) continue;
            OracleRow& row = rows[log.customer[r]];
            row.holdout_periods.insert(period);
            row.holdout_money += log.amount[r];
            ++row.holdout_rows;
        } else if (period <= last_period) {
            rows[log.customer[r]].spend[period] += log.amount[r];
        }
    }
    for (auto it = rows.begin(); it != rows.end();)
        it = it->second.spend.empty() ? rows.erase(it) : std::next(it);
    return rows;
}

void check_row(const ClvSummary& s, std::size_t i, const OracleRow& row,
               std::int64_t last_period, double multiplier, bool include_first) {
    const auto n_periods = static_cast<std::int64_t>(row.spend.size());
    CHECK(s.frequency[i] == (include_first ? n_periods : n_periods - 1));
    const std::int64_t first = row.spend.begin()->first;
    const std::int64_t last = row.spend.rbegin()->first;
    CHECK(s.recency[i] ==
          doctest::Approx(static_cast<double>(last - first) / multiplier));
    CHECK(s.T[i] ==
          doctest::Approx(static_cast<double>(last_period - first) / multiplier));
    double money = 0.0;
    int counted = 0;
    for (auto it = row.spend.begin(); it != row.spend.end(); ++it) {
        if (it == row.spend.begin() && !include_first) continue;
        money += it->second;
        ++counted;
    }
    CHECK(s.monetary_value[i] == doctest::Approx(counted ? money / counted : 0.0));
}

}  // namespace

std::int64_t last_purchase_time(const Log& log) {
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (std::size_t r = 0; r < log.time.size(); ++r)
        if (log.customer[r] >= 0 && log.amount[r] >= 0 && !log.cancelled[r])
            last = std::max(last, log.time[r]);
    return last;
}

constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

TEST_CASE("clv_summary equals lifetimes' definitions on random logs") {
    std::mt19937 rng(7);
    int checked = 0;
    for (int trial = 0; trial < 60; ++trial) {
        const Log log = random_log(rng, 1 + rng() % 300);
        if (last_purchase_time(log) == std::numeric_limits<std::int64_t>::min()) {
            CHECK_THROWS_AS(clv_summary(log.view()), InvalidArgument);
            continue;
        }
        ClvSummaryParams params;
        params.period_ticks = 1 + static_cast<std::int64_t>(rng() % 9);
        params.period_origin = static_cast<std::int64_t>(rng() % 5) - 2;
        params.freq_multiplier = trial % 3 == 0 ? 7.0 : 1.0;
        params.include_first_transaction = trial % 4 == 1;
        const std::int64_t end = trial % 2 == 0
                                     ? 200 + static_cast<std::int64_t>(rng() % 100)
                                     : last_purchase_time(log);
        if (trial % 2 == 0) params.observation_end = end;
        const std::int64_t last_period =
            floor_div(end - params.period_origin, params.period_ticks);
        const auto expected = oracle(log, params.period_ticks, params.period_origin,
                                     last_period, never, never);
        if (expected.empty()) {
            CHECK_THROWS_AS(clv_summary(log.view(), params), InvalidArgument);
            continue;
        }
        const ClvSummary s = clv_summary(log.view(), params);
        REQUIRE(s.size() == expected.size());
        CHECK(s.observation_end ==
              params.period_origin + last_period * params.period_ticks);
        std::size_t i = 0;
        for (const auto& [customer, row] : expected) {
            CHECK(s.customer[i] == customer);
            check_row(s, i, row, last_period, params.freq_multiplier,
                      params.include_first_transaction);
            ++i;
        }
        ++checked;
    }
    CHECK(checked > 30);
}

TEST_CASE("calibration_and_holdout splits at the calibration end as lifetimes does") {
    std::mt19937 rng(11);
    int checked = 0;
    for (int trial = 0; trial < 60; ++trial) {
        const Log log = random_log(rng, 20 + rng() % 300);
        ClvSummaryParams params;
        params.period_ticks = 1 + static_cast<std::int64_t>(rng() % 9);
        params.freq_multiplier = trial % 2 == 0 ? 7.0 : 1.0;
        const std::int64_t calibration_end =
            100 + static_cast<std::int64_t>(rng() % 150);
        std::int64_t observation_end = last_purchase_time(log);
        if (trial % 3 == 0) {
            observation_end =
                calibration_end + 1 + static_cast<std::int64_t>(rng() % 80);
            params.observation_end = observation_end;
        }
        if (observation_end <= calibration_end) continue;
        const std::int64_t calibration_period =
            floor_div(calibration_end, params.period_ticks);
        const auto expected = oracle(log, params.period_ticks, 0, calibration_period,
                                     calibration_end, observation_end);
        const bool any_calibration = !expected.empty();
        bool any_holdout = false;
        for (std::size_t r = 0; r < log.time.size(); ++r)
            any_holdout |= log.customer[r] >= 0 && log.amount[r] >= 0 &&
                           !log.cancelled[r] && log.time[r] > calibration_end &&
                           log.time[r] <= observation_end;
        if (!any_holdout || !any_calibration) {
            CHECK_THROWS_AS(
                calibration_and_holdout(log.view(), calibration_end, params),
                InvalidArgument);
            continue;
        }
        const CalibrationHoldout split =
            calibration_and_holdout(log.view(), calibration_end, params);
        const ClvSummary& s = split.calibration;
        REQUIRE(s.size() == expected.size());
        std::size_t i = 0;
        for (const auto& [customer, row] : expected) {
            CHECK(s.customer[i] == customer);
            check_row(s, i, row, calibration_period, params.freq_multiplier, false);
            CHECK(split.frequency_holdout[i] ==
                  static_cast<std::int64_t>(row.holdout_periods.size()));
            CHECK(split.monetary_value_holdout[i] ==
                  doctest::Approx(
                      row.holdout_rows ? row.holdout_money / row.holdout_rows : 0.0));
            ++i;
        }
        CHECK(split.duration_holdout ==
              doctest::Approx(
                  static_cast<double>(floor_div(observation_end, params.period_ticks) -
                                      calibration_period) /
                  params.freq_multiplier));
        ++checked;
    }
    CHECK(checked > 20);
}

TEST_CASE("clv_summary is bit-identical for 1 and 2 threads") {
    std::mt19937 rng(3);
    Log log;
    for (int r = 0; r < 200000; ++r)
        log.add(static_cast<std::int32_t>(rng() % 9000),
                static_cast<std::int64_t>(rng() % 100000),
                static_cast<double>(rng() % 100000) / 7.0);
    ClvSummaryParams params;
    params.period_ticks = 24;
    params.freq_multiplier = 7.0;
    params.n_jobs = 1;
    const ClvSummary one = clv_summary(log.view(), params);
    params.n_jobs = 2;
    const ClvSummary two = clv_summary(log.view(), params);
    CHECK(one.customer == two.customer);
    CHECK(one.frequency == two.frequency);
    CHECK(one.recency == two.recency);
    CHECK(one.T == two.T);
    CHECK(one.monetary_value == two.monetary_value);
}

TEST_CASE(
    "clv_summary: purchases in one period merge, and one-period customers spend "
    "nothing") {
    Log log;
    log.add(0, 10, 5.0);
    log.add(0, 12, 7.0);  // same 7-tick period as the first: merged
    log.add(0, 15, 1.0);  // next period
    log.add(0, 16, 2.0);  // same period: 3.0 in all
    log.add(1, 20, 9.0);
    log.add(1, 20, -4.0);  // a return: ignored
    ClvSummaryParams params;
    params.period_ticks = 7;
    const ClvSummary s = clv_summary(log.view(), params);
    REQUIRE(s.size() == 2);
    CHECK(s.frequency == std::vector<std::int64_t>{1, 0});
    CHECK(s.recency == std::vector<double>{1.0, 0.0});
    CHECK(s.T == std::vector<double>{1.0, 0.0});
    CHECK(s.monetary_value == std::vector<double>{3.0, 0.0});
    params.include_first_transaction = true;
    const ClvSummary all = clv_summary(log.view(), params);
    CHECK(all.frequency == std::vector<std::int64_t>{2, 1});
    CHECK(all.monetary_value == std::vector<double>{7.5, 9.0});
}

TEST_CASE("clv_summary: calendar periods, the caller's period starts and unit") {
    Log log;  // a clock in days; "months" start on days 0, 31, 59
    log.add(0, 3, 1.0);
    log.add(0, 40, 2.0);
    log.add(0, 45, 4.0);
    log.add(1, 60, 8.0);
    const std::vector<std::int64_t> starts{0, 31, 31, 59};
    CalendarPeriods calendar;
    calendar.row_start = starts.data();
    calendar.unit_ticks = 30.0;
    const ClvSummary s = clv_summary(log.view(), {}, &calendar);
    REQUIRE(s.size() == 2);
    CHECK(s.frequency == std::vector<std::int64_t>{1, 0});
    CHECK(s.recency[0] == doctest::Approx(31.0 / 30.0));
    CHECK(s.T[0] == doctest::Approx(59.0 / 30.0));
    CHECK(s.monetary_value[0] == 6.0);
}

TEST_CASE("clv_summary and calibration_and_holdout name a bad argument") {
    Log log;
    log.add(0, 1, 1.0);
    log.add(0, 5, 1.0);
    ClvSummaryParams params;
    params.period_ticks = 0;
    CHECK_THROWS_WITH_AS(clv_summary(log.view(), params), doctest::Contains("freq"),
                         InvalidArgument);
    params = {};
    params.freq_multiplier = 0.0;
    CHECK_THROWS_WITH_AS(clv_summary(log.view(), params),
                         doctest::Contains("freq_multiplier"), InvalidArgument);
    params = {};
    params.observation_end = 0;
    CHECK_THROWS_WITH_AS(clv_summary(log.view(), params),
                         doctest::Contains("observation_end"), InvalidArgument);
    CHECK_THROWS_WITH_AS(calibration_and_holdout(log.view(), 5),
                         doctest::Contains("calibration_end"), InvalidArgument);
    CHECK_THROWS_WITH_AS(calibration_and_holdout(log.view(), 0),
                         doctest::Contains("calibration_end"), InvalidArgument);
    CalendarPeriods calendar;
    CHECK_THROWS_WITH_AS(clv_summary(log.view(), {}, &calendar),
                         doctest::Contains("calendar"), InvalidArgument);
}
