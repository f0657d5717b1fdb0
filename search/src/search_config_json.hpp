#pragma once
// Private: SearchConfig <-> JSON as a value, so the checkpoint embeds the configuration and reads it
// back with errors that point into the checkpoint ("/config/evolution/population").

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/search/search_config.hpp"

namespace tinynas::search_json {

nlohmann::json config_to_json(const SearchConfig& config);
// Throws Error(kInvalidFile) naming the file and field of a malformed or invalid value.
SearchConfig config_from_json(const json_util::Field& f);

} // namespace tinynas::search_json
