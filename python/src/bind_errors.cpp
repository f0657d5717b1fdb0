// Maps tinynas::Error to Python exceptions with the C++ message (file, JSON Pointer, reason):
// bad input -> ValueError (InfeasibleError, a ValueError, when no subnet can fit), an interrupt ->
// KeyboardInterrupt, I/O -> OSError (BoardError, an OSError, when a board, emulator or probe
// failed for good), a broken invariant -> RuntimeError.
#include "bindings.hpp"

#include <cstring>

#include "tinynas/space/error.hpp"

namespace tinynas::python {

namespace {

// Sets a Python exception of `type` with `message`. Messages quote file contents and names, which
// need not be UTF-8: undecodable bytes become \xNN escapes (PyErr_SetString would leave an empty,
// unrelated decoding error instead).
void set_error(PyObject* type, const char* message) {
  PyObject* text = PyUnicode_DecodeUTF8(message, static_cast<Py_ssize_t>(std::strlen(message)), "backslashreplace");
  if (text == nullptr) return; // the decoder's own error stands
  PyErr_SetObject(type, text);
  Py_DECREF(text);
}

} // namespace

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
      case ErrorCode::kOutOfSpace: set_error(PyExc_ValueError, e.what()); return;
      case ErrorCode::kInfeasible: set_error(infeasible.ptr(), e.what()); return;
      case ErrorCode::kInterrupted: set_error(PyExc_KeyboardInterrupt, e.what()); return;
      case ErrorCode::kIo: set_error(PyExc_OSError, e.what()); return;
      case ErrorCode::kDevice: set_error(board.ptr(), e.what()); return;
      case ErrorCode::kInternal: set_error(PyExc_RuntimeError, e.what()); return;
      }
      set_error(PyExc_RuntimeError, e.what());
    }
  });
}

} // namespace tinynas::python
