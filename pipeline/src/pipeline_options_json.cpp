#include "pipeline_options_json.hpp"

#include <optional>

#include "json_util.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

using nlohmann::json;

template <class T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

// Reads the fields of "options" through json_util, so every error names the file and the field's pointer
// ("RUN/pipeline.json: /options/population: expected an integer, found 1.5") and a number out of its type's range
// is refused instead of converted.
class Reader {
public:
  explicit Reader(const json_util::Field& options) : f_(options) {}

  bool has(const char* key) const { return f_.has(key); }
  void get(const char* key, std::string& out) const { out = f_.get_string(key); }
  void get(const char* key, int& out) const { out = f_.get_int(key); }
  void get(const char* key, std::uint64_t& out) const { out = f_.at(key).as_uint64(); }
  void get(const char* key, double& out) const { out = f_.get_double(key); }
  void get(const char* key, bool& out) const { out = f_.get_bool(key); }
  template <class T>
  void get(const char* key, std::optional<T>& out) const {
    if (!f_.has(key) || f_.at(key).value().is_null()) {
      out.reset();
      return;
    }
    T value;
    get(key, value);
    out = value;
  }

private:
  json_util::Field f_;
};

} // namespace

json pipeline_options_json(const PipelineOptions& o) {
  const SearchOptions& s = o.search;
  return {{"sram", optional_json(s.sram)},
          {"flash", optional_json(s.flash)},
          {"latency", optional_json(s.latency)},
          {"board", s.board},
          {"space", optional_json(s.space)},
          {"schedule", s.schedule},
          {"patches", s.patches},
          {"split_block", optional_json(s.split_block)},
          {"data_dir", s.data_dir},
          {"eval_images", s.eval_images},
          {"seed", s.seed},
          {"samples", s.samples},
          {"stage1_rule", s.stage1_rule},
          {"stage1_quantile", s.stage1_quantile},
          {"min_fit", s.min_fit},
          {"population", s.population},
          {"parents", s.parents},
          {"generations", s.generations},
          {"mutation_prob", s.mutation_prob},
          {"mutation_ratio", s.mutation_ratio},
          {"max_attempts", s.max_attempts},
          {"resolution_window", s.resolution_window},
          {"supernet_epochs", o.supernet_epochs},
          {"finetune_epochs", o.finetune_epochs},
          {"final_training", final_training_name(o.final_training)},
          {"train_limit", o.train_limit},
          {"classes_from_data", o.classes_from_data},
          {"calibration_images", o.calibration_images},
          {"time_budget_seconds", o.time_budget_seconds}};
}

PipelineOptions pipeline_options_from_json(std::string_view text, const std::string& file) {
  const json doc = json_util::parse(text, file);
  const json_util::Field root(doc, file);
  if (!doc.is_object() || !doc.contains("options") || !doc.at("options").is_object())
    root.fail("not a pipeline record (an object with \"options\")");
  const Reader r(root.at("options"));
  PipelineOptions o;
  SearchOptions& s = o.search;
  r.get("sram", s.sram);
  r.get("flash", s.flash);
  r.get("latency", s.latency);
  r.get("board", s.board);
  r.get("space", s.space);
  r.get("schedule", s.schedule);
  r.get("patches", s.patches);
  r.get("split_block", s.split_block);
  r.get("data_dir", s.data_dir);
  r.get("eval_images", s.eval_images);
  r.get("seed", s.seed);
  r.get("samples", s.samples);
  r.get("stage1_rule", s.stage1_rule);
  r.get("stage1_quantile", s.stage1_quantile);
  r.get("min_fit", s.min_fit);
  r.get("population", s.population);
  r.get("parents", s.parents);
  r.get("generations", s.generations);
  r.get("mutation_prob", s.mutation_prob);
  r.get("mutation_ratio", s.mutation_ratio);
  r.get("max_attempts", s.max_attempts);
  r.get("resolution_window", s.resolution_window);
  r.get("supernet_epochs", o.supernet_epochs);
  r.get("finetune_epochs", o.finetune_epochs);
  std::string final_training = "finetune"; // what runs recorded before the choice existed did
  if (r.has("final_training")) r.get("final_training", final_training);
  o.final_training = parse_final_training(final_training);
  r.get("train_limit", o.train_limit);
  r.get("classes_from_data", o.classes_from_data);
  r.get("calibration_images", o.calibration_images);
  o.time_budget_seconds = 0; // what runs recorded before the budget existed did
  if (r.has("time_budget_seconds")) r.get("time_budget_seconds", o.time_budget_seconds);
  // The board the winner is measured on: null or absent for none (a mistyped one was dropped, and the run went on
  // without its board).
  if (root.has("hil") && !doc.at("hil").is_null()) o.hil_board = root.get_string("hil");
  o.hil_farm = root.get_string("hil_farm", "");
  return o;
}

} // namespace tinynas
