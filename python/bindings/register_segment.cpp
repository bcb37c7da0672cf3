#include "prelude.hpp"

#include <optional>
#include <string>

#include "crmmine/core/error.hpp"
#include "crmmine/segment/rfm.hpp"

namespace {

crmmine::Monetary monetary_from_name(const std::string& name) {
    if (name == "total") return crmmine::Monetary::total;
    if (name == "mean") return crmmine::Monetary::mean;
    throw crmmine::InvalidArgument("monetary",
                                   "must be 'total' or 'mean', got '" + name + "'");
}

crmmine::Returns returns_from_name(const std::string& name) {
    if (name == "exclude") return crmmine::Returns::exclude;
    if (name == "net") return crmmine::Returns::net;
    throw crmmine::InvalidArgument("returns",
                                   "must be 'exclude' or 'net', got '" + name + "'");
}

py::dict rfm_table(const In<std::int32_t>& customer, const In<std::int64_t>& time,
                   const In<double>& amount, const In<std::int32_t>& invoice,
                   const std::optional<In<std::uint8_t>>& invoice_cancelled,
                   std::int32_t n_customers, std::int32_t n_invoices,
                   std::optional<std::int64_t> analysis_time,
                   std::int64_t ticks_per_day, const std::string& monetary,
                   const std::string& returns, int n_jobs) {
    const auto n = static_cast<std::size_t>(customer.size());
    if (time.size() != customer.size() || amount.size() != customer.size() ||
        invoice.size() != customer.size())
        throw crmmine::TypeMismatch(
            "log", "customer, time, amount and invoice need the same length");
    if (invoice_cancelled && invoice_cancelled->size() != n_invoices)
        throw crmmine::TypeMismatch("invoice_cancelled",
                                    "needs one flag per invoice code");
    const crmmine::TransactionLogView log{customer.data(),
                                          time.data(),
                                          amount.data(),
                                          invoice.data(),
                                          data_or_null(invoice_cancelled),
                                          n,
                                          n_customers,
                                          n_invoices};
    crmmine::RfmParams params;
    params.analysis_time = analysis_time;
    params.ticks_per_day = ticks_per_day;
    params.monetary = monetary_from_name(monetary);
    params.returns = returns_from_name(returns);
    params.n_jobs = n_jobs;
    crmmine::RfmTable table;
    {
        py::gil_scoped_release nogil;
        table = crmmine::rfm_table(log, params);
    }
    return py::dict("customer"_a = to_numpy(std::move(table.customer)),
                    "recency"_a = to_numpy(std::move(table.recency)),
                    "frequency"_a = to_numpy(std::move(table.frequency)),
                    "monetary"_a = to_numpy(std::move(table.monetary)),
                    "analysis_time"_a = table.analysis_time);
}

py::array_t<std::int32_t> quantile_scores(const In<double>& values, int n_bins,
                                          bool reverse) {
    std::vector<std::int32_t> scores;
    {
        py::gil_scoped_release nogil;
        scores = crmmine::quantile_scores(
            values.data(), static_cast<std::size_t>(values.size()), n_bins, reverse);
    }
    return to_numpy(std::move(scores));
}

py::tuple standard_segment_grid() {
    crmmine::SegmentGrid grid = crmmine::SegmentGrid::standard();
    return py::make_tuple(grid.n_bins, to_numpy(std::move(grid.cells)), grid.names);
}

py::array_t<std::int32_t> assign_segments(const In<std::int32_t>& r_score,
                                          const In<std::int32_t>& f_score, int n_bins,
                                          const In<std::int32_t>& cells,
                                          const std::vector<std::string>& names) {
    if (r_score.size() != f_score.size())
        throw crmmine::TypeMismatch("f_score", "needs the same length as r_score");
    crmmine::SegmentGrid grid;
    grid.n_bins = n_bins;
    grid.cells.assign(cells.data(), cells.data() + cells.size());
    grid.names = names;
    std::vector<std::int32_t> segments;
    {
        py::gil_scoped_release nogil;
        segments =
            crmmine::assign_segments(r_score.data(), f_score.data(),
                                     static_cast<std::size_t>(r_score.size()), grid);
    }
    return to_numpy(std::move(segments));
}

}  // namespace

void register_segment(py::module_& m) {
    m.def("rfm_table", &rfm_table, "customer"_a, "time"_a, "amount"_a, "invoice"_a,
          "invoice_cancelled"_a, "n_customers"_a, "n_invoices"_a, "analysis_time"_a,
          "ticks_per_day"_a, "monetary"_a, "returns"_a, "n_jobs"_a);
    m.def("quantile_scores", &quantile_scores, "values"_a, "n_bins"_a, "reverse"_a);
    m.def("standard_segment_grid", &standard_segment_grid);
    m.def("assign_segments", &assign_segments, "r_score"_a, "f_score"_a, "n_bins"_a,
          "cells"_a, "names"_a);
}
