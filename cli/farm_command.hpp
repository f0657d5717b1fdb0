#pragma once
// `tinynas farm ...`: the board farm lives in the Python package (tinynas.farm: Celery, SQLAlchemy); this command
// replaces the process with `python3 -m tinynas.farm ...`, the build tree's package first on PYTHONPATH.

#include <string>
#include <vector>

namespace tinynas::cli {

// Does not return unless the interpreter cannot be started: then Error(kIo) naming it.
int run_farm(const std::vector<std::string>& args);

} // namespace tinynas::cli
