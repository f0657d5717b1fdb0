// `tinynas farm`: execs the Python farm with the arguments that follow "farm".
#include "farm_command.hpp"

#include "child_run.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "tinynas/space/error.hpp"

namespace tinynas::cli {

namespace {

// The interpreter the bindings were built for (Debian's: the farm needs its celery and sqlalchemy), and the
// package of this build first on PYTHONPATH, so `build/bin/tinynas farm` runs the same build's code; an installed
// tinynas finds its package in the interpreter's site directory instead.
std::vector<std::string> farm_command_line(const std::vector<std::string>& args) {
  const std::filesystem::path package_dir = TINYNAS_PYTHON_PACKAGE_DIR;
  std::error_code ec;
  if (std::filesystem::exists(package_dir / "tinynas" / "farm", ec)) {
    const char* old = std::getenv("PYTHONPATH");
    std::string path = package_dir.string() + (old != nullptr && *old != '\0' ? ":" + std::string(old) : "");
    setenv("PYTHONPATH", path.c_str(), 1);
  }
  std::vector<std::string> argv = {TINYNAS_PYTHON, "-m", "tinynas.farm"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<char*> c_argv(std::vector<std::string>& strings) {
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

Error cannot_start(const std::string& why) {
  return Error(ErrorCode::kIo, std::string("cannot start ") + TINYNAS_PYTHON + " for `tinynas farm`: " + why +
                                   " (the farm needs Debian's python3 with python3-celery and python3-sqlalchemy; "
                                   "scripts/install-deps.sh installs them)");
}

} // namespace

int run_farm(const std::vector<std::string>& args) {
  std::vector<std::string> strings = farm_command_line(args);
  std::vector<char*> argv = c_argv(strings);
  execv(argv[0], argv.data());
  throw cannot_start(std::strerror(errno));
}

int run_farm_child(const std::vector<std::string>& args, const std::string& stdout_file) {
  try {
    return run_child(farm_command_line(args), {stdout_file});
  } catch (const Error& e) {
    throw cannot_start(e.message());
  }
}

} // namespace tinynas::cli
