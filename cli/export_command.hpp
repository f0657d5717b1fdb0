#pragma once
// `tinynas export`: one subnet with its inherited weights, or a model of `tinynas finetune` (BN
// recalibrated on training images) for deployment, in any of three forms:
//   --onnx FILE       the float model (BN folded into the convolutions unless --keep-bn);
//   --int8-blob FILE  the int8 model blob the firmware's runtime runs (profiler/model_blob.hpp), quantised
//                     with activation ranges from --calibration-images training images: the model
//                     `tinynas eval --int8` measures;
//   --c-source DIR    the same blob as DIR/NAME.h and DIR/NAME.c for a firmware build
//                     (profiler/model_c_source.hpp).

#include <cstdint>
#include <string>

#include "schedule_flags.hpp"

namespace tinynas::cli {

struct ExportOptions {
  std::string supernet; // supernet file, with `arch` ...
  std::string arch;     // arch JSON file, or "largest" / "smallest"
  std::string model;    // ... or a model file (tinynas finetune --out) instead of both (subnet_source.hpp)
  // Outputs, at least one: the ONNX file, the blob file, the directory for the C files (created if missing).
  std::string onnx;
  std::string int8_blob;
  std::string c_source;
  std::string name = "tinynas_model"; // --c-source: file names and C symbol prefix (a C identifier)
  int calibration_images = 500;       // int8: training images calibrating the activation ranges
  bool keep_bn = false;               // ONNX: BatchNormalization nodes instead of folding BN into the convs
  std::string data;                   // dataset directory for calibration; "" = default_dataset_dir()
  int threads = 0;
  std::uint64_t seed = 0; // picks the BN calibration images
  // int8: the memory plan the blob carries, inplace-dw or patch (--patches, --split-block; unset: the cost model's),
  // or auto: the plan that fits `board`'s SRAM (or --sram), as the search and `deploy` choose it (cli/int8_plan.hpp).
  ScheduleFlags schedule;
  // The board the blob must fit: its arena and the board's runtime within its SRAM, or --sram (schedule.auto_sram,
  // which needs a board). Required by auto; "": no check (the blob for any board).
  std::string board;
};
int run_export(const ExportOptions& options);

} // namespace tinynas::cli
