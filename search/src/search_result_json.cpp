// The result of a search as one JSON object: what `tinynas search --json` prints and what the
// Python bindings turn into a dict.
#include <nlohmann/json.hpp>

#include "constraints_json.hpp"
#include "evaluation_json.hpp"
#include "tinynas/search/search_run.hpp"

namespace tinynas {

using nlohmann::json;

std::string SearchResult::best_to_json(int indent) const {
  const Evaluation& b = best();
  json best_json = search_json::evaluation_to_json(b);
  best_json["arch"] = json::parse(arch_to_json(b.arch, config.space, -1));
  best_json["fits"] = fits(b.cost, config.constraints);
  // As analyze's JSON has it: what the halo adds to "macs" (the network's own MACs are the difference).
  if (best_json.contains("patch")) best_json["patch"]["extra_macs"] = recomputed_macs(config.space, b.arch, b.cost);
  return best_json.dump(indent);
}

std::string SearchResult::to_json(int indent) const {
  json j;
  j["best"] = json::parse(best_to_json());
  j["estimator"] = {{"name", evolution.estimator}, {"proxy", evolution.proxy}, {"score_unit", evolution.score_unit}};
  j["space"] = config.space.name;
  j["budgets"] = search_json::budgets_to_json(config.constraints);
  const PairStats& pair = stage1.chosen_pair();
  j["stage1"] = {{"rule", stage1_rule_name(config.stage1.rule)},
                 {"fallback", stage1.fallback},
                 {"chosen",
                  {{"width", pair.width},
                   {"resolution", pair.resolution},
                   {"fit_fraction", pair.fit_fraction},
                   {"mean_macs", pair.mean_macs},
                   {"quantile_macs", pair.quantile_macs}}}};
  j["evaluations"] = evolution.history.size();
  j["generations"] = evolution.generations;
  j["best_score_per_generation"] = evolution.best_score_per_generation;
  j["pareto_size"] = evolution.pareto.size();
  j["out_dir"] = out_dir.empty() ? json(nullptr) : json(out_dir);
  return j.dump(indent);
}

} // namespace tinynas
