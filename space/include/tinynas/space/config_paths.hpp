#pragma once
// Where shipped data (configs/spaces, configs/boards) is found: $TINYNAS_CONFIG_DIR if set, else
// the source tree's configs/ the build was configured from, else <install prefix>/share/tinynas/configs.

#include <string>
#include <string_view>
#include <vector>

namespace tinynas {

std::string config_dir();

// "mcunet" -> "<config_dir>/spaces/mcunet.json"; anything with a '/' or ending in ".json" is taken
// as a path as is. Throws Error(kInvalidArgument) listing the shipped names when nothing matches.
std::string resolve_config(std::string_view kind, std::string_view name_or_path);

// Names (file stems) of the shipped configs of a kind ("spaces", "boards"), sorted.
std::vector<std::string> list_configs(std::string_view kind);

} // namespace tinynas
