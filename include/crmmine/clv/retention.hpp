// Retention-based customer lifetime value for contractual settings (Gupta & Lehmann
// 2003, "Customers as Assets"; 2005, "Managing Customers as Investments"): a customer
// acquired now yields margin m at the end of every period in which they are still
// retained, each period independently with probability r, discounted at rate d per
// period:
//   infinite horizon  CLV = sum_{t>=1} m r^t / (1 + d)^t = m r / (1 + d - r),
//   horizon H         CLV = sum_{t=1}^{H} m r^t / (1 + d)^t,
// so the finite form tends to the infinite one as H grows. (The start-of-period
// convention, sum_{t=0}^{H-1} m r^t / (1 + d)^t, which counts the current period's
// margin as certain, is this value times (1 + d) / r.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace crmmine {

// margin and retention hold 1 or a common number of values (broadcast); retention in
// [0, 1], discount_rate >= 0, horizon >= 0 periods (0: infinite). With d = 0, r = 1 and
// an infinite horizon the value diverges: +-infinity (0 for a zero margin).
std::vector<double> retention_clv(const double* margin, std::size_t n_margin,
                                  const double* retention, std::size_t n_retention,
                                  double discount_rate, std::int64_t horizon);

}  // namespace crmmine
