#pragma once
// `tinynas calibrate --board B`: builds a board's latency table (profiler/latency_table.hpp) by profiling random
// subnets of a space on the board, keeping some subnets out of the fit, and storing the predictor's error on those
// held-out subnets in the table. Each subnet also runs in a patch plan (the cost model's split on a 4x4 grid), which
// fits the table's per-patch overhead and measures its error on patch plans.

#include <cstdint>
#include <functional>
#include <optional>
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
  int patch_grid = 4;     // each subnet also runs on this n x n patch grid (0: in place only)
  ProfileOptions profile; // runs, timeouts, firmware
  std::function<void(int done, int total)> progress; // per profiled run (a subnet's patch run counts as one)
};

struct CalibrationReport {
  LatencyTable table;
  int layers_measured = 0;
  double seconds = 0;
};

// Throws Error(kInfeasible) if the space has too few subnets that fit the board's firmware.
CalibrationReport calibrate(const Board& board, const CalibrationOptions& options);

// One model measured elsewhere (the board farm's results): its graph and what the board reported.
struct MeasuredModel {
  std::string id;
  Graph graph;
  std::vector<double> layer_ticks; // per op of `graph`, in order
  double latency = 0;              // the whole model, in `unit`
  std::string unit;                // "ticks" or "cycles"
  std::string source;              // latency_source_name()
  double ticks_per_instruction = 0;
  // The same model run in a patch plan, when it was: how each op ran, each op's ticks and the whole run's.
  struct PatchRun {
    std::vector<OpRun> runs;
    std::vector<double> layer_ticks;
    double latency = 0;
  };
  std::optional<PatchRun> patch;
};

// A patch run as the fit takes it: how `plan` runs each op of `graph` on `board` (the halo's MACs, the grid), next to
// what the board measured (per op, and the whole run).
MeasuredModel::PatchRun measured_patch_run(const Graph& graph, const Board& board, const PatchOptions& plan,
                                           std::vector<double> layer_ticks, double latency);

// The table fitted on the first models.size() - holdout models, its error measured on the last `holdout`
// (`space`: the name recorded in the table); the models' patch runs likewise fit and test its patch overhead.
// Error(kInvalidArgument) for too few models, mixed units, or layer
// timings that do not match a model's graph.
CalibrationReport fit_calibration(const Board& board, const std::string& space,
                                  const std::vector<MeasuredModel>& models, int holdout);

} // namespace tinynas
