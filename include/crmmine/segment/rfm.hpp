// RFM analysis: per customer the recency of the last purchase, the frequency of
// purchases and the money spent, their 1..n quantile scores, and the named segments of
// the classic R x F grid (Champions, Loyal Customers, ... Hibernating). Scores follow
// the idiomatic pandas pipeline, pandas.qcut(values.rank(method="first"), n), bin for
// bin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crmmine/core/transaction_log.hpp"

namespace crmmine {

// What the monetary column holds.
enum class Monetary {
    total,  // money spent over the whole log
    mean,   // money spent per purchase invoice
};

// What happens to returns: rows with a negative amount or on a cancelled invoice.
enum class Returns {
    exclude,  // ignored, as if they were not in the log
    net,      // subtracted from monetary; they never count as a purchase
};

struct RfmParams {
    // Time recency is measured to, on the log's clock; default: the last purchase in
    // the log plus one day.
    std::optional<std::int64_t> analysis_time;
    std::int64_t ticks_per_day = 1;  // 1 for a clock in days, 86'400e9 for nanoseconds
    Monetary monetary = Monetary::total;
    Returns returns = Returns::exclude;
    int n_jobs = 0;  // 0: crmmine::get_num_threads()

    void validate() const;
};

// One row per customer with at least one purchase, in ascending customer code. Rows
// without a customer (code missing_customer) are left out.
struct RfmTable {
    std::vector<std::int32_t> customer;
    std::vector<std::int64_t>
        recency;  // whole days from the last purchase to analysis_time
    std::vector<std::int64_t> frequency;  // distinct invoices with a purchase
    std::vector<double> monetary;
    std::int64_t analysis_time = 0;

    std::size_t size() const noexcept { return customer.size(); }
};

RfmTable rfm_table(const TransactionLogView& log, const RfmParams& params = {});

// Scores 1..n_bins: pandas.qcut(rank(method="first"), n_bins) on values, so ties go to
// the earlier position. With reverse the lowest values score n_bins (recency: recent is
// good).
std::vector<std::int32_t> quantile_scores(const double* values, std::size_t n,
                                          int n_bins, bool reverse);

struct RfmScores {
    std::vector<std::int32_t> r, f, m;
};

RfmScores rfm_scores(const RfmTable& table, int n_bins = 5, int n_jobs = 0);

// Maps each (R score, F score) cell to a segment code; names[code] is the segment's
// name.
struct SegmentGrid {
    int n_bins = 0;
    std::vector<std::int32_t> cells;  // n_bins x n_bins, row r - 1, column f - 1
    std::vector<std::string> names;

    // Throws InvalidArgument unless every cell holds a code in [0, names.size()).
    void validate() const;
    // The widely used 5 x 5 grid; its cells (R then F score):
    //   R 5: F 1 New Customers, F 2-3 Potential Loyalists, F 4-5 Champions
    //   R 4: F 1 Promising,     F 2-3 Potential Loyalists, F 4-5 Loyal Customers
    //   R 3: F 1-2 About to Sleep, F 3 Need Attention,     F 4-5 Loyal Customers
    //   R 1-2: F 1-2 Hibernating,  F 3-4 At Risk,          F 5 Can't Lose Them
    static SegmentGrid standard();
};

std::vector<std::int32_t> assign_segments(const std::int32_t* r_score,
                                          const std::int32_t* f_score, std::size_t n,
                                          const SegmentGrid& grid);

}  // namespace crmmine
