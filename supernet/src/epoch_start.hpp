#pragma once
// Where an epoch of training starts (epoch_loop.hpp), as a checkpoint written inside the epoch records
// it (training_progress.hpp).

#include <cstdint>

namespace tinynas::engine {

// Batch 0 with nothing tallied, or, resuming from a checkpoint written inside the epoch, the first
// batch not trained yet with the running loss and hits of those before it.
struct EpochStart {
  int batch = 0;
  double loss_sum = 0; // over the images trained: the sum of their batch's mean loss
  std::int64_t correct = 0;
  std::int64_t seen = 0;
  double seconds = 0; // spent training those batches
};

} // namespace tinynas::engine
