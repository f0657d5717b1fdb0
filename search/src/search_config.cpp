#include "tinynas/search/search_config.hpp"

#include <nlohmann/json.hpp>

#include "constraints_json.hpp"
#include "search_config_json.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using nlohmann::json;

void validate(const SearchConfig& config) {
  validate(config.stage1);
  validate(config.evolution);
}

namespace search_json {

json config_to_json(const SearchConfig& c) {
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
  j["evolution"] = {
      {"population", c.evolution.population},         {"parents", c.evolution.parents},
      {"mutation_ratio", c.evolution.mutation_ratio}, {"mutation_prob", c.evolution.mutation_prob},
      {"generations", c.evolution.generations},       {"seed", c.evolution.seed},
      {"max_attempts", c.evolution.max_attempts},     {"resolution_window", c.evolution.resolution_window}};
  return j;
}

SearchConfig config_from_json(const json_util::Field& f) {
  SearchConfig c;
  c.space = json_util::load_embedded(f.at("space"), "space", [](const std::string& text, const std::string& file) {
    return SearchSpace::from_json(text, file);
  });
  c.constraints = constraints_from_json(f.at("constraints"));
  c.estimator = f.get_string("estimator");
  const json_util::Field o = f.at("estimator_options");
  c.estimator_options.supernet = o.get_string("supernet");
  c.estimator_options.data_dir = o.get_string("data_dir");
  c.estimator_options.eval_images = o.get_int("eval_images");
  c.estimator_options.calibration_batches = o.get_int("calibration_batches");
  const json_util::Field s = f.at("stage1");
  c.stage1.fixed_width = s.get_double("fixed_width");
  c.stage1.samples = s.get_int("samples");
  c.stage1.seed = s.at("seed").as_uint64();
  try {
    c.stage1.rule = parse_stage1_rule(s.get_string("rule"));
  } catch (const Error& e) {
    s.at("rule").fail(e.message());
  }
  c.stage1.quantile = s.get_double("quantile");
  c.stage1.min_fit_fraction = s.get_double("min_fit_fraction");
  const json_util::Field e = f.at("evolution");
  c.evolution.population = e.get_int("population");
  c.evolution.parents = e.get_int("parents");
  c.evolution.mutation_ratio = e.get_double("mutation_ratio");
  c.evolution.mutation_prob = e.get_double("mutation_prob");
  c.evolution.generations = e.get_int("generations");
  c.evolution.seed = e.at("seed").as_uint64();
  c.evolution.max_attempts = e.get_int("max_attempts");
  c.evolution.resolution_window = e.get_int("resolution_window", 0); // absent before stage 2 searched resolutions
  try {
    validate(c);
  } catch (const Error& error) {
    f.fail("invalid search configuration: " + error.message());
  }
  return c;
}

} // namespace search_json

std::string search_config_to_json(const SearchConfig& config, int indent) {
  return search_json::config_to_json(config).dump(indent);
}

SearchConfig search_config_from_json(std::string_view text, const std::string& file) {
  const json j = json_util::parse(text, file);
  return search_json::config_from_json(json_util::Field(j, file));
}

std::string search_config_difference(const SearchConfig& checkpoint, const SearchConfig& now) {
  // Files by where they are, not how their path was spelt (checkpoints from before paths were recorded absolute
  // hold them as given, relative to the directory the search ran in).
  const auto comparable = [](SearchConfig c) {
    c.estimator_options.supernet = files::absolute_path(c.estimator_options.supernet);
    c.estimator_options.data_dir = files::absolute_path(c.estimator_options.data_dir);
    json j = search_json::config_to_json(c);
    j["evolution"].erase("generations");
    return j;
  };
  return json_util::first_difference(comparable(checkpoint), comparable(now), "the checkpoint");
}

} // namespace tinynas
