#include "crmmine/clv/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace {

constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t customers_per_task = 4096;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Compensated (Kahan) summation, step for step as pandas' groupby sum and mean, so the
// sums agree with lifetimes' to the last bit where the order of terms does.
struct KahanSum {
    double sum = 0.0;
    double error = 0.0;

    void add(double value) {
        const double y = value - error;
        const double t = sum + y;
        error = t - sum - y;
        sum = t;
    }
};

// A purchase row as the per-customer pass needs it.
struct Entry {
    std::int64_t time;
    std::int64_t period;  // period number (fixed periods) or period start (calendar)
    double amount;
};

// Maps times to periods and measures the distance between two periods.
class Periods {
public:
    Periods(const ClvSummaryParams& params, const CalendarPeriods* calendar)
        : params_(params), calendar_(calendar) {}

    std::int64_t of_row(const TransactionLogView& log, std::size_t row) const {
        return calendar_ ? calendar_->row_start[row] : of_time(log.time[row]);
    }
    // Fixed periods only; calendar periods come mapped by the caller.
    std::int64_t of_time(std::int64_t time) const {
        return floor_div(time - params_.period_origin, params_.period_ticks);
    }
    // Where a period starts on the log's clock.
    std::int64_t start(std::int64_t period) const {
        return calendar_ ? period
                         : params_.period_origin + period * params_.period_ticks;
    }
    double between(std::int64_t from, std::int64_t to) const {
        const auto distance = static_cast<double>(to - from);
        return (calendar_ ? distance / calendar_->unit_ticks : distance) /
               params_.freq_multiplier;
    }

private:
    const ClvSummaryParams& params_;
    const CalendarPeriods* calendar_;
};

// What one customer's rows give; periods == 0 means no calibration purchase.
struct CustomerResult {
    std::int64_t periods = 0;
    std::int64_t first_period = 0;
    std::int64_t last_period = 0;
    double monetary = 0.0;
    std::int64_t holdout_periods = 0;
    double holdout_monetary = 0.0;
};

// entries[begin, end): one customer's rows in log order. Rows after calibration_end are
// the holdout (none for a plain summary).
CustomerResult summarise_customer(Entry* begin, Entry* end,
                                  std::int64_t calibration_end, bool include_first) {
    CustomerResult result;
    // lifetimes averages holdout spend per row, in the log's row order
    KahanSum holdout_spend;
    std::int64_t holdout_rows = 0;
    for (const Entry* e = begin; e != end; ++e)
        if (e->time > calibration_end) {
            holdout_spend.add(e->amount);
            ++holdout_rows;
        }
    if (holdout_rows > 0)
        result.holdout_monetary = holdout_spend.sum / static_cast<double>(holdout_rows);

    // lifetimes sorts by (customer, time, amount) before it sums each period
    std::sort(begin, end, [](const Entry& a, const Entry& b) {
        return a.time != b.time ? a.time < b.time : a.amount < b.amount;
    });
    KahanSum repeat_spend;
    std::int64_t holdout_period = no_time;
    for (const Entry* e = begin; e != end;) {
        if (e->time > calibration_end) {
            if (e->period != holdout_period) ++result.holdout_periods;
            holdout_period = e->period;
            ++e;
            continue;
        }
        KahanSum period_spend;
        const std::int64_t period = e->period;
        for (; e != end && e->period == period && e->time <= calibration_end; ++e)
            period_spend.add(e->amount);
        if (result.periods == 0) result.first_period = period;
        result.last_period = period;
        if (result.periods > 0 || include_first) repeat_spend.add(period_spend.sum);
        ++result.periods;
    }
    const std::int64_t spend_periods = result.periods - (include_first ? 0 : 1);
    if (spend_periods > 0)
        result.monetary = repeat_spend.sum / static_cast<double>(spend_periods);
    return result;
}

// The latest purchase by a known customer: its time and its period.
struct LastPurchase {
    std::int64_t time = no_time;
    std::int64_t period = no_time;
};

LastPurchase last_purchase(const TransactionLogView& log, const Periods& periods) {
    LastPurchase last;
    for (std::size_t row = 0; row < log.n_rows; ++row)
        if (log.customer[row] != missing_customer && log.is_purchase(row) &&
            log.time[row] > last.time) {
            last.time = log.time[row];
            last.period = periods.of_row(log, row);
        }
    detail::require(last.time != no_time, "log",
                    "holds no purchase by a known customer; check the customer column "
                    "and that not every row is a return");
    return last;
}

// Which rows take part: 0 none, 1 calibration (or the whole summary), 2 holdout.
struct RowFilter {
    std::int64_t last_period;      // calibration rows: period <= last_period
    std::int64_t calibration_end;  // and time <= calibration_end
    std::int64_t observation_end;  // holdout rows: calibration_end < time <= this

    int operator()(const TransactionLogView& log, const Periods& periods,
                   std::size_t row) const {
        if (log.customer[row] == missing_customer || !log.is_purchase(row)) return 0;
        const std::int64_t time = log.time[row];
        if (time > calibration_end) return time <= observation_end ? 2 : 0;
        return periods.of_row(log, row) <= last_period ? 1 : 0;
    }
};

struct Collected {
    std::vector<CustomerResult> results;  // per customer code
    std::int64_t holdout_rows = 0;
};

// Buckets the rows by customer (a stable counting sort, so each bucket keeps log order)
// and summarises each customer's bucket. Customers are independent, so the result is
// the same for any number of threads.
Collected collect(const TransactionLogView& log, const Periods& periods,
                  const RowFilter& filter, bool include_first, int n_threads) {
    const auto n_customers = static_cast<std::size_t>(log.n_customers);
    std::vector<std::size_t> offset(n_customers + 1, 0);
    Collected collected;
    for (std::size_t row = 0; row < log.n_rows; ++row) {
        if ((row & 0xFFFFF) == 0) detail::poll_interrupt();
        const int kind = filter(log, periods, row);
        if (kind == 0) continue;
        ++offset[static_cast<std::size_t>(log.customer[row]) + 1];
        if (kind == 2) ++collected.holdout_rows;
    }
    for (std::size_t c = 0; c < n_customers; ++c) offset[c + 1] += offset[c];
    std::vector<Entry> entries(offset[n_customers]);
    std::vector<std::size_t> next(offset.begin(), offset.end() - 1);
    for (std::size_t row = 0; row < log.n_rows; ++row) {
        if ((row & 0xFFFFF) == 0) detail::poll_interrupt();
        if (filter(log, periods, row) == 0) continue;
        entries[next[static_cast<std::size_t>(log.customer[row])]++] = {
            log.time[row], periods.of_row(log, row), log.amount[row]};
    }

    collected.results.resize(n_customers);
    const auto n = static_cast<std::int64_t>(n_customers);
    const std::int64_t n_tasks = (n + customers_per_task - 1) / customers_per_task;
    detail::parallel_for(n_tasks, n_threads, [&](std::int64_t task) {
        const std::int64_t last = std::min(n, (task + 1) * customers_per_task);
        for (std::int64_t c = task * customers_per_task; c < last; ++c) {
            const auto i = static_cast<std::size_t>(c);
            if (offset[i] == offset[i + 1]) continue;
            collected.results[i] = summarise_customer(
                entries.data() + offset[i], entries.data() + offset[i + 1],
                filter.calibration_end, include_first);
        }
    });
    return collected;
}

ClvSummary to_summary(const std::vector<CustomerResult>& results,
                      const Periods& periods, std::int64_t observation_period,
                      bool include_first) {
    ClvSummary summary;
    summary.observation_end = periods.start(observation_period);
    for (std::size_t c = 0; c < results.size(); ++c) {
        const CustomerResult& r = results[c];
        if (r.periods == 0) continue;
        summary.customer.push_back(static_cast<std::int32_t>(c));
        summary.frequency.push_back(include_first ? r.periods : r.periods - 1);
        summary.recency.push_back(periods.between(r.first_period, r.last_period));
        summary.T.push_back(periods.between(r.first_period, observation_period));
        summary.monetary_value.push_back(r.monetary);
    }
    return summary;
}

void validate_calendar(const TransactionLogView& log, const CalendarPeriods* calendar) {
    if (!calendar) return;
    detail::require(log.n_rows == 0 || calendar->row_start, "calendar",
                    "needs the start of every row's period (row_start)");
    detail::require(std::isfinite(calendar->unit_ticks) && calendar->unit_ticks > 0.0,
                    "calendar", "unit_ticks must be positive and finite");
}

}  // namespace

void ClvSummaryParams::validate() const {
    detail::require(period_ticks > 0, "freq",
                    "the period must be a positive number of clock ticks");
    detail::require(std::isfinite(freq_multiplier) && freq_multiplier > 0.0,
                    "freq_multiplier", "must be a positive number, e.g. 7 for weeks");
}

ClvSummary clv_summary(const TransactionLogView& log, const ClvSummaryParams& params,
                       const CalendarPeriods* calendar) {
    params.validate();
    log.validate(params.n_jobs);
    validate_calendar(log, calendar);
    const Periods periods(params, calendar);
    std::int64_t observation_period = 0;
    if (params.observation_end) {
        observation_period = calendar ? calendar->observation_end_start
                                      : periods.of_time(*params.observation_end);
    } else {
        observation_period = last_purchase(log, periods).period;
    }
    const RowFilter filter{observation_period, std::numeric_limits<std::int64_t>::max(),
                           std::numeric_limits<std::int64_t>::max()};
    const Collected collected =
        collect(log, periods, filter, params.include_first_transaction,
                resolve_num_threads(params.n_jobs));
    ClvSummary summary = to_summary(collected.results, periods, observation_period,
                                    params.include_first_transaction);
    detail::require(summary.size() > 0, "observation_end",
                    "leaves no purchase by a known customer before it; pass a later "
                    "date");
    return summary;
}

CalibrationHoldout calibration_and_holdout(const TransactionLogView& log,
                                           std::int64_t calibration_end,
                                           const ClvSummaryParams& params,
                                           const CalendarPeriods* calendar) {
    params.validate();
    log.validate(params.n_jobs);
    validate_calendar(log, calendar);
    const Periods periods(params, calendar);
    std::int64_t observation_end = 0;
    std::int64_t observation_period = 0;
    if (params.observation_end) {
        observation_end = *params.observation_end;
        observation_period = calendar ? calendar->observation_end_start
                                      : periods.of_time(observation_end);
    } else {
        const LastPurchase last = last_purchase(log, periods);
        observation_end = last.time;
        observation_period = last.period;
    }
    detail::require(observation_end > calibration_end, "calibration_end",
                    "must precede observation_end (default: the last purchase) so "
                    "there is a holdout period");
    const std::int64_t calibration_period =
        calendar ? calendar->calibration_end_start : periods.of_time(calibration_end);

    const RowFilter filter{calibration_period, calibration_end, observation_end};
    const Collected collected =
        collect(log, periods, filter, params.include_first_transaction,
                resolve_num_threads(params.n_jobs));
    detail::require(
        collected.holdout_rows > 0, "calibration_end",
        "leaves no purchase between it and observation_end; pick an earlier "
        "calibration_end or a later observation_end");

    CalibrationHoldout split;
    split.calibration = to_summary(collected.results, periods, calibration_period,
                                   params.include_first_transaction);
    detail::require(split.calibration.size() > 0, "calibration_end",
                    "precedes every purchase in the log; pick a later date");
    for (const std::int32_t c : split.calibration.customer) {
        const CustomerResult& r = collected.results[static_cast<std::size_t>(c)];
        split.frequency_holdout.push_back(r.holdout_periods);
        split.monetary_value_holdout.push_back(r.holdout_monetary);
    }
    split.duration_holdout = periods.between(calibration_period, observation_period);
    return split;
}

}  // namespace crmmine
