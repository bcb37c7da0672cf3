// A purchase log in columns: one row per order line, with the customer, the time, the
// amount and the invoice it belongs to. Customers and invoices are dense integer codes;
// their labels stay with the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace crmmine {

// Code of a row whose customer is unknown (anonymous till receipts, say).
inline constexpr std::int32_t missing_customer = -1;

// Non-owning view of a purchase log, the type every algorithm takes.
// Lifetime: as BasketsView, the arrays belong to the caller; they must outlive the view
// and stay unchanged while it is in use.
struct TransactionLogView {
    const std::int32_t* customer =
        nullptr;  // codes in [0, n_customers), or missing_customer
    const std::int64_t* time =
        nullptr;                     // any integer clock: days, seconds, nanoseconds
    const double* amount = nullptr;  // money; negative for returns
    const std::int32_t* invoice = nullptr;  // codes in [0, n_invoices)
    // Optional, one flag per invoice code: 1 where the whole invoice is a cancellation.
    const std::uint8_t* invoice_cancelled = nullptr;
    std::size_t n_rows = 0;
    std::int32_t n_customers = 0;
    std::int32_t n_invoices = 0;

    // True for a row that records a purchase rather than a return or cancellation.
    bool is_purchase(std::size_t row) const noexcept {
        return amount[row] >= 0.0 &&
               !(invoice_cancelled && invoice_cancelled[invoice[row]] != 0);
    }

    // Throws InvalidArgument unless every code is in range and every amount finite.
    void validate(int n_jobs = 0) const;
};

// Owning purchase log.
class TransactionLog {
public:
    TransactionLog() = default;
    // Takes the columns as they are and validates them.
    TransactionLog(std::vector<std::int32_t> customer, std::vector<std::int64_t> time,
                   std::vector<double> amount, std::vector<std::int32_t> invoice,
                   std::int32_t n_customers, std::int32_t n_invoices,
                   std::vector<std::uint8_t> invoice_cancelled = {});

    TransactionLogView view() const noexcept;
    std::size_t n_rows() const noexcept { return customer_.size(); }

private:
    std::vector<std::int32_t> customer_;
    std::vector<std::int64_t> time_;
    std::vector<double> amount_;
    std::vector<std::int32_t> invoice_;
    std::vector<std::uint8_t> invoice_cancelled_;
    std::int32_t n_customers_ = 0;
    std::int32_t n_invoices_ = 0;
};

}  // namespace crmmine
