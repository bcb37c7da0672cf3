// The first include of every binding file: the pybind11 alias, and the helpers that
// move C++ buffers into numpy arrays without a copy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crmmine/core/error.hpp"
#include "crmmine/core/transaction_log.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

// Read-only, C-contiguous numpy input of exactly dtype T (the Python layer converts).
template <class T>
using In = py::array_t<T, py::array::c_style>;

// Hands a vector's buffer to numpy; the array owns it from then on.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
    auto* owned = new std::vector<T>(std::move(values));
    py::capsule release(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(),
                          release);
}

// A pointer to the data of an optional numpy argument, or null for None.
template <class T>
const T* data_or_null(const std::optional<In<T>>& array) {
    return array ? array->data() : nullptr;
}

// The enum value a name from the Python layer stands for. An unknown name is an
// error naming the argument and listing the choices: "must be 'a', 'b' or 'c'".
template <class Enum>
Enum enum_from_name(const std::string& name, const char* argument,
                    std::initializer_list<std::pair<const char*, Enum>> choices) {
    std::string listed;
    std::size_t index = 0;
    for (const auto& [key, value] : choices) {
        if (name == key) return value;
        listed += (index == 0 ? "'" : index + 1 == choices.size() ? " or '" : ", '");
        listed += std::string(key) + "'";
        ++index;
    }
    throw crmmine::InvalidArgument(argument,
                                   "must be " + listed + ", got '" + name + "'");
}

void register_churn(py::module_& m);
// A view of the log columns the Python layer passes; checks they line up first.
inline crmmine::TransactionLogView transaction_log_view(
    const In<std::int32_t>& customer, const In<std::int64_t>& time,
    const In<double>& amount, const In<std::int32_t>& invoice,
    const std::optional<In<std::uint8_t>>& invoice_cancelled, std::int32_t n_customers,
    std::int32_t n_invoices) {
    if (time.size() != customer.size() || amount.size() != customer.size() ||
        invoice.size() != customer.size())
        throw crmmine::TypeMismatch(
            "log", "customer, time, amount and invoice need the same length");
    if (invoice_cancelled && invoice_cancelled->size() != n_invoices)
        throw crmmine::TypeMismatch("invoice_cancelled",
                                    "needs one flag per invoice code");
    return {customer.data(),
            time.data(),
            amount.data(),
            invoice.data(),
            data_or_null(invoice_cancelled),
            static_cast<std::size_t>(customer.size()),
            n_customers,
            n_invoices};
}

void register_basket(py::module_& m);
void register_clv(py::module_& m);
void register_core(py::module_& m);
void register_decision_tree(py::module_& m);
void register_segment(py::module_& m);
