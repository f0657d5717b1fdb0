#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bindings.hpp"
#include "tinynas/space/error.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "TinyNAS compiled core. Use the `tinynas` package, which re-exports this API.";
  using namespace tinynas::python;
  bind_errors(m);
  bind_space(m);
  bind_profiler(m);
  bind_search(m);
  bind_supernet(m);
  bind_hil(m);

  m.def(
      "set_log_level",
      [](const std::string& level) {
        auto parsed = spdlog::level::from_str(level);
        if (parsed == spdlog::level::off && level != "off")
          throw tinynas::Error(tinynas::ErrorCode::kInvalidArgument,
                               "unknown log level \"" + level + "\" (trace, debug, info, warn, error, off)");
        spdlog::set_level(parsed);
      },
      py::arg("level"), "Level of the core's log messages on stderr: trace, debug, info, warn (default), error, off.");
  // The core's log lines go to stderr, as the CLI's do: a script's stdout carries its results (JSON) alone.
  spdlog::set_default_logger(spdlog::stderr_color_mt("tinynas_core"));
  // Notebooks show progress bars; the core's info lines would only repeat them.
  spdlog::set_level(spdlog::level::warn);
}
