// Equal-frequency bins on ranks, exactly as pandas.qcut cuts the ranks 1..n; shared by
// the RFM scores and the churn lift tables so both agree with pandas on every boundary.
#pragma once

#include <cstddef>
#include <vector>

namespace crmmine::detail {

// The n_bins + 1 edges pandas.qcut puts on the ranks 1..n: numpy's linear-interpolation
// quantile at np.linspace(0, 1, n_bins + 1), each nudged up one ulp where it is not
// exact (pandas 3), computed with the same floating-point steps so that a rank on a
// boundary lands in the same bin as in pandas.
std::vector<double> rank_bin_edges(std::size_t n, int n_bins);

}  // namespace crmmine::detail
