#pragma once
// `tinynas eval`: top-1 accuracy of one subnet with weights inherited from a supernet (or of a model,
// a subnet fine-tuned by `tinynas finetune`), after BN recalibration on training images, on the
// held-out validation split (default) or the test set.
// With --int8 it also quantises the subnet (profiler/quantize.hpp, activation ranges calibrated on
// training images) and reports the accuracy of the int8 model run by the host build of the
// firmware's runtime, which the boards match bit for bit. With --on-board BOARD the int8 model runs each image on
// the board's profiling firmware and its top-1 is reported next to the host runtime's (hil/board_accuracy.hpp).

#include <string>

#include "subnet_source.hpp"
#include "tinynas/deploy/subnet_accuracy.hpp"

namespace tinynas::cli {

struct EvalOptions {
  std::string supernet; // supernet file, with `arch` ...
  std::string arch;     // arch JSON file, or "largest" / "smallest" (at the space's max / min resolution)
  std::string model;    // ... or a model file (tinynas finetune --out) instead of both (subnet_source.hpp)
  bool json = false;    // {"accuracy", "split", "images", ...} on stdout
  int threads = 0;
  SubnetAccuracyOptions accuracy; // --split, --data, --limit, --seed, --int8, --calibration-images
  std::string on_board;           // --on-board BOARD: the int8 model's accuracy measured on the board
};
int run_eval(const EvalOptions& options);

} // namespace tinynas::cli
