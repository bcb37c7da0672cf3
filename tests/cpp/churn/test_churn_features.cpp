#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "crmmine/churn/churn_features.hpp"
#include "crmmine/core/error.hpp"

using namespace crmmine;

namespace {

constexpr std::int64_t cutoff = 600, horizon = 100;

struct RandomLog {
    std::vector<std::int32_t> customer, invoice;
    std::vector<std::int64_t> time;
    std::vector<double> amount, quantity;
    std::vector<std::uint8_t> cancelled;
    std::int32_t n_customers = 0, n_invoices = 0;

    TransactionLogView view() const {
        return {customer.data(),  time.data(),     amount.data(), invoice.data(),
                cancelled.data(), customer.size(), n_customers,   n_invoices};
    }
};

// Invoices mostly belong to one customer and one time, with the dirt real logs have:
// shared invoices, rows of one invoice at different times, returns, cancellations.
RandomLog random_log(std::mt19937& rng, std::size_t n_rows,
                     std::int64_t ticks_per_day) {
    RandomLog log;
    log.n_customers = 1 + static_cast<std::int32_t>(rng() % 60);
    log.n_invoices = 1 + static_cast<std::int32_t>(rng() % 300);
    std::vector<std::int32_t> owner(static_cast<std::size_t>(log.n_invoices));
    std::vector<std::int64_t> when(static_cast<std::size_t>(log.n_invoices));
    for (std::size_t i = 0; i < owner.size(); ++i) {
        owner[i] =
            static_cast<std::int32_t>(rng() % static_cast<unsigned>(log.n_customers));
        when[i] =
            static_cast<std::int64_t>(rng() % 1000) * ticks_per_day +
            static_cast<std::int64_t>(rng() % static_cast<unsigned>(ticks_per_day));
    }
    for (std::size_t r = 0; r < n_rows; ++r) {
        const auto inv =
            static_cast<std::int32_t>(rng() % static_cast<unsigned>(log.n_invoices));
        std::int32_t c = owner[static_cast<std::size_t>(inv)];
        if (rng() % 25 == 0)
            c = static_cast<std::int32_t>(rng() %
                                          static_cast<unsigned>(log.n_customers));
        if (rng() % 20 == 0) c = missing_customer;
        std::int64_t t = when[static_cast<std::size_t>(inv)];
        if (rng() % 30 == 0) t += static_cast<std::int64_t>(rng() % 5) * ticks_per_day;
        log.customer.push_back(c);
        log.invoice.push_back(inv);
        log.time.push_back(t);
        log.quantity.push_back(static_cast<double>(1 + rng() % 12));
        log.amount.push_back(static_cast<double>(rng() % 10000) / 100.0 -
                             (rng() % 12 == 0 ? 120.0 : 0.0));
    }
    // the log runs to the end of the label window
    log.customer.push_back(missing_customer);
    log.invoice.push_back(0);
    log.time.push_back((cutoff + horizon) * ticks_per_day);
    log.quantity.push_back(1.0);
    log.amount.push_back(1.0);
    for (std::int32_t i = 0; i < log.n_invoices; ++i)
        log.cancelled.push_back(rng() % 15 == 0 ? 1 : 0);
    return log;
}

struct Expected {
    std::int64_t recency = 0, frequency = 0, tenure = 0;
    double monetary = 0, basket_value = 0, basket_size = 0, gap_mean = NAN,
           gap_trend = NAN, spend_trend = NAN;
    int churned = 1;
};

double ols_slope(const std::vector<double>& y) {
    // slope = (n sum(xy) - sum(x) sum(y)) / (n sum(x^2) - sum(x)^2)
    const double n = static_cast<double>(y.size());
    if (y.size() < 2) return NAN;
    double sx = 0, sy = 0, sxy = 0, sxx = 0;
    for (std::size_t k = 0; k < y.size(); ++k) {
        const double x = static_cast<double>(k);
        sx += x, sy += y[k], sxy += x * y[k], sxx += x * x;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

std::int64_t floor_days(std::int64_t ticks, std::int64_t per_day) {
    return static_cast<std::int64_t>(
        std::floor(static_cast<double>(ticks) / static_cast<double>(per_day)));
}

// Straight from the documented definitions, with ordered maps.
std::map<std::int32_t, Expected> oracle(const RandomLog& log, std::int64_t per_day,
                                        bool net) {
    const std::int64_t cut = cutoff * per_day, end = (cutoff + horizon) * per_day;
    struct Visit {
        std::int64_t time;
        std::size_t first_row;
        double spend;
    };
    std::map<std::int32_t, std::map<std::int32_t, Visit>> visits;
    std::map<std::int32_t, double> money, units;
    std::map<std::int32_t, std::int64_t> last;
    std::map<std::int32_t, bool> came_back;
    for (std::size_t r = 0; r < log.customer.size(); ++r) {
        const std::int32_t c = log.customer[r];
        if (c < 0) continue;
        const bool purchase = log.amount[r] >= 0 &&
                              !log.cancelled[static_cast<std::size_t>(log.invoice[r])];
        if (log.time[r] >= cut) {
            if (log.time[r] < end && purchase) came_back[c] = true;
            continue;
        }
        if (!purchase) {
            if (net) money[c] += log.amount[r];
            continue;
        }
        money[c] += log.amount[r];
        units[c] += log.quantity[r];
        last[c] = std::max(last.count(c) ? last[c] : log.time[r], log.time[r]);
        auto [it, fresh] =
            visits[c].try_emplace(log.invoice[r], Visit{log.time[r], r, 0.0});
        it->second.time = std::min(it->second.time, log.time[r]);
        it->second.spend += log.amount[r];
    }
    std::map<std::int32_t, Expected> rows;
    for (auto& [c, by_invoice] : visits) {
        std::vector<Visit> v;
        for (auto& [inv, visit] : by_invoice) v.push_back(visit);
        std::sort(v.begin(), v.end(), [](const Visit& a, const Visit& b) {
            return a.time != b.time ? a.time < b.time : a.first_row < b.first_row;
        });
        Expected e;
        e.frequency = static_cast<std::int64_t>(v.size());
        e.recency = floor_days(cut - last[c], per_day);
        e.tenure = floor_days(cut - v.front().time, per_day);
        e.monetary = money[c];
        e.basket_value = money[c] / static_cast<double>(v.size());
        e.basket_size = units[c] / static_cast<double>(v.size());
        std::vector<double> gaps, spends;
        for (std::size_t k = 0; k < v.size(); ++k) {
            spends.push_back(v[k].spend);
            if (k > 0)
                gaps.push_back(static_cast<double>(v[k].time - v[k - 1].time) /
                               static_cast<double>(per_day));
        }
        if (!gaps.empty()) {
            e.gap_mean = 0;
            for (const double g : gaps)
                e.gap_mean += g / static_cast<double>(gaps.size());
        }
        e.gap_trend = ols_slope(gaps);
        e.spend_trend = ols_slope(spends);
        e.churned = came_back[c] ? 0 : 1;
        rows[c] = e;
    }
    return rows;
}

bool close(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::abs(a - b) <= 1e-9 * (1.0 + std::abs(b));
}

ChurnFeatureParams params_for(std::int64_t per_day, bool net, int n_jobs) {
    ChurnFeatureParams p;
    p.cutoff = cutoff * per_day;
    p.horizon = horizon * per_day;
    p.ticks_per_day = per_day;
    p.net_returns = net;
    p.n_jobs = n_jobs;
    return p;
}

void check_equal(const ChurnFeatures& a, const ChurnFeatures& b, bool labels_too) {
    CHECK(a.customer == b.customer);
    CHECK(a.recency_days == b.recency_days);
    CHECK(a.frequency == b.frequency);
    CHECK(a.tenure_days == b.tenure_days);
    CHECK(a.monetary == b.monetary);
    CHECK(a.avg_basket_size == b.avg_basket_size);
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        CHECK(close(a.gap_mean_days[i], b.gap_mean_days[i]));
        CHECK(close(a.gap_trend[i], b.gap_trend[i]));
        CHECK(close(a.spend_trend[i], b.spend_trend[i]));
    }
    if (labels_too) CHECK(a.churned == b.churned);
}

}  // namespace

TEST_CASE("churn features equal their definitions on random logs") {
    std::mt19937 rng(23);
    for (int trial = 0; trial < 60; ++trial) {
        const std::int64_t per_day = trial % 3 == 0 ? 86400 : 1;
        const bool net = trial % 2 == 1;
        const RandomLog log = random_log(rng, 1 + rng() % 2500, per_day);
        const auto expected = oracle(log, per_day, net);
        if (expected.empty()) {
            CHECK_THROWS_WITH_AS(
                churn_features(log.view(), params_for(per_day, net, 1)),
                doctest::Contains("cutoff: no customer"), InvalidArgument);
            continue;
        }
        const ChurnFeatures got = churn_features(
            log.view(), params_for(per_day, net, 1), log.quantity.data());
        REQUIRE(got.size() == expected.size());
        std::size_t i = 0;
        for (const auto& [c, e] : expected) {
            CAPTURE(c);
            CHECK(got.customer[i] == c);
            CHECK(got.recency_days[i] == e.recency);
            CHECK(got.frequency[i] == e.frequency);
            CHECK(got.tenure_days[i] == e.tenure);
            CHECK(close(got.monetary[i], e.monetary));
            CHECK(close(got.avg_basket_value[i], e.basket_value));
            CHECK(close(got.avg_basket_size[i], e.basket_size));
            CHECK(close(got.gap_mean_days[i], e.gap_mean));
            CHECK(close(got.gap_trend[i], e.gap_trend));
            CHECK(close(got.spend_trend[i], e.spend_trend));
            CHECK(got.churned[i] == e.churned);
            ++i;
        }
        for (const int threads : {2, 3}) {
            const ChurnFeatures other = churn_features(
                log.view(), params_for(per_day, net, threads), log.quantity.data());
            check_equal(got, other, true);
            CHECK(got.gap_trend.size() == other.gap_trend.size());
        }
        CHECK(churn_features(log.view(), params_for(per_day, net, 1))
                  .avg_basket_size.empty());
    }
}

TEST_CASE("no feature sees the cutoff or anything after it") {
    std::mt19937 rng(29);
    for (int trial = 0; trial < 30; ++trial) {
        const RandomLog log = random_log(rng, 200 + rng() % 2000, 1);
        const ChurnFeatureParams params = params_for(1, trial % 2 == 0, 0);
        if (oracle(log, 1, false).empty()) continue;
        const ChurnFeatures base =
            churn_features(log.view(), params, log.quantity.data());

        // Rewrite everything from the cutoff on: other amounts, quantities and
        // customers, times shuffled inside [cutoff, end of log], cancellations flipped.
        RandomLog future = log;
        std::vector<std::uint8_t> touched(static_cast<std::size_t>(log.n_invoices), 0);
        for (std::size_t r = 0; r < future.time.size(); ++r) {
            if (future.time[r] < cutoff) {
                touched[static_cast<std::size_t>(future.invoice[r])] =
                    2;  // keep its flag
                continue;
            }
            future.time[r] = cutoff + static_cast<std::int64_t>(rng() % 400);
            future.amount[r] = static_cast<double>(rng() % 1000) - 300.0;
            future.quantity[r] = static_cast<double>(rng() % 50);
            future.customer[r] = static_cast<std::int32_t>(
                rng() % static_cast<unsigned>(log.n_customers));
            auto& flag = touched[static_cast<std::size_t>(future.invoice[r])];
            if (flag == 0) flag = 1;
        }
        for (std::size_t i = 0; i < touched.size(); ++i)
            if (touched[i] == 1)
                future.cancelled[i] = static_cast<std::uint8_t>(rng() % 2);
        future.time.back() = cutoff + horizon;  // the log still covers the window
        const ChurnFeatures rewritten =
            churn_features(future.view(), params, future.quantity.data());
        check_equal(base, rewritten, false);

        // Drop everything at or after the end of the label window: nothing changes,
        // labels included.
        RandomLog cut;
        cut.n_customers = log.n_customers;
        cut.n_invoices = log.n_invoices;
        cut.cancelled = log.cancelled;
        for (std::size_t r = 0; r < log.time.size(); ++r)
            if (log.time[r] < cutoff + horizon || r + 1 == log.time.size()) {
                cut.customer.push_back(log.customer[r]);
                cut.invoice.push_back(log.invoice[r]);
                cut.time.push_back(log.time[r]);
                cut.amount.push_back(log.amount[r]);
                cut.quantity.push_back(log.quantity[r]);
            }
        check_equal(base, churn_features(cut.view(), params, cut.quantity.data()),
                    true);
    }
}

TEST_CASE("churn feature parameters and windows are checked") {
    std::mt19937 rng(31);
    const RandomLog log = random_log(rng, 500, 1);
    ChurnFeatureParams params = params_for(1, false, 1);
    params.horizon = 0;
    CHECK_THROWS_WITH_AS(churn_features(log.view(), params),
                         doctest::Contains("horizon_days: must be positive"),
                         InvalidArgument);
    const std::int64_t latest = *std::max_element(log.time.begin(), log.time.end());
    params.horizon = latest - cutoff + 2;  // the log ends one day short of the window
    CHECK_THROWS_WITH_AS(churn_features(log.view(), params),
                         doctest::Contains("horizon_days: the label window"),
                         InvalidArgument);
    params.horizon = latest - cutoff + 1;  // the log reaches the window's last day
    CHECK_NOTHROW(churn_features(log.view(), params));
    params = params_for(1, false, 1);
    params.cutoff = -5;
    CHECK_THROWS_WITH_AS(churn_features(log.view(), params),
                         doctest::Contains("cutoff: no customer has a purchase"),
                         InvalidArgument);
    params = params_for(1, false, 1);
    params.ticks_per_day = 0;
    CHECK_THROWS_AS(churn_features(log.view(), params), InvalidArgument);
}
