#pragma once
// What a training checkpoint records besides weights and momentum (the training-state JSON of the
// supernet file, supernet_file.hpp): the settings, how far the run got, and every epoch's report.

#include <string>
#include <vector>

#include "epoch_loop_progress.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

struct TrainingProgress : EpochLoopProgress { // of config.total_epochs()
  TrainingConfig config;
  bool channels_sorted = false; // the mid channels were sorted for the elastic phase
};

std::string training_progress_to_json(const TrainingProgress& progress);
// Throws Error(kInvalidFile) naming `file` and the offending field.
TrainingProgress parse_training_progress(const std::string& text, const std::string& file);

} // namespace tinynas
