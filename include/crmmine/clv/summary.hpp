// The per-customer statistics the buy-till-you-die models take (BG/NBD, Pareto/NBD,
// Gamma-Gamma): repeat purchase periods, recency, age T and mean spend per repeat
// period, defined exactly as lifetimes' summary_data_from_transaction_data and
// calibration_and_holdout_data (Fader, Hardie & Lee 2005: x, t_x, T).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "crmmine/core/transaction_log.hpp"

namespace crmmine {

struct ClvSummaryParams {
    // Periods of fixed length: [period_origin + k * period_ticks, ... + period_ticks)
    // on the log's clock. Purchases in one period merge into one (amounts summed);
    // recency and T count periods.
    std::int64_t period_ticks = 1;
    std::int64_t period_origin = 0;
    // Recency and T are divided by this (lifetimes' freq_multiplier: days / 7 = weeks).
    double freq_multiplier = 1.0;
    // End of observation on the log's clock; its whole period is observed. Default:
    // the last purchase by a known customer.
    std::optional<std::int64_t> observation_end;
    // Count the first period in frequency and monetary_value (lifetimes' option; the
    // models want it false).
    bool include_first_transaction = false;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate() const;
};

// Periods of unequal length (calendar months, years), mapped by the caller: the start
// of every row's period, the start of the periods holding observation_end and
// calibration_end, and the unit recency and T are measured in (lifetimes divides by
// numpy's average month). With these, period_ticks and period_origin are not used.
struct CalendarPeriods {
    const std::int64_t* row_start = nullptr;  // one per log row, nondecreasing in time
    std::int64_t observation_end_start = 0;   // used when observation_end is given
    std::int64_t calibration_end_start = 0;   // used by calibration_and_holdout
    double unit_ticks = 1.0;
};

// One row per customer with a purchase period up to the observation end, in ascending
// customer code. Rows without a customer, returns (negative amounts) and cancelled
// invoices are left out.
struct ClvSummary {
    std::vector<std::int32_t> customer;
    std::vector<std::int64_t> frequency;  // periods with a purchase, less the first
    std::vector<double> recency;          // first to last purchase period
    std::vector<double> T;                // first purchase period to observation end
    std::vector<double> monetary_value;   // mean spend per repeat period; 0 if none
    std::int64_t observation_end = 0;     // start of the last observed period

    std::size_t size() const noexcept { return customer.size(); }
};

ClvSummary clv_summary(const TransactionLogView& log,
                       const ClvSummaryParams& params = {},
                       const CalendarPeriods* calendar = nullptr);

// The calibration summary (purchases up to calibration_end) of every customer seen by
// then, with what each did after it up to observation_end: purchase periods, mean spend
// per purchase row (lifetimes' definition), and the holdout length in periods.
struct CalibrationHoldout {
    ClvSummary calibration;
    std::vector<std::int64_t> frequency_holdout;
    std::vector<double> monetary_value_holdout;  // 0 for customers with none
    double duration_holdout = 0.0;
};

CalibrationHoldout calibration_and_holdout(const TransactionLogView& log,
                                           std::int64_t calibration_end,
                                           const ClvSummaryParams& params = {},
                                           const CalendarPeriods* calendar = nullptr);

}  // namespace crmmine
