#pragma once
// The settings of a supernet training run (tinynas/supernet/trainer.hpp), as `tinynas train` and
// tinynas.train() choose them and as a checkpoint records them.

#include <cstdint>
#include <optional>
#include <string>

#include "tinynas/supernet/supernet.hpp"

namespace tinynas {

struct TrainingConfig {
  double width = 1.0; // the supernet's width multiplier (one of the space's)
  KernelTransform kernel_transform = KernelTransform::kCentreCrop;
  int largest_epochs = 6;  // phase 1
  int elastic_epochs = 14; // phase 2
  int batch_size = 128;
  double largest_lr = 0.1;    // peak learning rate of phase 1 (cosine to 0)
  double elastic_lr = 0.05;   // peak learning rate of phase 2
  double warmup_epochs = 1.0; // linear warm-up at the start of each phase
  double momentum = 0.9;
  double weight_decay = 5e-5;
  double label_smoothing = 0.1; // for the largest subnet's loss
  int subnets_per_batch = 4;    // elastic phase: largest + smallest + (n - 2) random
  double distillation = 1.0;    // weight of the distillation loss for the non-largest subnets;
                                // 1 - distillation on their label loss
  int crop_padding = 2;         // random crop offsets in [-p, p] pixels
  bool flip = true;             // random horizontal flip
  bool sort_channels = true;    // L1 sort of mid channels before phase 2
  std::uint64_t seed = 0;
  int validation_images = 0;       // > 0: per-epoch validation on the first N held-out images
  bool validate_each_epoch = true; // BN-recalibrated accuracy of the largest and smallest subnets
  // The data the run used, recorded so `tinynas eval` holds out the same validation images.
  int val_size = 0;    // images held out from the end of the training data; 0 = auto (dataset.hpp)
  int train_limit = 0; // > 0: trained on the first N training images only

  int total_epochs() const { return largest_epochs + elastic_epochs; }
  // Throws Error(kInvalidArgument) naming the bad setting.
  void validate() const;
  std::string to_json() const;
  static TrainingConfig from_json(const std::string& text, const std::string& file);
};

// The configuration `tinynas train` and tinynas.train() start from: `epochs` in total (default 20), of
// which `largest_epochs` on the largest subnet (default 30% of them); `limit` > 0 trains on the first
// N images and validates on max(200, N / 5) held-out ones. Throws Error(kInvalidArgument) naming the
// bad setting.
TrainingConfig make_training_config(double width, std::optional<int> epochs, std::optional<int> largest_epochs,
                                    int limit, std::uint64_t seed);

} // namespace tinynas
