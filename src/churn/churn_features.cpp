#include "crmmine/churn/churn_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace {

constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Compensated (Kahan) summation in row order, as pandas' groupby sum and crmmine.rfm
// add money, so the two agree on every customer.
struct Money {
    double sum = 0.0;
    double error = 0.0;

    void add(double amount) {
        const double y = amount - error;
        const double t = sum + y;
        error = t - sum - y;
        if (std::isnan(error)) error = 0.0;
        sum = t;
    }
};

struct Occasion {
    std::int64_t time;
    std::size_t first_row;
    double spend;
};

// Least-squares slope of values over their index 0..m-1 (two passes: mean, then the
// centred sums, which keeps the cancellation small).
double index_slope(const std::vector<double>& values) {
    const std::size_t m = values.size();
    if (m < 2) return nan;
    double mean = 0.0;
    for (const double v : values) mean += v;
    mean /= static_cast<double>(m);
    const double centre = static_cast<double>(m - 1) / 2.0;
    double sxx = 0.0, sxy = 0.0;
    for (std::size_t k = 0; k < m; ++k) {
        const double dx = static_cast<double>(k) - centre;
        sxx += dx * dx;
        sxy += dx * (values[k] - mean);
    }
    return sxy / sxx;
}

// What one part of the customer codes needs: the rows before the end of the label
// window of each of its customers, in row order (counting sort by customer).
struct CustomerRows {
    std::vector<std::size_t> offsets;  // customer c - first: [offsets[c], offsets[c+1])
    std::vector<std::size_t> rows;
};

CustomerRows group_rows(const TransactionLogView& log, std::int32_t first,
                        std::int32_t last, std::int64_t window_end) {
    CustomerRows grouped;
    grouped.offsets.assign(static_cast<std::size_t>(last - first) + 1, 0);
    const auto in_part = [&](std::size_t row) {
        const std::int32_t c = log.customer[row];
        return c >= first && c < last && log.time[row] < window_end;
    };
    for (std::size_t row = 0; row < log.n_rows; ++row) {
        if ((row & 0xFFFFF) == 0) detail::poll_interrupt();
        if (in_part(row))
            ++grouped.offsets[static_cast<std::size_t>(log.customer[row] - first) + 1];
    }
    std::partial_sum(grouped.offsets.begin(), grouped.offsets.end(),
                     grouped.offsets.begin());
    grouped.rows.resize(grouped.offsets.back());
    std::vector<std::size_t> next(grouped.offsets.begin(), grouped.offsets.end() - 1);
    for (std::size_t row = 0; row < log.n_rows; ++row) {
        if ((row & 0xFFFFF) == 0) detail::poll_interrupt();
        if (in_part(row))
            grouped.rows[next[static_cast<std::size_t>(log.customer[row] - first)]++] =
                row;
    }
    return grouped;
}

void features_for_range(const TransactionLogView& log, const ChurnFeatureParams& params,
                        const double* quantity, std::int32_t first, std::int32_t last,
                        ChurnFeatures& out) {
    const std::int64_t window_end = params.cutoff + params.horizon;
    const auto days = static_cast<double>(params.ticks_per_day);
    const CustomerRows grouped = group_rows(log, first, last, window_end);
    std::vector<std::pair<std::int32_t, std::size_t>> purchases;  // (invoice, row)
    std::vector<Occasion> occasions;
    std::vector<double> series;
    for (std::int32_t c = first; c < last; ++c) {
        const auto local = static_cast<std::size_t>(c - first);
        if ((local & 0xFFFF) == 0) detail::poll_interrupt();
        purchases.clear();
        Money money;
        double units = 0.0;
        std::int64_t last_time = no_time;
        bool bought_in_window = false;
        for (std::size_t k = grouped.offsets[local]; k < grouped.offsets[local + 1];
             ++k) {
            const std::size_t row = grouped.rows[k];
            if (log.time[row] >= params.cutoff) {
                bought_in_window = bought_in_window || log.is_purchase(row);
                continue;
            }
            if (!log.is_purchase(row)) {
                if (params.net_returns) money.add(log.amount[row]);
                continue;
            }
            if (quantity != nullptr) {
                if (!std::isfinite(quantity[row]))
                    detail::throw_invalid("quantity",
                                          "has a missing or infinite value (row " +
                                              std::to_string(row) +
                                              "); drop or fill it first");
                units += quantity[row];
            }
            money.add(log.amount[row]);
            last_time = std::max(last_time, log.time[row]);
            purchases.emplace_back(log.invoice[row], row);
        }
        if (purchases.empty()) continue;

        // Rows are in row order, so a stable sort by invoice keeps each invoice's rows
        // in row order: its first row comes first and its spend adds up in row order.
        std::stable_sort(
            purchases.begin(), purchases.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
        occasions.clear();
        for (std::size_t k = 0; k < purchases.size(); ++k) {
            const std::size_t row = purchases[k].second;
            if (k == 0 || purchases[k].first != purchases[k - 1].first)
                occasions.push_back({log.time[row], row, 0.0});
            Occasion& occasion = occasions.back();
            occasion.time = std::min(occasion.time, log.time[row]);
            occasion.spend += log.amount[row];
        }
        std::sort(occasions.begin(), occasions.end(), [](const auto& a, const auto& b) {
            return a.time != b.time ? a.time < b.time : a.first_row < b.first_row;
        });
        const std::size_t m = occasions.size();

        out.customer.push_back(c);
        out.recency_days.push_back(
            floor_div(params.cutoff - last_time, params.ticks_per_day));
        out.frequency.push_back(static_cast<std::int64_t>(m));
        out.monetary.push_back(money.sum);
        out.avg_basket_value.push_back(money.sum / static_cast<double>(m));
        if (quantity != nullptr)
            out.avg_basket_size.push_back(units / static_cast<double>(m));
        out.tenure_days.push_back(
            floor_div(params.cutoff - occasions.front().time, params.ticks_per_day));
        out.gap_mean_days.push_back(
            m < 2
                ? nan
                : static_cast<double>(occasions.back().time - occasions.front().time) /
                      days / static_cast<double>(m - 1));
        series.clear();
        for (std::size_t k = 1; k < m; ++k)
            series.push_back(
                static_cast<double>(occasions[k].time - occasions[k - 1].time) / days);
        out.gap_trend.push_back(index_slope(series));
        series.clear();
        for (const Occasion& occasion : occasions) series.push_back(occasion.spend);
        out.spend_trend.push_back(index_slope(series));
        out.churned.push_back(bought_in_window ? 0 : 1);
    }
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& from) {
    to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

void ChurnFeatureParams::validate() const {
    detail::require(ticks_per_day > 0, "ticks_per_day",
                    "must be positive (1 for a clock in days, 86400 for seconds)");
    detail::require(horizon > 0, "horizon_days", "must be positive");
    detail::require(
        cutoff <= 0 || horizon <= std::numeric_limits<std::int64_t>::max() - cutoff,
        "horizon_days", "runs past the end of the clock; pass a shorter horizon");
}

ChurnFeatures churn_features(const TransactionLogView& log,
                             const ChurnFeatureParams& params, const double* quantity) {
    params.validate();
    log.validate(params.n_jobs);
    const int n_threads = resolve_num_threads(params.n_jobs);
    detail::require(log.n_rows > 0, "log", "is empty; pass at least one row");

    // The labels need the whole window observed: the log must reach its last day.
    std::int64_t latest = no_time;
    for (std::size_t row = 0; row < log.n_rows; ++row)
        latest = std::max(latest, log.time[row]);
    const std::int64_t window_end = params.cutoff + params.horizon;
    detail::require(
        latest >= window_end - params.ticks_per_day, "horizon_days",
        "the label window [cutoff, cutoff + horizon) ends after the log does; "
        "pick an earlier cutoff or a shorter horizon");

    ChurnFeatures result;
    const std::int64_t n_parts = std::min<std::int64_t>(n_threads, log.n_customers);
    std::vector<ChurnFeatures> parts(
        static_cast<std::size_t>(std::max<std::int64_t>(n_parts, 0)));
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        features_for_range(log, params, quantity,
                           static_cast<std::int32_t>(
                               detail::part_begin(log.n_customers, n_parts, part)),
                           static_cast<std::int32_t>(
                               detail::part_begin(log.n_customers, n_parts, part + 1)),
                           parts[static_cast<std::size_t>(part)]);
    });
    for (const ChurnFeatures& part : parts) {
        append(result.customer, part.customer);
        append(result.recency_days, part.recency_days);
        append(result.frequency, part.frequency);
        append(result.monetary, part.monetary);
        append(result.avg_basket_value, part.avg_basket_value);
        append(result.avg_basket_size, part.avg_basket_size);
        append(result.tenure_days, part.tenure_days);
        append(result.gap_mean_days, part.gap_mean_days);
        append(result.gap_trend, part.gap_trend);
        append(result.spend_trend, part.spend_trend);
        append(result.churned, part.churned);
    }
    detail::require(result.size() > 0, "cutoff",
                    "no customer has a purchase before it; pick a later cutoff");
    return result;
}

}  // namespace crmmine
