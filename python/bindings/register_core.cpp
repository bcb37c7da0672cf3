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

py::tuple baskets_from_onehot(const py::array_t<std::uint8_t, 0>& cells) {
    if (cells.ndim() != 2)
        throw py::value_error("cells must be a 2-d table (baskets x items)");
    crmmine::Baskets built;
    {
        py::gil_scoped_release nogil;
        built = crmmine::baskets_from_onehot(cells.data(), cells.shape(0),
                                             static_cast<std::int32_t>(cells.shape(1)),
                                             cells.strides(0), cells.strides(1));
    }
    return py::make_tuple(to_numpy(std::move(built.indptr())),
                          to_numpy(std::move(built.items())));
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

// The sizes of a list of baskets, or nothing when one is not a list or tuple (the
// caller's general path then says what is wrong).
std::optional<py::array_t<std::int64_t>> basket_lengths(PyObject* baskets,
                                                        Py_ssize_t& total) {
    const Py_ssize_t n = PyList_GET_SIZE(baskets);
    py::array_t<std::int64_t> lengths(n);
    std::int64_t* length = lengths.mutable_data();
    total = 0;
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* basket = PyList_GET_ITEM(baskets, i);
        if (!PyList_Check(basket) && !PyTuple_Check(basket)) return std::nullopt;
        length[i] = PySequence_Fast_GET_SIZE(basket);
        total += length[i];
    }
    return lengths;
}

// Calls visit(item) on every item of every basket, in order, until it returns false.
template <class Visit>
bool for_each_item(PyObject* baskets, Visit&& visit) {
    const Py_ssize_t n = PyList_GET_SIZE(baskets);
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* basket = PyList_GET_ITEM(baskets, i);
        PyObject** items = PySequence_Fast_ITEMS(basket);
        const Py_ssize_t size = PySequence_Fast_GET_SIZE(basket);
        for (Py_ssize_t j = 0; j < size; ++j)
            if (!visit(items[j])) return false;
    }
    return true;
}

// The items of a list of baskets (lists or tuples) in one pass over the Python
// objects, as (lengths, values, labels): values the int64 items and labels None when
// every item is an int of 64 bits; otherwise values int32 codes in first-seen order
// and labels the distinct items, found by dict lookups (so items compare as pandas'
// object factorize compares them). None when a basket is not a list or tuple.
py::object flatten_baskets(const py::list& baskets) {
    Py_ssize_t total = 0;
    auto lengths = basket_lengths(baskets.ptr(), total);
    if (!lengths) return py::none();
    py::array_t<std::int64_t> ints(total);
    std::int64_t* next_int = ints.mutable_data();
    const bool all_ints = for_each_item(baskets.ptr(), [&](PyObject* item) {
        if (!PyLong_CheckExact(item)) return false;
        int overflow = 0;
        *next_int++ = PyLong_AsLongLongAndOverflow(item, &overflow);
        return overflow == 0;
    });
    if (all_ints) return py::make_tuple(*lengths, ints, py::none());
    py::array_t<std::int32_t> codes(total);
    std::int32_t* next_code = codes.mutable_data();
    py::dict code_of;
    py::list labels;
    for_each_item(baskets.ptr(), [&](PyObject* item) {
        PyObject* known = PyDict_GetItemWithError(code_of.ptr(), item);
        if (known != nullptr) {
            *next_code++ = static_cast<std::int32_t>(PyLong_AsLong(known));
            return true;
        }
        if (PyErr_Occurred()) throw py::error_already_set();  // an unhashable item
        const auto code = static_cast<std::int32_t>(PyList_GET_SIZE(labels.ptr()));
        code_of[py::handle(item)] = code;
        labels.append(py::handle(item));
        *next_code++ = code;
        return true;
    });
    return py::make_tuple(*lengths, codes, labels);
}

}  // namespace

void register_core(py::module_& m) {
    m.def("set_num_threads", &crmmine::set_num_threads, "n_threads"_a);
    m.def("get_num_threads", &crmmine::get_num_threads);
    m.def("openmp_enabled", &crmmine::openmp_enabled);
    m.def("baskets_from_pairs", &baskets_from_pairs, "basket"_a, "item"_a, "quantity"_a,
          "n_baskets"_a, "n_items"_a);
    m.def("baskets_from_onehot", &baskets_from_onehot, "cells"_a);
    m.def("parse_fimi", &parse_fimi, "text"_a);
    m.def("flatten_baskets", &flatten_baskets, "baskets"_a);
    m.def("item_counts", &item_counts, "indptr"_a, "items"_a, "n_items"_a, "n_jobs"_a);
}
