#pragma once
// `tinynas calibrate --board B [--out FILE]`: profiles random subnets of a space on the board, builds the
// per-op latency lookup table (profiler/include/tinynas/profiler/latency_table.hpp), reports the predictor's
// error on the subnets it held out, and saves the table (default: configs/latency/<board>.json, where the
// search finds it).

#include <cstdint>
#include <string>

#include "tinynas/hil/calibration.hpp"

namespace tinynas::cli {

struct CalibrateOptions {
  std::string board;                                // --board (required)
  std::string out;                                  // --out FILE; "" = the board's latency_table (Board)
  std::string space = "fashion_mnist";              // --space: where subnets are sampled
  int subnets = 24;                                 // --subnets N: profiled in total
  int holdout = 8;                                  // --holdout N: of which kept out of the fit to measure the error
  std::uint64_t seed = 1;                           // --seed
  int runs = 2;                                     // --runs N per subnet
  int patch_grid = CalibrationOptions{}.patch_grid; // --patch-grid N: each subnet also runs in patches (0: none)
  std::string firmware;                             // --firmware ELF
  bool json = false;                                // --json: print the table (with its held-out errors) on stdout
  bool from_farm = false;                           // --from-farm: fit on the board farm's stored measurements instead
  std::string farm;                                 // --farm farm.json (with --from-farm)
  std::string results;                              // --results URL (with --from-farm)
};
int run_calibrate(const CalibrateOptions& options);

} // namespace tinynas::cli
