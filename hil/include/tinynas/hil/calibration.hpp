#pragma once
// `tinynas calibrate --board B`: builds a board's latency table (profiler/latency_table.hpp) by profiling random
// subnets of a space on the board, keeping some subnets out of the fit, and storing the predictor's error on those
// held-out subnets in the table.

#include <cstdint>
#include <functional>
#include <string>

#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/latency_table.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct CalibrationOptions {
  std::string space = "fashion_mnist"; // subnets are sampled from this space
  int subnets = 24;                    // profiled in total
  int holdout = 8;                     // of which kept out of the fit
  std::uint64_t seed = 1;
  ProfileOptions profile; // runs, timeouts, firmware
  std::function<void(int done, int total)> progress;
};

struct CalibrationReport {
  LatencyTable table;
  int layers_measured = 0;
  double seconds = 0;
};

// Throws Error(kInfeasible) if the space has too few subnets that fit the board's firmware.
CalibrationReport calibrate(const Board& board, const CalibrationOptions& options);

} // namespace tinynas
