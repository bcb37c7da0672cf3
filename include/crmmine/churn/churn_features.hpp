// Churn labelled from behaviour (the "no purchase within a horizon" definition of
// non-contractual settings, Buckinx & Van den Poel 2005): per customer, features from
// the purchases strictly before a cutoff and the label 1 when the customer makes no
// purchase in [cutoff, cutoff + horizon). Nothing at or after the cutoff reaches a
// feature, so the table is leak-free by construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crmmine/core/transaction_log.hpp"

namespace crmmine {

struct ChurnFeatureParams {
    std::int64_t cutoff = 0;   // on the log's clock; features see time < cutoff only
    std::int64_t horizon = 0;  // length of the label window, in clock ticks
    std::int64_t ticks_per_day = 1;  // 1 for a clock in days, 86'400e9 for nanoseconds
    // false: returns (negative amounts, cancelled invoices) are ignored; true: they are
    // subtracted from monetary. Either way they are never a purchase.
    bool net_returns = false;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate() const;
};

// One row per customer with a purchase before the cutoff, in ascending customer code.
// A purchase occasion is one (customer, invoice) pair; its time is the earliest of its
// rows before the cutoff and its spend the sum of its purchase rows there. Occasions
// are ordered by time, then by their first row in the log.
struct ChurnFeatures {
    std::vector<std::int32_t> customer;
    std::vector<std::int64_t> recency_days;  // whole days, last purchase to cutoff
    std::vector<std::int64_t> frequency;     // purchase occasions
    std::vector<double> monetary;            // spend (net of returns with net_returns)
    std::vector<double> avg_basket_value;    // monetary / frequency
    std::vector<double> avg_basket_size;  // units per occasion; empty without quantity
    std::vector<std::int64_t> tenure_days;  // whole days, first purchase to cutoff
    std::vector<double> gap_mean_days;      // mean days between occasions; NaN with one
    // Least-squares slope of the gaps (days) over their index: > 0 when purchases slow
    // down; NaN with fewer than two gaps.
    std::vector<double> gap_trend;
    // Least-squares slope of occasion spend over the occasion index: money per
    // purchase gained (> 0) or lost; NaN with one occasion.
    std::vector<double> spend_trend;
    std::vector<std::uint8_t> churned;  // 1: no purchase in [cutoff, cutoff + horizon)

    std::size_t size() const noexcept { return customer.size(); }
};

// quantity (optional, one per row, finite) gives avg_basket_size: the units on the
// purchase rows before the cutoff per occasion. Throws InvalidArgument when no
// customer bought before the cutoff, or when the log ends before the last day of the
// label window (the labels would call customers churned for want of data).
ChurnFeatures churn_features(const TransactionLogView& log,
                             const ChurnFeatureParams& params,
                             const double* quantity = nullptr);

}  // namespace crmmine
