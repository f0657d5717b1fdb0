// Maps tinynas::Error to Python exceptions with the C++ message (file, JSON Pointer, reason):
// bad input -> ValueError (InfeasibleError, a ValueError, when no subnet can fit), an interrupt ->
// KeyboardInterrupt, I/O -> OSError (BoardError, an OSError, when a board, emulator or probe
// failed for good), a broken invariant -> RuntimeError.
#include "bindings.hpp"

#include "tinynas/space/error.hpp"

namespace tinynas::python {

void bind_errors(py::module_& m) {
  static py::exception<Error> infeasible(m, "InfeasibleError", PyExc_ValueError);
  infeasible.doc() = "No subnet of the search space meets the constraints (budgets too small).";
  static py::exception<Error> board(m, "BoardError", PyExc_OSError);
  board.doc() = "A board, emulator or debug probe failed after the retries: not attached, no answer, died or hung.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      switch (e.code()) {
      case ErrorCode::kInvalidArgument:
      case ErrorCode::kInvalidFile:
      case ErrorCode::kOutOfSpace: PyErr_SetString(PyExc_ValueError, e.what()); return;
      case ErrorCode::kInfeasible: PyErr_SetString(infeasible.ptr(), e.what()); return;
      case ErrorCode::kInterrupted: PyErr_SetString(PyExc_KeyboardInterrupt, e.what()); return;
      case ErrorCode::kIo: PyErr_SetString(PyExc_OSError, e.what()); return;
      case ErrorCode::kDevice: PyErr_SetString(board.ptr(), e.what()); return;
      case ErrorCode::kInternal: PyErr_SetString(PyExc_RuntimeError, e.what()); return;
      }
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

} // namespace tinynas::python
