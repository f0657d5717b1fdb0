#include "training_progress.hpp"

#include <nlohmann/json.hpp>

#include "epoch_report_json.hpp"
#include "json_util.hpp"
#include "supernet_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using nlohmann::json;

std::string training_progress_to_json(const TrainingProgress& p) {
  json j;
  j["config"] = json::parse(p.config.to_json());
  j["channels_sorted"] = p.channels_sorted;
  put_epoch_loop(j, p);
  return j.dump();
}

TrainingProgress parse_training_progress(const std::string& text, const std::string& file) {
  const json doc = json_util::parse(text, file);
  json_util::Field f(doc, file, "/training");
  TrainingProgress p;
  p.config = TrainingConfig::from_json(f.at("config").value().dump(), file);
  static_cast<EpochLoopProgress&>(p) = epoch_loop_from_json(f, p.config.total_epochs());
  p.channels_sorted = f.at("channels_sorted").as_bool();
  return p;
}

// ---- what a checkpoint says about its run ----

TrainingConfig read_training_config(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  if (!contents.training || contents.model_arch)
    throw Error(ErrorCode::kInvalidFile, "holds no supernet training state", path);
  return parse_training_progress(contents.training->json, path).config;
}

TrainingStatus training_status(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  if (!contents.training || contents.model_arch) return TrainingStatus::kNone; // a model's state is fine-tuning's
  const TrainingProgress p = parse_training_progress(contents.training->json, path);
  return p.epochs_done >= p.config.total_epochs() ? TrainingStatus::kFinished : TrainingStatus::kInProgress;
}

DatasetOptions fresh_training_dataset_options(const SearchSpace& space, const TrainingConfig& config,
                                              const std::string& dir, const std::string& out, bool classes_from_data) {
  DatasetOptions d;
  d.dir = dir;
  d.cache_dir = cache_dir_beside(out);
  d.val_size = config.val_size;
  d.train_limit = config.train_limit;
  d.classes = classes_from_data ? 256 : space.num_classes;
  d.load_test = false;
  return d;
}

SearchSpace space_with_classes_of(SearchSpace space, const DatasetSplits& data) {
  space.num_classes = dataset_class_count(data);
  if (space.num_classes < 2)
    throw Error(ErrorCode::kInvalidArgument,
                "the data has " + std::to_string(space.num_classes) + " class: a classifier needs at least 2");
  return space;
}

DatasetOptions training_dataset_options(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  DatasetOptions o;
  o.cache_dir = cache_dir_beside(path);
  o.classes = contents.supernet->space.num_classes;
  if (contents.training) {
    // A supernet run's and a model's fine-tuning state (finetune_state.hpp) both record it as "config".
    const TrainingConfig c =
        TrainingConfig::from_json(json_util::parse(contents.training->json, path).at("config").dump(), path);
    o.val_size = c.val_size;
    o.train_limit = c.train_limit;
  }
  return o;
}

} // namespace tinynas
