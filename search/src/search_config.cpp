#include "tinynas/search/search_config.hpp"

#include <nlohmann/json.hpp>

#include "constraints_json.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using nlohmann::json;

void validate(const SearchConfig& config) {
  validate(config.stage1);
  validate(config.evolution);
}

namespace {

json config_json(const SearchConfig& c) {
  json j;
  j["space"] = json::parse(c.space.to_json());
  j["constraints"] = search_json::constraints_to_json(c.constraints);
  j["estimator"] = c.estimator;
  j["estimator_options"] = {{"supernet", c.estimator_options.supernet},
                            {"data_dir", c.estimator_options.data_dir},
                            {"eval_images", c.estimator_options.eval_images},
                            {"calibration_batches", c.estimator_options.calibration_batches}};
  j["stage1"] = {{"samples", c.stage1.samples},   {"fixed_width", c.stage1.fixed_width},
                 {"seed", c.stage1.seed},         {"rule", stage1_rule_name(c.stage1.rule)},
                 {"quantile", c.stage1.quantile}, {"min_fit_fraction", c.stage1.min_fit_fraction}};
  j["evolution"] = {{"population", c.evolution.population},         {"parents", c.evolution.parents},
                    {"mutation_ratio", c.evolution.mutation_ratio}, {"mutation_prob", c.evolution.mutation_prob},
                    {"generations", c.evolution.generations},       {"seed", c.evolution.seed},
                    {"max_attempts", c.evolution.max_attempts}};
  return j;
}

} // namespace

std::string search_config_to_json(const SearchConfig& config, int indent) { return config_json(config).dump(indent); }

SearchConfig search_config_from_json(std::string_view text, const std::string& file) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(ErrorCode::kInvalidFile, "the search configuration is not a JSON object", file);
  SearchConfig c;
  c.space = SearchSpace::from_json(j.at("space").dump(), file + " (space)");
  c.constraints = search_json::constraints_from_json(j.at("constraints"), file);
  try {
    c.estimator = j.at("estimator").get<std::string>();
    const json& o = j.at("estimator_options");
    c.estimator_options.supernet = o.at("supernet").get<std::string>();
    c.estimator_options.data_dir = o.at("data_dir").get<std::string>();
    c.estimator_options.eval_images = o.at("eval_images").get<int>();
    c.estimator_options.calibration_batches = o.at("calibration_batches").get<int>();
    const json& s = j.at("stage1");
    c.stage1.fixed_width = s.at("fixed_width").get<double>();
    c.stage1.samples = s.at("samples").get<int>();
    c.stage1.seed = s.at("seed").get<std::uint64_t>();
    c.stage1.rule = parse_stage1_rule(s.at("rule").get<std::string>());
    c.stage1.quantile = s.at("quantile").get<double>();
    c.stage1.min_fit_fraction = s.at("min_fit_fraction").get<double>();
    const json& e = j.at("evolution");
    c.evolution.population = e.at("population").get<int>();
    c.evolution.parents = e.at("parents").get<int>();
    c.evolution.mutation_ratio = e.at("mutation_ratio").get<double>();
    c.evolution.mutation_prob = e.at("mutation_prob").get<double>();
    c.evolution.generations = e.at("generations").get<int>();
    c.evolution.seed = e.at("seed").get<std::uint64_t>();
    c.evolution.max_attempts = e.at("max_attempts").get<int>();
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kInvalidFile, std::string("malformed search configuration: ") + e.what(), file);
  }
  try {
    validate(c);
  } catch (const Error& e) {
    throw Error(ErrorCode::kInvalidFile, "invalid search configuration: " + e.message(), file);
  }
  return c;
}

std::string search_config_difference(const SearchConfig& checkpoint, const SearchConfig& now) {
  json a = config_json(checkpoint);
  json b = config_json(now);
  a["evolution"].erase("generations");
  b["evolution"].erase("generations");
  const json fa = a.flatten();
  const json fb = b.flatten();
  for (const auto& [key, value] : fa.items()) {
    if (!fb.contains(key)) return key + ": " + value.dump() + " in the checkpoint, absent now";
    if (fb.at(key) != value) return key + ": " + value.dump() + " in the checkpoint, " + fb.at(key).dump() + " now";
  }
  for (const auto& [key, value] : fb.items())
    if (!fa.contains(key)) return key + ": absent in the checkpoint, " + value.dump() + " now";
  return {};
}

} // namespace tinynas
