#pragma once
// `tinynas eval`: top-1 accuracy of one subnet with weights inherited from a supernet, after BN
// recalibration on training images, on the held-out validation split (default) or the test set.
// With --int8 it also quantises the subnet (profiler/quantize.hpp, activation ranges calibrated on
// training images) and reports the accuracy of the int8 model run by the host build of the
// firmware's runtime, which the boards match bit for bit.

#include <string>

#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::cli {

struct EvalOptions {
  std::string supernet; // supernet file (required)
  std::string arch;     // arch JSON file, or "largest" / "smallest" (at the space's max / min resolution)
  bool json = false;    // {"accuracy", "split", "images", ...} on stdout
  int threads = 0;
  SubnetAccuracyOptions accuracy; // --split, --data, --limit, --seed, --int8, --calibration-images
};
int run_eval(const EvalOptions& options);

// The subnet an ARCH argument names: an arch JSON file of the supernet's space, or "largest" /
// "smallest". Throws Error naming the file on a bad arch or one the supernet does not hold.
Arch subnet_argument(const Supernet& supernet, const std::string& argument);

} // namespace tinynas::cli
