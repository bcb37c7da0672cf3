#include "crmmine/segment/rfm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"
#include "crmmine/core/quantile_bins.hpp"

namespace crmmine {
namespace {

constexpr std::int64_t no_purchase = std::numeric_limits<std::int64_t>::min();

// One customer's running totals. They sit together (32 bytes, two to a cache line)
// because a log visits customers in no particular order: one miss fetches all four.
struct CustomerTotals {
    std::int64_t last_time = no_purchase;
    std::int64_t frequency = 0;
    double money = 0.0;
    double money_error = 0.0;  // Kahan compensation of money

    // Compensated (Kahan) summation in row order, step for step as pandas' groupby sum,
    // so customers whose spend ties in exact arithmetic also tie here and rank as in
    // pandas.
    void add_money(double amount) {
        const double y = amount - money_error;
        const double t = money + y;
        money_error = t - money - y;
        if (std::isnan(money_error)) money_error = 0.0;
        money = t;
    }
};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Each part owns a contiguous range of customer codes and scans every row, so a
// customer's amounts are added in row order whatever the number of parts: the sums, and
// so the whole table, are bit-identical for any thread count.
void accumulate_customer_range(const TransactionLogView& log, Returns returns,
                               std::int32_t first, std::int32_t last,
                               std::vector<CustomerTotals>& totals) {
    // owner[invoice]: the first customer of this range seen on the invoice. A pair that
    // differs goes to `shared`, counted once per distinct pair below; real logs have
    // one customer per invoice, so `shared` stays short (a log where every invoice
    // mixes customers pays for one sort of its rows).
    std::vector<std::int32_t> owner(static_cast<std::size_t>(log.n_invoices),
                                    missing_customer);
    std::vector<std::pair<std::int32_t, std::int32_t>> shared;
    for (std::size_t row = 0; row < log.n_rows; ++row) {
        if ((row & 0xFFFFF) == 0) detail::poll_interrupt();
        const std::int32_t customer = log.customer[row];
        if (customer < first || customer >= last) continue;
        CustomerTotals& mine = totals[static_cast<std::size_t>(customer)];
        if (!log.is_purchase(row)) {
            if (returns == Returns::net) mine.add_money(log.amount[row]);
            continue;
        }
        mine.add_money(log.amount[row]);
        mine.last_time = std::max(mine.last_time, log.time[row]);
        std::int32_t& invoice_owner = owner[static_cast<std::size_t>(log.invoice[row])];
        if (invoice_owner == missing_customer) {
            invoice_owner = customer;
            ++mine.frequency;
        } else if (invoice_owner != customer) {
            shared.emplace_back(customer, log.invoice[row]);
        }
    }
    std::sort(shared.begin(), shared.end());
    shared.erase(std::unique(shared.begin(), shared.end()), shared.end());
    for (const auto& pair : shared)
        ++totals[static_cast<std::size_t>(pair.first)].frequency;
}

std::int64_t last_purchase_time(const TransactionLogView& log, int n_threads) {
    const std::int64_t n_parts = n_threads;
    const auto n = static_cast<std::int64_t>(log.n_rows);
    std::vector<std::int64_t> latest(static_cast<std::size_t>(n_parts), no_purchase);
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        std::int64_t best = no_purchase;
        const auto end =
            static_cast<std::size_t>(detail::part_begin(n, n_parts, part + 1));
        for (auto row = static_cast<std::size_t>(detail::part_begin(n, n_parts, part));
             row < end; ++row)
            if (log.customer[row] != missing_customer && log.is_purchase(row))
                best = std::max(best, log.time[row]);
        latest[static_cast<std::size_t>(part)] = best;
    });
    return *std::max_element(latest.begin(), latest.end());
}

}  // namespace

void RfmParams::validate() const {
    detail::require(ticks_per_day > 0, "ticks_per_day",
                    "must be positive (1 for a clock in days, 86400 for seconds)");
}

RfmTable rfm_table(const TransactionLogView& log, const RfmParams& params) {
    params.validate();
    log.validate(params.n_jobs);
    const int n_threads = resolve_num_threads(params.n_jobs);

    RfmTable table;
    const std::int64_t latest = last_purchase_time(log, n_threads);
    detail::require(
        latest != no_purchase, "log",
        "holds no purchase by a known customer; check the customer column and "
        "that not every row is a return");
    table.analysis_time = params.analysis_time.value_or(latest + params.ticks_per_day);
    detail::require(
        table.analysis_time >= latest, "analysis_date",
        "precedes the last purchase in the log; pass a later date or drop the "
        "purchases after it");

    std::vector<CustomerTotals> totals(static_cast<std::size_t>(log.n_customers));
    const std::int64_t n_parts = std::min<std::int64_t>(n_threads, log.n_customers);
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        accumulate_customer_range(log, params.returns,
                                  static_cast<std::int32_t>(detail::part_begin(
                                      log.n_customers, n_parts, part)),
                                  static_cast<std::int32_t>(detail::part_begin(
                                      log.n_customers, n_parts, part + 1)),
                                  totals);
    });

    for (std::int32_t c = 0; c < log.n_customers; ++c) {
        const auto i = static_cast<std::size_t>(c);
        const CustomerTotals& mine = totals[i];
        if (mine.last_time == no_purchase) continue;
        table.customer.push_back(c);
        table.recency.push_back(
            floor_div(table.analysis_time - mine.last_time, params.ticks_per_day));
        table.frequency.push_back(mine.frequency);
        table.monetary.push_back(params.monetary == Monetary::mean
                                     ? mine.money / static_cast<double>(mine.frequency)
                                     : mine.money);
    }
    return table;
}

std::vector<std::int32_t> quantile_scores(const double* values, std::size_t n,
                                          int n_bins, bool reverse) {
    detail::require(n_bins >= 1, "bins", "must be at least 1");
    detail::require(
        n >= 2, "bins",
        "quantile scores need at least 2 customers, got " + std::to_string(n));
    if (std::any_of(values, values + n, [](double v) { return std::isnan(v); }))
        detail::throw_invalid("values", "must not contain NaN");

    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(
        order.begin(), order.end(),
        [values](std::size_t a, std::size_t b) { return values[a] < values[b]; });

    const std::vector<double> edges = detail::rank_bin_edges(n, n_bins);
    std::vector<std::int32_t> scores(n);
    for (std::size_t position = 0; position < n; ++position) {
        const auto rank = static_cast<double>(position + 1);
        // pandas.cut with right=True, include_lowest=True: the number of edges below
        // the rank.
        auto bin = std::lower_bound(edges.begin(), edges.end(), rank) - edges.begin();
        if (rank == edges.front()) bin = 1;
        const auto score = static_cast<std::int32_t>(bin);
        scores[order[position]] = reverse ? n_bins + 1 - score : score;
    }
    return scores;
}

RfmScores rfm_scores(const RfmTable& table, int n_bins, int n_jobs) {
    const std::size_t n = table.size();
    const std::vector<double> recency(table.recency.begin(), table.recency.end());
    const std::vector<double> frequency(table.frequency.begin(), table.frequency.end());
    RfmScores scores;
    detail::parallel_for(3, resolve_num_threads(n_jobs), [&](std::int64_t column) {
        if (column == 0) scores.r = quantile_scores(recency.data(), n, n_bins, true);
        if (column == 1) scores.f = quantile_scores(frequency.data(), n, n_bins, false);
        if (column == 2)
            scores.m = quantile_scores(table.monetary.data(), n, n_bins, false);
    });
    return scores;
}

void SegmentGrid::validate() const {
    detail::require(n_bins >= 1, "segment_map", "needs at least one score bin");
    detail::require(cells.size() == static_cast<std::size_t>(n_bins) *
                                        static_cast<std::size_t>(n_bins),
                    "segment_map", "needs one segment for every (R, F) score pair");
    for (const std::int32_t code : cells)
        detail::require(code >= 0 && static_cast<std::size_t>(code) < names.size(),
                        "segment_map", "every (R, F) score pair needs a segment name");
}

SegmentGrid SegmentGrid::standard() {
    enum : std::int32_t {
        champions,
        loyal,
        potential,
        newcomer,
        promising,
        attention,
        about_to_sleep,
        at_risk,
        cant_lose,
        hibernating
    };
    SegmentGrid grid;
    grid.n_bins = 5;
    grid.names = {"Champions",      "Loyal Customers", "Potential Loyalists",
                  "New Customers",  "Promising",       "Need Attention",
                  "About to Sleep", "At Risk",         "Can't Lose Them",
                  "Hibernating"};
    // Rows: R score 1..5; columns: F score 1..5.
    grid.cells = {
        hibernating,    hibernating,    at_risk,   at_risk,   cant_lose,  // R 1
        hibernating,    hibernating,    at_risk,   at_risk,   cant_lose,  // R 2
        about_to_sleep, about_to_sleep, attention, loyal,     loyal,      // R 3
        promising,      potential,      potential, loyal,     loyal,      // R 4
        newcomer,       potential,      potential, champions, champions,  // R 5
    };
    return grid;
}

std::vector<std::int32_t> assign_segments(const std::int32_t* r_score,
                                          const std::int32_t* f_score, std::size_t n,
                                          const SegmentGrid& grid) {
    grid.validate();
    std::vector<std::int32_t> segment(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (r_score[i] < 1 || r_score[i] > grid.n_bins || f_score[i] < 1 ||
            f_score[i] > grid.n_bins)
            detail::throw_invalid(
                "segment_map",
                "scores run 1.." + std::to_string(grid.n_bins) +
                    "; build the grid for the same number of bins as the scores");
        segment[i] = grid.cells[static_cast<std::size_t>(
            (r_score[i] - 1) * grid.n_bins + (f_score[i] - 1))];
    }
    return segment;
}

}  // namespace crmmine
