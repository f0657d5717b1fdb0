#pragma once
// `tinynas farm ...`: the board farm lives in the Python package (tinynas.farm: Celery, SQLAlchemy); this command
// replaces the process with `python3 -m tinynas.farm ...`, the build tree's package first on PYTHONPATH.

#include <string>
#include <vector>

namespace tinynas::cli {

// Does not return unless the interpreter cannot be started: then Error(kIo) naming it.
int run_farm(const std::vector<std::string>& args);

// Runs `python3 -m tinynas.farm ARGS` as a child with its stdout in `stdout_file` (stderr stays ours: its progress
// shows) and returns its exit status. Error(kIo) when it cannot be started.
int run_farm_child(const std::vector<std::string>& args, const std::string& stdout_file);

} // namespace tinynas::cli
