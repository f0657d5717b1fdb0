#pragma once
// Private: JSON forms of evaluations and of full arch genes, shared by history.jsonl, the
// checkpoint, pareto.json and the result JSON.

#include <string>

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/search/evolution.hpp"

namespace tinynas::search_json {

// {"id":..,"generation":..,"score":..,"macs":..,"params":..,"peak_sram_bytes":..,
//  "total_sram_bytes":..,"flash_bytes":..,"latency_ms":..}: one history.jsonl line.
nlohmann::json evaluation_to_json(const Evaluation& e);
// The arch is rebuilt from the id (canonical genes). Throws Error(kInvalidFile) naming the file and field.
Evaluation evaluation_from_json(const json_util::Field& f, const SearchSpace& space);

// Every gene, inactive slots included: {"width":..,"resolution":..,"depths":[..],"kernels":[[..],..],
// "expands":[[..],..]}. Checkpoints need them; arch files (arch_to_json) list active blocks only.
nlohmann::json genes_to_json(const Arch& arch);
Arch genes_from_json(const json_util::Field& f, const SearchSpace& space);

} // namespace tinynas::search_json
