#pragma once
// Training a supernet (Once-for-All / BigNAS style) on labelled images:
//   phase 1, "largest": the largest subnet alone, at a random resolution of the space per batch;
//   then the mid channels of every block are sorted by L1 importance (OFA's
//   re_organize_middle_weights), so small expand ratios keep the most important channels;
//   phase 2, "elastic": per batch the sandwich rule — the largest subnet (largest resolution), the
//   smallest (smallest resolution) and random ones — with in-place distillation: the largest
//   learns from the labels, the others from the largest's softmax on the same batch.
// SGD with Nesterov momentum and weight decay (none on BN and biases), a cosine learning rate per
// phase after a linear warm-up, augmentation by random crops of the zero-padded image and
// horizontal flips. Everything random derives from the seed and the (epoch, batch, image) position,
// so a run is bit-identical for a seed at any thread count, and after --resume.
//
// The output file is written atomically after every epoch, and inside an epoch every
// TrainCallbacks::checkpoint_seconds and on a stop: the supernet plus the training state (options,
// progress, momentum, the position inside the epoch), so it is both the result and the checkpoint.

#include <functional>
#include <string>
#include <vector>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "tinynas/supernet/training_config.hpp"

namespace tinynas {

struct BatchProgress {
  int epoch = 0; // 1-based, over both phases
  int epochs = 0;
  const char* phase = "";
  int batch = 0; // 1-based within the epoch
  int batches = 0;
  double loss = 0;     // running mean of the largest subnet's loss this epoch
  double accuracy = 0; // running top-1 of the largest subnet on this epoch's training batches
  double images_per_second = 0;
  // The whole run's time left at its pace in this process (every epoch to come and its validation; a
  // supernet's sandwich epochs cost more a batch than its first ones); -1 until a batch was timed.
  double seconds_left = -1;
};

struct EpochReport {
  int epoch = 0;
  int epochs = 0;
  std::string phase;
  double loss = 0;
  double train_accuracy = 0;
  double images_per_second = 0;
  double seconds = 0;      // the epoch's, its validation included, over every session that trained part of it
  double val_largest = -1; // BN-recalibrated validation accuracy, -1 when not measured
  double val_smallest = -1;
  double val_subnet = -1;   // fine-tuning (finetune.hpp): the fine-tuned subnet's, measured the same way
  double seconds_left = -1; // the run's time left after this epoch, as BatchProgress says it (progress only)

  // The one JSON form of a report, in checkpoints, `tinynas train --json` and tinynas.train(): an
  // object whose keys are the field names above.
  std::string to_json() const;
};

struct TrainCallbacks {
  std::function<void(const BatchProgress&)> on_batch;
  std::function<void(const EpochReport&)> on_epoch;
  std::function<void(const std::string&)> on_note; // phase changes, channel sorting, resume
  // Polled between batches; true stops after writing a checkpoint of the last batch trained.
  std::function<bool()> should_stop;
  // Training and fine-tuning checkpoint inside an epoch too, when this much time has passed since the
  // last checkpoint: an epoch on a large dataset can take an hour, and a kill must not lose it. A
  // resume continues from the batch after the last one checkpointed, to the result of an
  // uninterrupted run.
  double checkpoint_seconds = 120;
};

struct TrainResult {
  std::vector<EpochReport> epochs; // every epoch so far, including those before a resume
  bool finished = false;           // all epochs done (false after a stop)
  double seconds = 0;              // training time over all sessions
};

// Trains a fresh supernet over `space` on `data` (train split; val for per-epoch validation) and
// writes `out` after every epoch (and inside one, see TrainCallbacks). Throws Error on bad settings or data, Error(kIo)
// on write failure.
TrainResult train_supernet(const SearchSpace& space, const TrainingConfig& config, const DatasetSplits& data,
                           const std::string& out, const TrainCallbacks& callbacks = {});

// Continues the run whose checkpoint is `out` (written by train_supernet) with the settings stored
// in it. A finished run returns at once. Throws Error(kInvalidFile) if `out` holds no training state.
TrainResult resume_training(const std::string& out, const DatasetSplits& data, const TrainCallbacks& callbacks = {});

// The dataset options a fresh run over `space` writing `out` loads `dir` with: the config's
// validation split and image limit, labels bounded by the space's classes (by 256 with
// `classes_from_data`), no test set, image folders' decode cache beside `out`.
DatasetOptions fresh_training_dataset_options(const SearchSpace& space, const TrainingConfig& config,
                                              const std::string& dir, const std::string& out,
                                              bool classes_from_data = false);
// `space` with as many classes as `data` has (dataset_class_count): train's --classes-from-data.
SearchSpace space_with_classes_of(SearchSpace space, const DatasetSplits& data);

// The training configuration stored in a checkpoint (validation split size, seed, ...).
TrainingConfig read_training_config(const std::string& path);
// Whether the file holds a finished run, a run to resume, or no training state (a plain supernet).
enum class TrainingStatus { kNone, kInProgress, kFinished };
TrainingStatus training_status(const std::string& path);
// The dataset split the run in `path` used (validation size, image limit), so evaluation holds out
// exactly the images training never saw; the defaults for a supernet file without training state.
DatasetOptions training_dataset_options(const std::string& path);

// Fine-tunes one subnet alone (no weight sharing with others: call on a clone of a supernet):
// `epochs` epochs of SGD on `train` at the subnet's resolution, cosine from `lr`, same
// augmentation and optimiser settings as `config`. Used to check that inherited-weight accuracy
// ranks subnets like their fine-tuned accuracy.
void finetune_subnet(Supernet& supernet, const Arch& arch, const ImageSet& train, int epochs, double lr,
                     const TrainingConfig& config, const TrainCallbacks& callbacks = {});

} // namespace tinynas
