#include "crmmine/clv/retention.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "crmmine/clv/detail/likelihood.hpp"
#include "crmmine/core/error.hpp"

namespace crmmine {

std::vector<double> retention_clv(const double* margin, std::size_t n_margin,
                                  const double* retention, std::size_t n_retention,
                                  double discount_rate, std::int64_t horizon) {
    detail::require(std::isfinite(discount_rate) && discount_rate >= 0.0,
                    "discount_rate",
                    "must be finite and >= 0 (per period, 0.1 for 10%)");
    detail::require(horizon >= 0, "horizon",
                    "must be >= 0 periods (0 for an infinite horizon)");
    for (std::size_t i = 0; i < n_margin; ++i)
        if (!(std::isfinite(margin[i])))
            detail::throw_invalid("margin",
                                  "must be finite (row " + std::to_string(i) + ")");
    for (std::size_t i = 0; i < n_retention; ++i)
        if (!(retention[i] >= 0.0 && retention[i] <= 1.0))
            detail::throw_invalid("retention",
                                  "must lie in [0, 1] (row " + std::to_string(i) + ")");
    const std::size_t n =
        detail::broadcast_length(n_margin, "margin", n_retention, "retention");
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double m = margin[n_margin == 1 ? 0 : i];
        const double r = retention[n_retention == 1 ? 0 : i];
        const double q = r / (1.0 + discount_rate);  // one period's survival * discount
        double factor = 0.0;                         // sum_{t=1}^{H} q^t
        if (horizon == 0) {
            factor = q < 1.0 ? q / (1.0 - q) : std::numeric_limits<double>::infinity();
        } else if (q == 1.0) {
            factor = static_cast<double>(horizon);
        } else {
            // q (1 - q^H) / (1 - q) with 1 - q^H = -expm1(H log q), exact for q near 1.
            factor =
                q * -std::expm1(static_cast<double>(horizon) * std::log(q)) / (1.0 - q);
        }
        out[i] = m == 0.0 ? 0.0 : m * factor;
    }
    return out;
}

}  // namespace crmmine
