// The first include of every binding file: the pybind11 alias, and the helpers that
// move C++ buffers into numpy arrays without a copy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

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

void register_clv(py::module_& m);
void register_core(py::module_& m);
void register_segment(py::module_& m);
