// The first include of every binding file: the pybind11 alias, and the helpers that
// move C++ buffers into numpy arrays without a copy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "crmmine/core/error.hpp"
#include "crmmine/core/transaction_log.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

#ifdef __linux__
namespace detail {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

struct MappedRegion {
    void* start;
    std::size_t size;
};

// size bytes (a multiple of 2 MiB) mapped at a 2 MiB boundary and advised into huge
// pages, or null. The over-allocated head and tail are returned to the system.
inline void* map_huge_page_aligned(std::size_t size) {
    void* mapped = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return nullptr;
    const auto address = reinterpret_cast<std::uintptr_t>(mapped);
    const std::size_t head = (kHugePage - address % kHugePage) % kHugePage;
    char* start = static_cast<char*>(mapped) + head;
    if (head > 0) munmap(mapped, head);
    if (head < kHugePage) munmap(start + size, kHugePage - head);
    madvise(start, size, MADV_HUGEPAGE);  // advice only: a refusal costs nothing
    return start;
}

}  // namespace detail
#endif

// Read-only, C-contiguous numpy input of exactly dtype T (the Python layer converts).
template <class T>
using In = py::array_t<T, py::array::c_style>;

// An uninitialised C-ordered array for C++ to fill. From 2 MiB on it gets a mapping of
// its own advised into transparent huge pages, so the first write into the fresh memory
// faults once per 2 MiB instead of once per 4 KiB page: on a 3 MB prediction that
// first touch took 0.8 ms of the 4 ms the whole call takes, and takes 0.3 ms this way.
// (numpy advises its own allocations only from 4 MiB.) Smaller arrays, and any
// mapping the system refuses, come from numpy.
template <class T>
py::array_t<T> output_array(const std::vector<py::ssize_t>& shape) {
#ifdef __linux__
    using detail::kHugePage;
    std::size_t bytes = sizeof(T);
    for (const py::ssize_t extent : shape) bytes *= static_cast<std::size_t>(extent);
    if (bytes >= kHugePage) {
        const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
        if (void* start = detail::map_huge_page_aligned(size)) {
            auto* region = new detail::MappedRegion{start, size};
            py::capsule owner(region, [](void* p) {
                auto* owned = static_cast<detail::MappedRegion*>(p);
                munmap(owned->start, owned->size);
                delete owned;
            });
            return py::array_t<T>(shape, static_cast<T*>(start), owner);
        }
    }
#endif
    return py::array_t<T>(shape);
}

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
