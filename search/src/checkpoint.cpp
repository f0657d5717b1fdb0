#include "tinynas/search/checkpoint.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "evaluation_json.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using nlohmann::json;

namespace {

constexpr int kCheckpointVersion = 1;

std::string checkpoint_path(const std::string& dir) { return (std::filesystem::path(dir) / kCheckpointFile).string(); }

} // namespace

std::string checkpoint_to_json(const SearchConfig& config, double width, int resolution, const EvolutionState& s) {
  json j;
  j["format"] = "tinynas-search-checkpoint";
  j["version"] = kCheckpointVersion;
  j["config"] = json::parse(search_config_to_json(config));
  j["chosen"] = {{"width", width}, {"resolution", resolution}};
  json& state = j["state"];
  state["generation"] = s.generation;
  state["rng"] = s.rng_state;
  state["population"] = json::array();
  for (const Arch& a : s.population) state["population"].push_back(search_json::genes_to_json(a));
  state["history"] = json::array();
  for (const Evaluation& e : s.history) state["history"].push_back(search_json::evaluation_to_json(e));
  return j.dump(); // compact: thousands of evaluations, rewritten every generation
}

Checkpoint checkpoint_from_json(std::string_view text, const std::string& file) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(ErrorCode::kInvalidFile, "the checkpoint is not a JSON object", file);
  if (j.value("format", "") != "tinynas-search-checkpoint")
    throw Error(ErrorCode::kInvalidFile, "not a TinyNAS search checkpoint", file, "/format");
  if (j.value("version", 0) != kCheckpointVersion)
    throw Error(ErrorCode::kInvalidFile,
                "checkpoint version " + j.value("version", json(nullptr)).dump() + " is not supported (expected " +
                    std::to_string(kCheckpointVersion) + ")",
                file, "/version");
  Checkpoint c;
  if (!j.contains("config") || !j.contains("chosen") || !j.contains("state"))
    throw Error(ErrorCode::kInvalidFile, "the checkpoint needs \"config\", \"chosen\" and \"state\"", file);
  c.config = search_config_from_json(j["config"].dump(), file);
  try {
    c.width = j["chosen"].at("width").get<double>();
    c.resolution = j["chosen"].at("resolution").get<int>();
    const json& state = j["state"];
    c.state.generation = state.at("generation").get<int>();
    c.state.rng_state = state.at("rng").get<std::string>();
    const json& population = state.at("population");
    for (std::size_t i = 0; i < population.size(); ++i)
      c.state.population.push_back(
          search_json::genes_from_json(population[i], c.config.space, file, "/state/population/" + std::to_string(i)));
    const json& history = state.at("history");
    for (std::size_t i = 0; i < history.size(); ++i)
      c.state.history.push_back(
          search_json::evaluation_from_json(history[i], c.config.space, file, "/state/history/" + std::to_string(i)));
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kInvalidFile, std::string("malformed checkpoint: ") + e.what(), file);
  }
  return c;
}

bool has_checkpoint(const std::string& dir) { return std::filesystem::exists(checkpoint_path(dir)); }

void write_checkpoint(const std::string& dir, const SearchConfig& config, double width, int resolution,
                      const EvolutionState& state) {
  files::write_file_atomic(checkpoint_path(dir), checkpoint_to_json(config, width, resolution, state));
}

Checkpoint read_checkpoint(const std::string& dir) {
  const std::string path = checkpoint_path(dir);
  if (!std::filesystem::exists(path))
    throw Error(ErrorCode::kInvalidArgument, "--resume: no " + std::string(kCheckpointFile) + " in " + dir +
                                                 " (a search writes one there after its first generation)");
  return checkpoint_from_json(files::read_file(path), path);
}

} // namespace tinynas
