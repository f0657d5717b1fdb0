#pragma once
// The SGD epoch that training (trainer.cpp) and fine-tuning (finetune.cpp) share, and with it their
// reproducibility contract: for a seed, epoch e visits the training images in one shuffled order,
// batch b holds the images at positions [b * n, (b + 1) * n) of that order, image i of the batch is
// cropped and flipped by its key e * images + b * n + i, and the learning rate follows the phase's
// warm-up and cosine. Nothing is drawn from a running generator, so a run is the same at any thread
// count and after a resume.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "batch_builder.hpp"
#include "epoch_start.hpp"
#include "sgd.hpp"
#include "step_runner.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/stopwatch.hpp"
#include "tinynas/supernet/trainer.hpp"
#include "training_pace.hpp"

namespace tinynas::engine {

// Fixed streams of the seed, so nothing depends on how many numbers another part drew.
enum Stream : std::uint64_t { kShuffle = 1, kAugment = 2, kSubnets = 3, kValidation = 4 };

// Consecutive epochs under one learning-rate schedule: a linear warm-up to peak_lr, then a cosine to 0.
struct LrPhase {
  const char* name = ""; // the phase of BatchProgress and EpochReport
  double peak_lr = 0;
  double warmup_epochs = 0;
  int first_epoch = 0; // the run's epoch (0-based) the phase starts at
  int epochs = 0;
};

// "resuming after epoch 3 of 10", or inside an epoch "resuming epoch 4 of 10 at batch 120".
std::string resume_note(int epochs_done, int total_epochs, const EpochStart& start);

class EpochLoop {
public:
  // Batches of min(config.batch_size, images) images of `train`, augmented and optimised as `config` says.
  EpochLoop(Supernet::Impl& net, const ImageSet& train, const TrainingConfig& config);

  // Trains the batch just loaded into batch(): accumulates the gradients of its subnets into runner()
  // and returns the loss and hits to report (the largest subnet's when there are several).
  using BatchStep = std::function<SubnetLoss(int batch_index)>;

  // Writes a checkpoint of the weights as they are, inside the epoch: `next` is where a resume starts.
  using CheckpointInside = std::function<void(const EpochStart& next)>;

  // Epoch `epoch` (0-based) of `total_epochs` from `start`: per batch, loads it, zeroes the gradients,
  // calls `step` and takes one SGD step, then reports progress through callbacks.on_batch. With
  // `checkpoint_inside`, calls it after a batch when callbacks.checkpoint_seconds have passed since
  // the epoch began here or since its last call, and on a stop. nullopt when callbacks.should_stop
  // asked to stop before the epoch's end (polled before every batch but the first); otherwise the
  // epoch's report, without its validation accuracies, its time the training time of all its batches.
  std::optional<EpochReport> run(int epoch, int total_epochs, const LrPhase& phase, const BatchStep& step,
                                 const TrainCallbacks& callbacks, const EpochStart& start = {},
                                 const CheckpointInside& checkpoint_inside = {});

  StepRunner& runner() { return runner_; }
  BatchBuilder& batch() { return builder_; }
  int batch_size() const { return batch_size_; }
  int batches() const { return batches_; } // per epoch

private:
  Supernet::Impl& net_;
  const ImageSet& train_;
  std::uint64_t seed_;
  StepRunner runner_;
  int batch_size_;
  int batches_;
  BatchBuilder builder_;
  SgdOptions sgd_;
  Augmentation augment_;
};

// Epoch state.epochs_done of a training state that checkpoints inside its epochs (TrainingProgress,
// FinetuneProgress: each has epochs_done, epoch_start, seconds and reports), run by `loop` from
// state.epoch_start. Before each checkpoint inside the epoch, state.epoch_start becomes where a resume
// would begin and `checkpoint` writes the state. `pace` times its batches and validation, and says the
// run's time left in each BatchProgress and in the report. At the end `validate` adds the report's
// validation accuracies, the report's seconds become the epoch's time over every session that trained part
// of it (validation included), the state records the report, `checkpoint` writes it, and callbacks.on_epoch
// sees it. False when callbacks.should_stop stopped the epoch (checkpointed there).
template <class State>
bool run_recorded_epoch(EpochLoop& loop, State& state, int total_epochs, const LrPhase& phase,
                        const EpochLoop::BatchStep& step, const TrainCallbacks& callbacks, TrainingPace& pace,
                        const std::function<void(EpochReport&)>& validate, const std::function<void()>& checkpoint) {
  const auto started = std::chrono::steady_clock::now();
  const double earlier = state.epoch_start.seconds; // of this epoch, before a resume inside it
  TrainCallbacks paced = callbacks;
  paced.on_batch = [&](const BatchProgress& p) {
    pace.batch_done(p.epoch, seconds_since(started));
    if (!callbacks.on_batch) return;
    BatchProgress with_time_left = p;
    with_time_left.seconds_left = pace.seconds_left(p.epoch, p.batch);
    callbacks.on_batch(with_time_left);
  };
  std::optional<EpochReport> r =
      loop.run(state.epochs_done, total_epochs, phase, step, paced, state.epoch_start, [&](const EpochStart& next) {
        state.epoch_start = next;
        checkpoint();
      });
  if (!r) return false;
  const auto validating = std::chrono::steady_clock::now();
  validate(*r);
  pace.validation_took(seconds_since(validating));
  r->seconds = earlier + seconds_since(started);
  r->seconds_left = pace.seconds_left(r->epoch + 1, 0);
  state.seconds += r->seconds;
  state.epochs_done += 1;
  state.epoch_start = {};
  state.reports.push_back(*r);
  checkpoint();
  if (callbacks.on_epoch) callbacks.on_epoch(*r);
  return true;
}

} // namespace tinynas::engine
