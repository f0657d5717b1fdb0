#pragma once
// What a model file's fine-tuning state records (the training-state section of the supernet file,
// supernet_file.hpp, in a file whose header holds an arch): the settings, how far the run got and
// every epoch's report. Its "config" has the shape of a supernet checkpoint's (TrainingConfig: the
// supernet run's optimiser, augmentation and data split, with the fine-tuning's seed and batch
// size), so training_dataset_options reads either.

#include <cstdint>
#include <string>
#include <vector>

#include "epoch_loop_progress.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "tinynas/supernet/training_config.hpp"

namespace tinynas {

struct FinetuneProgress : EpochLoopProgress { // of `epochs`
  TrainingConfig config;
  int epochs = 0;
  double lr = 0; // resolved: never the 0 of FinetuneOptions
  bool distill = false;
  bool from_scratch = false;
  std::string supernet;             // the path it started from (for people; resuming checks the checksum)
  std::uint32_t supernet_crc32 = 0; // of the supernet's weights
};

std::string finetune_progress_to_json(const FinetuneProgress& progress);
// Throws Error(kInvalidFile) naming `file` and the offending field.
FinetuneProgress parse_finetune_progress(const std::string& text, const std::string& file);

} // namespace tinynas
