#include "output_files.hpp"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "evaluation_json.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/netconfig.hpp"

namespace tinynas::outputs {

using nlohmann::json;

std::string path_in(const std::string& dir, const char* file) { return (std::filesystem::path(dir) / file).string(); }

void remove_previous_results(const std::string& dir) {
  for (const char* file : {kStage1File, kHistoryFile, kParetoFile, kBestFile, kBestNetconfigFile, kSummaryFile}) {
    std::error_code error;
    std::filesystem::remove(path_in(dir, file), error);
    if (error)
      throw Error(ErrorCode::kIo, "cannot remove the previous search's file: " + error.message(), path_in(dir, file));
  }
}

void write_stage1(const std::string& dir, const Stage1Result& stage1) {
  files::write_file_atomic(path_in(dir, kStage1File), stage1.to_json() + "\n");
}

namespace {

std::string history_lines(const std::vector<Evaluation>& history, std::size_t first) {
  std::string text;
  for (std::size_t i = first; i < history.size(); ++i)
    text += search_json::evaluation_to_json(history[i]).dump() + "\n";
  return text;
}

} // namespace

void rewrite_history(const std::string& dir, const std::vector<Evaluation>& history) {
  files::write_file_atomic(path_in(dir, kHistoryFile), history_lines(history, 0));
}

void append_history(const std::string& dir, const std::vector<Evaluation>& history, std::size_t first_new) {
  files::append_file(path_in(dir, kHistoryFile), history_lines(history, first_new));
}

void write_results(const std::string& dir, const SearchResult& result) {
  const SearchSpace& space = result.config.space;
  const EvolutionResult& evo = result.evolution;

  std::vector<std::size_t> front = evo.pareto;
  std::sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
    const Evaluation& x = evo.history[a];
    const Evaluation& y = evo.history[b];
    if (x.score != y.score) return x.score > y.score;
    return a < b;
  });
  json pareto;
  pareto["format"] = "tinynas-pareto";
  pareto["objectives"] = {{"score", "maximise"}, {"latency_ms", "minimise"}, {"peak_sram_bytes", "minimise"}};
  pareto["estimator"] = {{"name", evo.estimator}, {"proxy", evo.proxy}, {"score_unit", evo.score_unit}};
  pareto["evaluated"] = evo.history.size();
  pareto["points"] = json::array();
  for (std::size_t i : front) {
    json point = search_json::evaluation_to_json(evo.history[i]);
    point["arch"] = json::parse(arch_to_json(evo.history[i].arch, space, -1));
    pareto["points"].push_back(std::move(point));
  }
  files::write_file_atomic(path_in(dir, kParetoFile), pareto.dump(2) + "\n");

  const Evaluation& best = result.best();
  files::write_file_atomic(path_in(dir, kBestFile), arch_to_json(best.arch, space) + "\n");
  files::write_file_atomic(path_in(dir, kBestNetconfigFile), netconfig_from_net(lower_to_net(space, best.arch)) + "\n");
  files::write_file_atomic(path_in(dir, kSummaryFile), summary_markdown(result));
}

} // namespace tinynas::outputs
