#pragma once
// A child process run to its end from a command: `tinynas farm` (Python), `tinynas deploy`'s CMake build.

#include <string>
#include <vector>

namespace tinynas::cli {

struct ChildOutput {
  std::string stdout_file; // "" = ours
  bool stderr_too = false; // stderr into stdout_file as well (a build log)
};

// Runs argv (argv[0] searched on PATH) and returns its exit status (128 + signal when killed). Throws Error(kIo)
// naming the program when it cannot be started.
int run_child(const std::vector<std::string>& argv, const ChildOutput& output = {});

} // namespace tinynas::cli
