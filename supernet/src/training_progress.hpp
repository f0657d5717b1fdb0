#pragma once
// What a training checkpoint records besides weights and momentum (the training-state JSON of the
// supernet file, supernet_file.hpp): the settings, how far the run got, and every epoch's report.

#include <string>
#include <vector>

#include "epoch_start.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

struct TrainingProgress {
  TrainingConfig config;
  int epochs_done = 0;
  bool channels_sorted = false; // the mid channels were sorted for the elastic phase
  int train_images = 0;         // resuming checks the data has as many
  double seconds = 0;           // training time over all sessions, of the finished epochs
  std::vector<EpochReport> reports;
  engine::EpochStart epoch_start; // epoch epochs_done + 1 from its first batch, or where a checkpoint inside it was
};

std::string training_progress_to_json(const TrainingProgress& progress);
// Throws Error(kInvalidFile) naming `file` and the offending field.
TrainingProgress parse_training_progress(const std::string& text, const std::string& file);

} // namespace tinynas
