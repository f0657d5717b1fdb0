#pragma once
// A trained subnet as the int8 model a board runs: the deploy step (`tinynas export --int8-blob / --c-source`).
// The subnet inherits its weights from the supernet, BN is recalibrated on training images (as for its float
// accuracy), activation ranges are calibrated on training images spread evenly over the training split, and the
// quantised model is written as a model blob with the cost model's memory plan. It is the same model, byte for
// byte, whose accuracy `tinynas eval --int8` reports for the same seed and calibration images.

#include <cstdint>
#include <string>

#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct QuantizeSubnetOptions {
  std::string data_dir;         // "" = the supernet's training dataset (else Debian's Fashion-MNIST)
  std::uint64_t seed = 0;       // picks the BN recalibration images
  int calibration_images = 500; // training images, evenly spaced, that calibrate the activation ranges (>= 1)
};

struct QuantizedSubnet {
  std::string arch_id;
  Graph graph;
  QuantizedModel model;
  ModelBlob blob;
  InputNormalization normalization; // the supernet's: raw pixels -> the float input the model was calibrated on
  int calibration_images = 0;       // used (at most the training split's size)
};

// `arch` must be a subnet of the supernet in `supernet_path` (Error(kOutOfSpace) otherwise). Errors name the
// file: a bad supernet, missing or corrupt dataset files; Error(kInvalidArgument) for calibration_images < 1.
QuantizedSubnet quantize_trained_subnet(const std::string& supernet_path, const Arch& arch,
                                        const QuantizeSubnetOptions& options);

} // namespace tinynas
