#include "crmmine/core/transaction_log.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "crmmine/core/error.hpp"
#include "crmmine/core/parallel.hpp"

namespace crmmine {
namespace {

// The first bad row of [begin, end), or end when all are good.
std::size_t first_bad_row(const TransactionLogView& log, std::size_t begin,
                          std::size_t end) {
    for (std::size_t row = begin; row < end; ++row) {
        const std::int32_t customer = log.customer[row];
        const std::int32_t invoice = log.invoice[row];
        if (customer < missing_customer || customer >= log.n_customers || invoice < 0 ||
            invoice >= log.n_invoices || !std::isfinite(log.amount[row]))
            return row;
    }
    return end;
}

[[noreturn]] void report_bad_row(const TransactionLogView& log, std::size_t row) {
    const std::string where = " at row " + std::to_string(row);
    if (!std::isfinite(log.amount[row]))
        detail::throw_invalid("amount", "must be finite; found " +
                                            std::to_string(log.amount[row]) + where +
                                            " (drop or fill missing amounts first)");
    if (log.invoice[row] < 0 || log.invoice[row] >= log.n_invoices)
        detail::throw_invalid("invoice", "code " + std::to_string(log.invoice[row]) +
                                             where + " is outside [0, n_invoices)");
    detail::throw_invalid("customer", "code " + std::to_string(log.customer[row]) +
                                          where + " is outside [-1, n_customers)");
}

}  // namespace

void TransactionLogView::validate(int n_jobs) const {
    detail::require(n_customers >= 0 && n_invoices >= 0, "log",
                    "counts of customers and invoices must not be negative");
    detail::require(n_rows == 0 || (customer && time && amount && invoice), "log",
                    "every column (customer, time, amount, invoice) is required");
    const int n_threads = resolve_num_threads(n_jobs);
    const std::int64_t n_parts = n_threads;
    const auto n = static_cast<std::int64_t>(n_rows);
    std::vector<std::size_t> bad(static_cast<std::size_t>(n_parts), n_rows);
    detail::parallel_for(n_parts, n_threads, [&](std::int64_t part) {
        const auto end =
            static_cast<std::size_t>(detail::part_begin(n, n_parts, part + 1));
        const std::size_t row = first_bad_row(
            *this, static_cast<std::size_t>(detail::part_begin(n, n_parts, part)), end);
        if (row < end) bad[static_cast<std::size_t>(part)] = row;
    });
    for (const std::size_t row : bad)
        if (row < n_rows) report_bad_row(*this, row);
}

TransactionLog::TransactionLog(std::vector<std::int32_t> customer,
                               std::vector<std::int64_t> time,
                               std::vector<double> amount,
                               std::vector<std::int32_t> invoice,
                               std::int32_t n_customers, std::int32_t n_invoices,
                               std::vector<std::uint8_t> invoice_cancelled)
    : customer_(std::move(customer)),
      time_(std::move(time)),
      amount_(std::move(amount)),
      invoice_(std::move(invoice)),
      invoice_cancelled_(std::move(invoice_cancelled)),
      n_customers_(n_customers),
      n_invoices_(n_invoices) {
    const std::size_t n = customer_.size();
    detail::require(time_.size() == n && amount_.size() == n && invoice_.size() == n,
                    "log", "customer, time, amount and invoice need the same length");
    detail::require(
        invoice_cancelled_.empty() ||
            invoice_cancelled_.size() == static_cast<std::size_t>(n_invoices_),
        "invoice_cancelled", "needs one flag per invoice code, or none");
    view().validate();
}

TransactionLogView TransactionLog::view() const noexcept {
    return {customer_.data(),
            time_.data(),
            amount_.data(),
            invoice_.data(),
            invoice_cancelled_.empty() ? nullptr : invoice_cancelled_.data(),
            customer_.size(),
            n_customers_,
            n_invoices_};
}

}  // namespace crmmine
