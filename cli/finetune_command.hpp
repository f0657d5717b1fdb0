#pragma once
// `tinynas finetune`: trains one subnet of a supernet on its own (MCUNet fine-tunes the subnet its
// search found instead of deploying inherited weights) and writes a model file (supernet/finetune.hpp)
// after every epoch and every two minutes inside one; that file is also the checkpoint --resume continues from, and
// what `eval`, `export` and `profile` take as --model. Progress and --json output as `tinynas train`.

#include <cstdint>
#include <string>

namespace tinynas::cli {

struct FinetuneCommandOptions {
  std::string supernet; // --supernet: the supernet the subnet inherits from (and the teacher)
  std::string space;    // --space, with --from-scratch and no --supernet: train the arch alone (a baseline)
  int limit = 0;        // --limit N, with --space: train on the first N images
  std::string arch;     // arch JSON file, or "largest" / "smallest" (positional, required)
  std::string out;      // --out (required): the model file
  std::string data;     // dataset; "" = default_dataset_dir()
  int epochs = 5;
  double lr = 0; // 0 = the library's default (finetune.hpp)
  bool distill = false;
  bool from_scratch = false;
  bool resume = false; // continue the fine-tuning checkpointed in --out (its stored settings)
  std::uint64_t seed = 0;
  int threads = 0;
  int batch_size = 0; // 0 = the supernet training's
  bool json = false;
};
int run_finetune(const FinetuneCommandOptions& options);

} // namespace tinynas::cli
