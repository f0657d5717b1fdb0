#include "tinynas/space/config_paths.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "tinynas/space/error.hpp"

namespace fs = std::filesystem;

namespace tinynas {

std::string config_dir() {
  if (const char* env = std::getenv("TINYNAS_CONFIG_DIR"); env && *env) return env;
  if (fs::is_directory(TINYNAS_CONFIG_DIR)) return TINYNAS_CONFIG_DIR;
  return TINYNAS_INSTALLED_CONFIG_DIR;
}

std::vector<std::string> list_configs(std::string_view kind) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(config_dir()) / kind, ec)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string resolve_config(std::string_view kind, std::string_view name_or_path) {
  std::string given(name_or_path);
  bool is_path =
      given.find('/') != std::string::npos || (given.size() > 5 && given.compare(given.size() - 5, 5, ".json") == 0);
  if (is_path) {
    if (!fs::exists(given)) throw Error(ErrorCode::kInvalidArgument, "no such file", given);
    return given;
  }
  fs::path path = fs::path(config_dir()) / kind / (given + ".json");
  if (fs::exists(path)) return path.string();
  std::string known;
  for (const auto& n : list_configs(kind)) known += (known.empty() ? "" : ", ") + n;
  std::string singular(kind.substr(0, kind.size() - 1));
  throw Error(ErrorCode::kInvalidArgument,
              "unknown " + singular + " \"" + given + "\" (shipped: " + known + "; or give a path to a .json file)");
}

} // namespace tinynas
