// Builds the module crmmine._core; each register_<task> file adds one task's functions.
#include "prelude.hpp"

#include "crmmine/core/error.hpp"
#include "crmmine/core/interrupt.hpp"
#include "crmmine/version.hpp"

namespace {

// Runs Python's signal handlers so Ctrl-C reaches C++ work running without the GIL; the
// KeyboardInterrupt itself is raised again when the Interrupted exception is
// translated.
bool python_interrupt_pending() {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return false;
    PyErr_Clear();
    return true;
}

void translate_errors(std::exception_ptr error) {
    try {
        if (error) std::rethrow_exception(error);
    } catch (const crmmine::TypeMismatch& e) {
        PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const crmmine::InvalidArgument& e) {
        PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const crmmine::Interrupted&) {
        PyErr_SetNone(PyExc_KeyboardInterrupt);
    }
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "crmmine's compiled kernels; use the crmmine package instead.";
    m.attr("__version__") = crmmine::version_string;
    m.attr("_build_flags") = CRMMINE_CXX_FLAGS;
    py::register_exception<crmmine::ResourceLimitExceeded>(m, "ResourceLimitError",
                                                           PyExc_MemoryError);
    py::register_exception_translator(&translate_errors);
    crmmine::set_interrupt_check(&python_interrupt_pending);
    register_clv(m);
    register_core(m);
    register_basket(m);
    register_segment(m);
    register_churn(m);
    register_decision_tree(m);
}
