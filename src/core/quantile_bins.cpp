#include "crmmine/core/quantile_bins.hpp"

#include <cmath>

namespace crmmine::detail {

std::vector<double> rank_bin_edges(std::size_t n, int n_bins) {
    std::vector<double> edges(static_cast<std::size_t>(n_bins) + 1);
    const double step = 1.0 / n_bins;
    const auto last_index = static_cast<double>(n - 1);
    for (int k = 0; k <= n_bins; ++k) {
        double p = k == n_bins ? 1.0 : k * step;
        if (n_bins * p != k) p = std::nextafter(p, 1.0);
        const double virtual_index = last_index * p;
        double edge = static_cast<double>(n);
        if (virtual_index < last_index) {
            const double below = std::floor(virtual_index);
            const double gamma = virtual_index - below;
            const double a = below + 1.0;  // the rank at sorted position `below`
            const double b = below + 2.0;
            const double diff = b - a;
            edge = gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma;
        }
        edges[static_cast<std::size_t>(k)] = edge;
    }
    return edges;
}

}  // namespace crmmine::detail
