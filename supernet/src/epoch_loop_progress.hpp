#pragma once
// How far a checkpointed training loop got, which a supernet's training state (training_progress.hpp)
// and a model's fine-tuning state (finetune_state.hpp) record alike; in JSON: epoch_report_json.hpp.

#include <vector>

#include "epoch_start.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

// How far a training loop of `total_epochs` got: what its checkpoint needs to continue and to report.
struct EpochLoopProgress {
  int epochs_done = 0;
  int train_images = 0; // resuming checks the data has as many
  double seconds = 0;   // training time over all sessions, of the finished epochs
  std::vector<EpochReport> reports;
  engine::EpochStart epoch_start; // epoch epochs_done + 1 from its first batch, or where a checkpoint inside it was
};

} // namespace tinynas
