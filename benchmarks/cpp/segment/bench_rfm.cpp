// Times the C++ RFM kernel alone (no Python conversions) on a synthetic log:
//   bench_rfm [rows] [customers]
// Prints the best of five runs for one thread and for every thread.
#include <crmmine/crmmine.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

crmmine::TransactionLog synthetic_log(std::size_t n_rows, std::int32_t n_customers) {
    std::mt19937_64 rng(1);
    std::vector<std::int32_t> customer(n_rows), invoice(n_rows);
    std::vector<std::int64_t> time(n_rows);
    std::vector<double> amount(n_rows);
    std::int32_t n_invoices = 0;
    std::int32_t buyer = 0;
    for (std::size_t row = 0; row < n_rows; ++row) {
        // Order lines come in invoices of ten lines by one customer, as in a shop's
        // log.
        if (row % 10 == 0) {
            ++n_invoices;
            buyer =
                static_cast<std::int32_t>(rng() % static_cast<unsigned>(n_customers));
        }
        customer[row] = buyer;
        invoice[row] = n_invoices - 1;
        time[row] = static_cast<std::int64_t>(row / 1000);
        amount[row] = static_cast<double>(rng() % 10000) / 100.0;
    }
    return crmmine::TransactionLog(std::move(customer), std::move(time),
                                   std::move(amount), std::move(invoice), n_customers,
                                   n_invoices);
}

double best_seconds(const crmmine::TransactionLog& log, int n_jobs) {
    crmmine::RfmParams params;
    params.n_jobs = n_jobs;
    double best = 1e30;
    for (int repeat = 0; repeat < 5; ++repeat) {
        const auto start = std::chrono::steady_clock::now();
        const crmmine::RfmTable table = crmmine::rfm_table(log.view(), params);
        const crmmine::RfmScores scores = crmmine::rfm_scores(table, 5, n_jobs);
        const std::chrono::duration<double> elapsed =
            std::chrono::steady_clock::now() - start;
        best = std::min(best, elapsed.count());
        if (scores.r.size() != table.size()) std::abort();
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t n_rows =
        argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
    const auto n_customers = static_cast<std::int32_t>(
        argc > 2 ? std::strtol(argv[2], nullptr, 10) : 100'000);
    const crmmine::TransactionLog log = synthetic_log(n_rows, n_customers);
    const int all = crmmine::get_num_threads();
    std::printf("rows=%zu customers=%d\n", n_rows, n_customers);
    std::printf("threads=1   rfm_table+scores best of 5: %.4f s\n",
                best_seconds(log, 1));
    std::printf("threads=%d   rfm_table+scores best of 5: %.4f s\n", all,
                best_seconds(log, all));
    return 0;
}
