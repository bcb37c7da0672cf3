#include "prelude.hpp"

#include <optional>
#include <string>

#include "crmmine/core/baskets.hpp"
#include "crmmine/core/parallel.hpp"

namespace {

py::tuple baskets_from_pairs(const In<std::int32_t>& basket,
                             const In<std::int32_t>& item,
                             const std::optional<In<double>>& quantity,
                             std::int32_t n_baskets, std::int32_t n_items) {
    crmmine::Baskets built;
    {
        py::gil_scoped_release nogil;
        built = crmmine::baskets_from_pairs(
            basket.data(), item.data(), data_or_null(quantity),
            static_cast<std::size_t>(basket.size()), n_baskets, n_items);
    }
    py::object quantities = py::none();
    if (quantity) quantities = to_numpy(std::move(built.quantity()));
    return py::make_tuple(to_numpy(std::move(built.indptr())),
                          to_numpy(std::move(built.items())), quantities);
}

py::tuple parse_fimi(const py::bytes& text) {
    const std::string_view view = text;  // the bytes object stays alive for the call
    crmmine::FimiBaskets parsed;
    {
        py::gil_scoped_release nogil;
        parsed = crmmine::parse_fimi(view);
    }
    return py::make_tuple(to_numpy(std::move(parsed.baskets.indptr())),
                          to_numpy(std::move(parsed.baskets.items())),
                          to_numpy(std::move(parsed.item_ids)));
}

py::array_t<std::int64_t> item_counts(const In<std::int64_t>& indptr,
                                      const In<std::int32_t>& items,
                                      std::int32_t n_items, int n_jobs) {
    const crmmine::BasketsView view{indptr.data(), items.data(), nullptr,
                                    indptr.size() - 1, n_items};
    std::vector<std::int64_t> counts;
    {
        py::gil_scoped_release nogil;
        view.validate();
        counts = crmmine::item_counts(view, n_jobs);
    }
    return to_numpy(std::move(counts));
}

}  // namespace

void register_core(py::module_& m) {
    m.def("set_num_threads", &crmmine::set_num_threads, "n_threads"_a);
    m.def("get_num_threads", &crmmine::get_num_threads);
    m.def("openmp_enabled", &crmmine::openmp_enabled);
    m.def("baskets_from_pairs", &baskets_from_pairs, "basket"_a, "item"_a, "quantity"_a,
          "n_baskets"_a, "n_items"_a);
    m.def("parse_fimi", &parse_fimi, "text"_a);
    m.def("item_counts", &item_counts, "indptr"_a, "items"_a, "n_items"_a, "n_jobs"_a);
}
