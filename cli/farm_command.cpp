// `tinynas farm`: execs the Python farm with the arguments that follow "farm".
#include "farm_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "tinynas/space/error.hpp"

namespace tinynas::cli {

int run_farm(const std::vector<std::string>& args) {
  // The interpreter the bindings were built for (Debian's: the farm needs its celery and sqlalchemy), and the
  // package of this build, so `build/bin/tinynas farm` runs the same build's code; an installed tinynas finds
  // its package in the interpreter's site directory instead.
  const std::string python = TINYNAS_PYTHON;
  const std::filesystem::path package_dir = TINYNAS_PYTHON_PACKAGE_DIR;
  std::error_code ec;
  if (std::filesystem::exists(package_dir / "tinynas" / "farm", ec)) {
    const char* old = std::getenv("PYTHONPATH");
    std::string path = package_dir.string() + (old != nullptr && *old != '\0' ? ":" + std::string(old) : "");
    setenv("PYTHONPATH", path.c_str(), 1);
  }
  std::vector<std::string> argv_strings = {python, "-m", "tinynas.farm"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  execv(python.c_str(), argv.data());
  throw Error(ErrorCode::kIo, "cannot start " + python + " for `tinynas farm`: " + std::strerror(errno) +
                                  " (the farm needs Debian's python3 with python3-celery and python3-sqlalchemy; "
                                  "scripts/install-deps.sh installs them)");
}

} // namespace tinynas::cli
