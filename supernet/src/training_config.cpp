#include "tinynas/supernet/training_config.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using nlohmann::json;

TrainingConfig make_training_config(double width, std::optional<int> epochs, std::optional<int> largest_epochs,
                                    int limit, std::uint64_t seed) {
  TrainingConfig c;
  c.width = width;
  if (epochs) {
    if (*epochs < 1) throw invalid_option("epochs", "must be at least 1");
    c.largest_epochs = *epochs * 3 / 10;
    c.elastic_epochs = *epochs - c.largest_epochs;
  }
  if (largest_epochs) {
    const int total = c.total_epochs();
    if (*largest_epochs < 0 || *largest_epochs > total)
      throw invalid_option("largest_epochs", "must be between 0 and the " + std::to_string(total) + " epochs");
    c.largest_epochs = *largest_epochs;
    c.elastic_epochs = total - c.largest_epochs;
  }
  if (limit < 0) throw invalid_option("limit", "must not be negative");
  c.seed = seed;
  c.train_limit = limit;
  // Quick runs (--limit) validate on as many held-out images as they train on, at most all.
  if (limit > 0) c.validation_images = std::max(200, limit / 5);
  return c;
}

void TrainingConfig::validate() const {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::kInvalidArgument, what); };
  if (largest_epochs < 0 || elastic_epochs < 0 || total_epochs() == 0) bad("training needs at least one epoch");
  if (batch_size < 1) bad("batch size must be positive");
  if (!(largest_lr > 0) || !(elastic_lr > 0)) bad("learning rates must be positive");
  if (warmup_epochs < 0) bad("warm-up epochs must not be negative");
  if (momentum < 0 || momentum >= 1) bad("momentum must be in [0, 1)");
  if (weight_decay < 0) bad("weight decay must not be negative");
  if (label_smoothing < 0 || label_smoothing >= 1) bad("label smoothing must be in [0, 1)");
  if (subnets_per_batch < 2) bad("the sandwich rule needs at least 2 subnets per batch (largest and smallest)");
  if (distillation < 0 || distillation > 1) bad("the distillation weight must be in [0, 1]");
  if (crop_padding < 0) bad("crop padding must not be negative");
  if (val_size < 0) bad("the validation split must be 0 (auto) or a positive image count");
  if (train_limit < 0) bad("the training image limit must not be negative");
}

std::string TrainingConfig::to_json() const {
  json j = {{"width", width},
            {"kernel_transform", kernel_transform_name(kernel_transform)},
            {"largest_epochs", largest_epochs},
            {"elastic_epochs", elastic_epochs},
            {"batch_size", batch_size},
            {"largest_lr", largest_lr},
            {"elastic_lr", elastic_lr},
            {"warmup_epochs", warmup_epochs},
            {"momentum", momentum},
            {"weight_decay", weight_decay},
            {"label_smoothing", label_smoothing},
            {"subnets_per_batch", subnets_per_batch},
            {"distillation", distillation},
            {"crop_padding", crop_padding},
            {"flip", flip},
            {"sort_channels", sort_channels},
            {"seed", seed},
            {"validation_images", validation_images},
            {"validate_each_epoch", validate_each_epoch},
            {"val_size", val_size},
            {"train_limit", train_limit}};
  return j.dump();
}

TrainingConfig TrainingConfig::from_json(const std::string& text, const std::string& file) {
  const json doc = json_util::parse(text, file);
  json_util::Field f(doc, file, "/training/config");
  TrainingConfig c;
  c.width = f.get_double("width");
  c.kernel_transform = parse_kernel_transform(f.get_string("kernel_transform"));
  c.largest_epochs = f.get_int("largest_epochs");
  c.elastic_epochs = f.get_int("elastic_epochs");
  c.batch_size = f.get_int("batch_size");
  c.largest_lr = f.get_double("largest_lr");
  c.elastic_lr = f.get_double("elastic_lr");
  c.warmup_epochs = f.get_double("warmup_epochs");
  c.momentum = f.get_double("momentum");
  c.weight_decay = f.get_double("weight_decay");
  c.label_smoothing = f.get_double("label_smoothing");
  c.subnets_per_batch = f.get_int("subnets_per_batch");
  c.distillation = f.get_double("distillation");
  c.crop_padding = f.get_int("crop_padding");
  c.flip = f.at("flip").as_bool();
  c.sort_channels = f.at("sort_channels").as_bool();
  if (!f.at("seed").value().is_number_unsigned()) f.at("seed").fail("must be an unsigned integer");
  c.seed = f.at("seed").value().get<std::uint64_t>();
  c.validation_images = f.get_int("validation_images");
  c.validate_each_epoch = f.at("validate_each_epoch").as_bool();
  c.val_size = f.get_int("val_size");
  c.train_limit = f.get_int("train_limit");
  return c;
}

} // namespace tinynas
