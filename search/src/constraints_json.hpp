#pragma once
// Private: Constraints <-> JSON, shared by stage1.json, the checkpoint and the result JSON. The
// checkpoint form embeds the whole board (Board::to_json) so a resumed search uses exactly the
// board it started with even if configs/boards changed since.

#include <string>

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/search/constraints.hpp"

namespace tinynas::search_json {

// {"sram_bytes":..,"flash_bytes":..,"latency_ms":null|..,"board":"name","schedule":"inplace-dw",
//  "patch":{"patches":4,"split_block":-1}}
nlohmann::json budgets_to_json(const Constraints& constraints);

// budgets_to_json plus "board_config": the full board.
nlohmann::json constraints_to_json(const Constraints& constraints);
// Inverse of constraints_to_json; throws Error(kInvalidFile) naming the file and field on malformed input.
Constraints constraints_from_json(const json_util::Field& f);

} // namespace tinynas::search_json
