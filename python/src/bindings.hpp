#pragma once
// Shared declarations of the pybind11 module tinynas._core. Each bind_*.cpp registers one
// module's API; module.cpp creates the module and calls them in dependency order.

#include <memory>
#include <string>

#include <pybind11/pybind11.h>
// Every translation unit of the module converts STL containers the same way: a file without this header would
// treat std::vector as an opaque type, an ODR violation that crashed at run time (std::bad_array_new_length).
#include <pybind11/stl.h>

#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas::python {

namespace py = pybind11;

// A Python-side arch: the genes plus the space they belong to (needed to lower, validate and
// print it). Immutable from Python.
struct PyArch {
  Arch arch;
  std::shared_ptr<const SearchSpace> space;
};

// The space of a name or path, loaded once per process and shared by every PyArch of it.
std::shared_ptr<const SearchSpace> shared_space(const std::string& name_or_path);

// The network a Python "model" argument describes: a PyArch, a NetSpec, a path to an arch file or
// net config, or a dict (arch or net config). Raises ValueError otherwise.
NetSpec net_of(const py::handle& model, const std::string& default_space = "mcunet");

// json.loads of a JSON string (results cross into Python as plain dicts and lists).
py::object json_to_python(const std::string& text);
std::string python_to_json(const py::handle& object);

// The accuracy options as the Python functions take them (tinynas.evaluate, Profiler.accuracy, accuracy_task).
inline SubnetAccuracyOptions accuracy_options(const std::string& split, int limit, const std::string& data_dir,
                                              int calibration_images, std::uint64_t seed, bool int8 = false) {
  SubnetAccuracyOptions o;
  o.split = split;
  o.limit = limit;
  o.data_dir = data_dir;
  o.calibration_images = calibration_images;
  o.seed = seed;
  o.int8 = int8;
  return o;
}

// Ctrl-C while C++ runs: Python's handler only set a flag, which this reads (with the GIL held) and
// clears, so the caller can stop at its next checkpoint instead of raising KeyboardInterrupt mid-work.
inline bool ctrl_c_pressed() {
  if (PyErr_CheckSignals() == 0) return false;
  PyErr_Clear();
  return true;
}

void bind_errors(py::module_& m);
void bind_space(py::module_& m);
void bind_profiler(py::module_& m);
void bind_search(py::module_& m);
void bind_supernet(py::module_& m);
void bind_hil(py::module_& m);

} // namespace tinynas::python
