#include "tinynas/search/checkpoint.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "evaluation_json.hpp"
#include "json_util.hpp"
#include "search_config_json.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using nlohmann::json;

namespace {

constexpr int kCheckpointVersion = 1;

std::string checkpoint_path(const std::string& dir) { return (std::filesystem::path(dir) / kCheckpointFile).string(); }

} // namespace

std::string checkpoint_to_json(const SearchConfig& config, const std::string& fingerprint, double width, int resolution,
                               const EvolutionState& s) {
  json j;
  j["format"] = "tinynas-search-checkpoint";
  j["version"] = kCheckpointVersion;
  j["config"] = search_json::config_to_json(config);
  if (!fingerprint.empty()) j["fingerprint"] = fingerprint;
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
  const json j = json_util::parse(text, file);
  const json_util::Field root(j, file);
  if (!j.is_object())
    root.fail(std::string("not a TinyNAS search checkpoint: a JSON object expected, found ") + j.type_name());
  // json defaults: value() with a string or int default throws on a field of another type.
  if (j.value("format", json()) != "tinynas-search-checkpoint")
    throw Error(ErrorCode::kInvalidFile, "not a TinyNAS search checkpoint", file, "/format");
  const json version = j.value("version", json());
  if (version != kCheckpointVersion)
    throw Error(ErrorCode::kInvalidFile,
                "checkpoint version " + version.dump() + " is not supported (expected " +
                    std::to_string(kCheckpointVersion) + ")",
                file, "/version");
  Checkpoint c;
  c.config = search_json::config_from_json(root.at("config"));
  c.fingerprint = root.get_string("fingerprint", "");
  const json_util::Field chosen = root.at("chosen");
  c.width = chosen.get_double("width");
  c.resolution = chosen.get_int("resolution");
  const json_util::Field state = root.at("state");
  c.state.generation = state.get_int("generation");
  c.state.rng_state = state.get_string("rng");
  const json_util::Field population = state.at("population");
  for (std::size_t i = 0; i < population.size(); ++i)
    c.state.population.push_back(search_json::genes_from_json(population.at(i), c.config.space));
  const json_util::Field history = state.at("history");
  for (std::size_t i = 0; i < history.size(); ++i)
    c.state.history.push_back(search_json::evaluation_from_json(history.at(i), c.config.space));
  return c;
}

bool has_checkpoint(const std::string& dir) { return std::filesystem::exists(checkpoint_path(dir)); }

void write_checkpoint(const std::string& dir, const SearchConfig& config, const std::string& fingerprint, double width,
                      int resolution, const EvolutionState& state) {
  files::write_file_atomic(checkpoint_path(dir), checkpoint_to_json(config, fingerprint, width, resolution, state));
}

void refuse_existing_checkpoint(const std::string& out_dir, bool overwrite) {
  if (!out_dir.empty() && !overwrite && has_checkpoint(out_dir))
    throw invalid_option("out", fmt::format("{} already holds a search checkpoint: continue it with `resume` {}, "
                                            "choose another `out`, or pass `overwrite` to start over",
                                            out_dir, out_dir));
}

void require_resumable(const Checkpoint& checkpoint, const SearchConfig& config, const std::string& dir,
                       const std::optional<std::string>& fingerprint) {
  SearchConfig compared = config;
  if (!checkpoint.fingerprint.empty()) // the supernet counts by its weights, wherever it is now
    compared.estimator_options.supernet = checkpoint.config.estimator_options.supernet;
  const std::string difference = search_config_difference(checkpoint.config, compared);
  if (!difference.empty())
    throw invalid_option("resume", fmt::format("the search checkpointed in {} differs from this one ({}); resume "
                                               "with the same options (only `generations` may grow)",
                                               dir, difference));
  if (fingerprint && !checkpoint.fingerprint.empty() && *fingerprint != checkpoint.fingerprint)
    throw invalid_option("supernet", fmt::format("{} is not the supernet the search checkpointed in {} scored with "
                                                 "({}, the checkpoint's {}): resume with that supernet, or start a "
                                                 "new search",
                                                 config.estimator_options.supernet, dir,
                                                 fingerprint->empty() ? "none" : *fingerprint, checkpoint.fingerprint));
  if (config.evolution.generations < checkpoint.state.generation)
    throw invalid_option("generations",
                         fmt::format("{} is too few: the checkpoint in {} has already done {} generations",
                                     config.evolution.generations, dir, checkpoint.state.generation));
}

Checkpoint read_checkpoint(const std::string& dir) {
  const std::string path = checkpoint_path(dir);
  if (!std::filesystem::exists(path))
    throw invalid_option("resume", "no " + std::string(kCheckpointFile) + " in " + dir +
                                       " (a search writes one there as it starts)");
  return checkpoint_from_json(files::read_file(path), path);
}

} // namespace tinynas
