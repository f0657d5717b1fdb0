#include "evaluation_json.hpp"

#include "tinynas/space/error.hpp"

namespace tinynas::search_json {

using nlohmann::json;

json evaluation_to_json(const Evaluation& e) {
  json j = {{"id", e.id},
            {"generation", e.generation},
            {"score", e.score},
            {"macs", e.cost.macs},
            {"params", e.cost.params},
            {"peak_sram_bytes", e.cost.peak_sram_bytes},
            {"total_sram_bytes", e.cost.total_sram_bytes},
            {"flash_bytes", e.cost.flash_bytes},
            {"latency_ms", e.cost.latency_ms}};
  // Under a patch schedule (or auto choosing one), which grid and split the figures are for.
  if (e.cost.patches > 0) j["patch"] = {{"patches", e.cost.patches}, {"split_block", e.cost.patch_split_block}};
  return j;
}

Evaluation evaluation_from_json(const json_util::Field& f, const SearchSpace& space) {
  Evaluation e;
  e.id = f.get_string("id");
  e.generation = f.get_int("generation");
  e.score = f.get_double("score");
  e.cost.macs = f.at("macs").as_int64();
  e.cost.params = f.at("params").as_int64();
  e.cost.peak_sram_bytes = f.at("peak_sram_bytes").as_int64();
  e.cost.total_sram_bytes = f.at("total_sram_bytes").as_int64();
  e.cost.flash_bytes = f.at("flash_bytes").as_int64();
  e.cost.latency_ms = f.get_double("latency_ms");
  if (f.has("patch")) {
    e.cost.patches = f.at("patch").get_int("patches");
    e.cost.patch_split_block = f.at("patch").get_int("split_block");
  }
  try {
    e.arch = arch_from_id(e.id, space);
  } catch (const Error& ex) {
    f.at("id").fail(ex.message());
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

Arch genes_from_json(const json_util::Field& f, const SearchSpace& space) {
  Arch a;
  a.width = f.get_double("width");
  a.resolution = f.get_int("resolution");
  const json_util::Field depths = f.at("depths");
  const json_util::Field kernels = f.at("kernels");
  const json_util::Field expands = f.at("expands");
  if (depths.size() != kernels.size() || depths.size() != expands.size())
    f.fail("depths, kernels and expands list different numbers of stages");
  for (std::size_t s = 0; s < depths.size(); ++s)
    a.stages.push_back({depths.at(s).as_int(), kernels.at(s).as_int_list(), expands.at(s).as_int_list()});
  try {
    validate_arch(a, space, f.file());
  } catch (const Error& ex) {
    throw Error(ErrorCode::kInvalidFile, ex.message(), f.file(), f.pointer() + ex.field());
  }
  return a;
}

} // namespace tinynas::search_json
