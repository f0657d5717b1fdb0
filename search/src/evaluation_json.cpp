#include "evaluation_json.hpp"

#include "tinynas/space/error.hpp"

namespace tinynas::search_json {

using nlohmann::json;

json evaluation_to_json(const Evaluation& e) {
  return {{"id", e.id},
          {"generation", e.generation},
          {"score", e.score},
          {"macs", e.cost.macs},
          {"params", e.cost.params},
          {"peak_sram_bytes", e.cost.peak_sram_bytes},
          {"total_sram_bytes", e.cost.total_sram_bytes},
          {"flash_bytes", e.cost.flash_bytes},
          {"latency_ms", e.cost.latency_ms}};
}

Evaluation evaluation_from_json(const json& j, const SearchSpace& space, const std::string& file,
                                const std::string& field) {
  Evaluation e;
  try {
    e.id = j.at("id").get<std::string>();
    e.generation = j.at("generation").get<int>();
    e.score = j.at("score").get<double>();
    e.cost.macs = j.at("macs").get<std::int64_t>();
    e.cost.params = j.at("params").get<std::int64_t>();
    e.cost.peak_sram_bytes = j.at("peak_sram_bytes").get<std::int64_t>();
    e.cost.total_sram_bytes = j.at("total_sram_bytes").get<std::int64_t>();
    e.cost.flash_bytes = j.at("flash_bytes").get<std::int64_t>();
    e.cost.latency_ms = j.at("latency_ms").get<double>();
  } catch (const json::exception& ex) {
    throw Error(ErrorCode::kInvalidFile, std::string("malformed evaluation: ") + ex.what(), file, field);
  }
  try {
    e.arch = arch_from_id(e.id, space);
  } catch (const Error& ex) {
    throw Error(ErrorCode::kInvalidFile, ex.message(), file, field + "/id");
  }
  return e;
}

json genes_to_json(const Arch& arch) {
  json depths = json::array(), kernels = json::array(), expands = json::array();
  for (const StageGenes& g : arch.stages) {
    depths.push_back(g.depth);
    kernels.push_back(g.kernels);
    expands.push_back(g.expands);
  }
  return {{"width", arch.width},
          {"resolution", arch.resolution},
          {"depths", depths},
          {"kernels", kernels},
          {"expands", expands}};
}

Arch genes_from_json(const json& j, const SearchSpace& space, const std::string& file, const std::string& field) {
  Arch a;
  try {
    a.width = j.at("width").get<double>();
    a.resolution = j.at("resolution").get<int>();
    const json& depths = j.at("depths");
    const json& kernels = j.at("kernels");
    const json& expands = j.at("expands");
    if (depths.size() != kernels.size() || depths.size() != expands.size())
      throw Error(ErrorCode::kInvalidFile, "depths, kernels and expands list different numbers of stages", file, field);
    for (std::size_t s = 0; s < depths.size(); ++s)
      a.stages.push_back(
          {depths[s].get<int>(), kernels[s].get<std::vector<int>>(), expands[s].get<std::vector<int>>()});
  } catch (const json::exception& ex) {
    throw Error(ErrorCode::kInvalidFile, std::string("malformed genes: ") + ex.what(), file, field);
  }
  try {
    validate_arch(a, space, file);
  } catch (const Error& ex) {
    throw Error(ErrorCode::kInvalidFile, ex.message(), file, field + ex.field());
  }
  return a;
}

} // namespace tinynas::search_json
