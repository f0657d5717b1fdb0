#pragma once
// Fine-tuning the subnet a search found into a model. MCUNet does not deploy inherited weights: it
// trains the chosen subnet on its own for a few epochs. A model file is the supernet-file format
// (docs/SUPERNET.md, "Fine-tuning") with the subnet's arch in its header: the weights (a copy of the
// supernet's, of which the subnet's slices were fine-tuned) plus the fine-tuning state, so it is
// both the result and the checkpoint. Everything that takes a supernet file and an arch
// (evaluation, ONNX and int8 export) takes a model file and the arch it holds.
//
// The run: SGD with the supernet training's optimiser settings (momentum, weight decay, label
// smoothing, augmentation) at the arch's resolution, one cosine learning-rate schedule from `lr` to
// 0 over all epochs (after the supernet's warm-up when starting from scratch), on the training split
// the supernet used (training_dataset_options), so its validation split stays held out. Like
// training, a run is bit-identical for a seed at any thread count and after a resume.
//
// Distillation (`distill`): the supernet's largest subnet (frozen, at the space's largest resolution,
// batch statistics as in training's sandwich rule) sees the same batch; the subnet's loss is
// kFinetuneDistillWeight x cross-entropy against that softmax + the rest x cross-entropy against the
// smoothed labels (one cross-entropy against the mixed targets, since it is linear in them).

#include <cstdint>
#include <string>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

// Weight of the teacher's softmax in the targets with distillation; 1 - this on the labels.
constexpr double kFinetuneDistillWeight = 0.5;

struct FinetuneOptions {
  int epochs = 5;
  double lr = 0;             // peak learning rate; 0 = the supernet run's: its elastic phase's from
                             // inherited weights (0.05), its largest phase's from scratch (0.1)
  bool distill = false;      // learn from the supernet's largest subnet too
  bool from_scratch = false; // random weights (the supernet's initialisation) instead of the inherited ones
  int batch_size = 0;        // 0 = the supernet training's
  std::uint64_t seed = 0;    // batches and augmentation, and the random weights from scratch

  // Throws Error(kInvalidArgument) naming the bad option (epochs, lr, batch_size).
  void validate() const;
};

// Fine-tunes `arch` of the supernet in `supernet_path` on `data` (its train split; val for the
// per-epoch accuracy, EpochReport::val_subnet) and writes the model file `out` after every epoch
// (and inside one, see TrainCallbacks).
// `data` should be the supernet's split (training_dataset_options(supernet_path)). Throws
// Error(kOutOfSpace) for an arch outside the supernet, Error(kInvalidFile) when `supernet_path` is
// itself a model, Error(kInvalidArgument) on bad options or data, Error(kIo) on write failure.
TrainResult finetune_model(const std::string& supernet_path, const Arch& arch, const FinetuneOptions& options,
                           const DatasetSplits& data, const std::string& out, const TrainCallbacks& callbacks = {});

// Trains `arch` of `space` on its own from random weights with no supernet behind it: the supernet
// training's default recipe (TrainingConfig, the largest phase's learning rate, warm-up) at the
// arch's width, the data's normalisation and class names, the split a supernet trained on this data
// would use. Baselines (a scaled MobileNetV2) train this way. The model file records no supernet;
// resume_finetune("", out, ...) continues it. `options` must say from_scratch and not distill
// (invalid_option naming `supernet` otherwise). `train_limit`: the image limit `data` was loaded with
// (DatasetOptions::train_limit), recorded so that a resume loads the same images.
TrainResult train_subnet(const SearchSpace& space, const Arch& arch, const FinetuneOptions& options,
                         const DatasetSplits& data, const std::string& out, const TrainCallbacks& callbacks = {},
                         int train_limit = 0);

// What `tinynas finetune --from-scratch --space S` runs: train_subnet on `data_dir` ("" = the
// default dataset; train_limit > 0: its first N training images), or with `resume` the model in
// `out` continued.
TrainResult train_subnet_or_resume(const SearchSpace& space, const Arch& arch, const FinetuneOptions& options,
                                   const std::string& data_dir, int train_limit, const std::string& out, bool resume,
                                   const TrainCallbacks& callbacks = {});

// Continues the fine-tuning checkpointed in the model file `out` with the settings stored in it; a
// finished run returns at once. `supernet_path` must be the supernet it started from (checked by
// its weights' checksum: the teacher of distillation must be the same; "" for a model train_subnet
// made, which has none). Throws Error(kInvalidFile)
// if `out` is no model with a fine-tuning state.
TrainResult resume_finetune(const std::string& supernet_path, const std::string& out, const DatasetSplits& data,
                            const TrainCallbacks& callbacks = {});

// What `tinynas finetune` and tinynas.finetune() run: loads the supernet's dataset split from
// `data_dir` ("" = the default dataset) and fine-tunes `arch` into `out`, or with `resume` continues
// the model in `out` (Error(kInvalidArgument) naming `arch` if the model holds another subnet).
// Tells callbacks.on_note what it starts.
TrainResult finetune_or_resume(const std::string& supernet_path, const Arch& arch, const FinetuneOptions& options,
                               const std::string& data_dir, const std::string& out, bool resume,
                               const TrainCallbacks& callbacks = {});

// Whether `path` is a model file (a supernet file with an arch in its header).
bool is_model_file(const std::string& path);
// The subnet a model file holds. Throws Error(kInvalidFile) naming the file when it is a plain
// supernet (fine-tuning one of its subnets makes a model) or not a supernet file at all.
Arch read_model_arch(const std::string& path);

} // namespace tinynas
