#pragma once
// The accuracy of one subnet with weights inherited from a trained supernet, as a deployment decision needs it:
// the float top-1 after BN recalibration (SubnetEvaluator, what the search ranks by) and, on request, the top-1
// of its int8 model (quantised with activation ranges calibrated on training images, run by the host build of the
// firmware's runtime, which the boards match bit for bit) on the same images. `tinynas eval` and Python's
// tinynas.evaluate() both call this.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct SubnetAccuracyOptions {
  std::string split = "val"; // "val" (held out from training) or "test" (final numbers only)
  std::string data_dir;      // "" = the directory the supernet was trained from, else Debian's Fashion-MNIST
  int limit = 0;             // > 0: the first N images of the split
  std::uint64_t seed = 0;    // picks the BN calibration images
  bool int8 = false;
  int calibration_images = 500; // int8: training images, evenly spaced, that calibrate the activation ranges
  std::function<void(int done, int total)> int8_progress;
};

struct Int8Accuracy {
  double accuracy = 0;                 // top-1 of the int8 model
  double float_reference_accuracy = 0; // top-1 of the quantiser's float network (double precision, BN folded)
  double agreement = 0;                // fraction of images where float and int8 predict the same class
  int calibration_images = 0;
};

struct SubnetAccuracy {
  std::string arch_id;
  std::string supernet;
  std::string split;
  int images = 0;
  double accuracy = 0; // float top-1 (the engine's)
  int bn_calibration_images = 0;
  std::vector<std::string> class_names; // the supernet's (empty when its data named none)
  bool has_int8 = false;
  Int8Accuracy int8;

  // {"accuracy", "split", "images", "arch", "supernet", "calibration_images", "classes" (names, when known),
  //  "int8": {...} when measured}
  std::string to_json(int indent = 2) const;
};

// The int8 model of `arch` (as `eval --int8` quantises it) with the first images of the split as the firmware
// takes them, and the host runtime's class for each: what a board's accuracy is measured on and compared with.
struct Int8EvaluationSet {
  std::string arch_id;
  Graph graph;
  QuantizedModel model;
  std::vector<std::vector<std::int8_t>> inputs;
  std::vector<int> labels;
  std::vector<int> host_top1;                     // the host build of the firmware's runtime
  std::vector<std::vector<std::int8_t>> host_out; // its outputs, to compare byte for byte
};
// options.int8 is implied; options.limit > 0 takes the first N images (all of the split otherwise).
Int8EvaluationSet int8_evaluation_set(const std::string& supernet_path, const Arch& arch,
                                      const SubnetAccuracyOptions& options);

// `arch` must be a subnet of the supernet in `supernet_path` (Error(kOutOfSpace) naming the field otherwise).
// Errors name the file: a bad supernet, missing or corrupt dataset files, a split other than val or test.
SubnetAccuracy evaluate_subnet_accuracy(const std::string& supernet_path, const Arch& arch,
                                        const SubnetAccuracyOptions& options);

} // namespace tinynas
