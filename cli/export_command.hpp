#pragma once
// `tinynas export`: one subnet with its inherited weights (BN recalibrated on training images, then
// folded into the convolutions unless --keep-bn) as an ONNX model.

#include <cstdint>
#include <string>

namespace tinynas::cli {

struct ExportOptions {
  std::string supernet; // supernet file (required)
  std::string arch;     // arch JSON file, or "largest" / "smallest"
  std::string onnx;     // output file (required)
  bool keep_bn = false; // BatchNormalization nodes instead of folding BN into the convs
  std::string data;     // dataset directory for BN recalibration; "" = default_dataset_dir()
  int threads = 0;
  std::uint64_t seed = 0; // picks the calibration images
};
int run_export(const ExportOptions& options);

} // namespace tinynas::cli
