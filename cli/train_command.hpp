#pragma once
// `tinynas train`: trains a weight-shared supernet on Fashion-MNIST (or any IDX dataset laid out
// like it) and writes it to --out after every epoch and every two minutes inside one (that file is
// also the checkpoint --resume continues from). Progress on stderr (progress_line.hpp): a status line per batch,
// redrawn in place on a terminal and a plain line every few seconds otherwise, and a line per epoch.

#include <cstdint>
#include <optional>
#include <string>

namespace tinynas::cli {

struct TrainOptions {
  std::string space = "fashion_mnist"; // name in configs/spaces or a path
  std::string out;                     // supernet file (required)
  double width = 1.0;                  // width multiplier the supernet holds
  std::optional<int> epochs;           // total epochs; default 20 (6 largest + 14 elastic)
  std::optional<int> largest_epochs;   // of which the largest-subnet phase; default 30% of epochs
  int limit = 0;                       // > 0: train on the first N images (quick runs)
  std::uint64_t seed = 0;
  bool resume = false; // continue the run checkpointed in --out
  std::string data;    // dataset directory; "" = default_dataset_dir()
  int threads = 0;     // 0 = all cores
  int batch_size = 128;
  std::string kernel_transform = "centre"; // or "ofa-matrix"
  int val_size = 0;                        // images held out for validation; 0 = auto (a tenth, at most 5000)
  bool classes_from_data = false;          // set the space's class count to the data's
  bool json = false;                       // print the summary as JSON on stdout
};
int run_train(const TrainOptions& options);

} // namespace tinynas::cli
