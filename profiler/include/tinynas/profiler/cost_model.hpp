#pragma once
// The exact int8 cost model of a network on a board: MACs, parameters, flash bytes, peak SRAM
// under a named schedule, and a first latency estimate, with a per-layer breakdown.
// Conventions (MCUNet's, checked against its published figures in tests):
//   MACs    convolutions and the classifier; BN folded, adds and pooling not counted.
//   params  weights + classifier bias + 2 per BN channel.
//   flash   int8 weights + int32 bias per output channel + per-channel requantisation (int32
//           multiplier, int32 shift) + a fixed op record per op, + the board's runtime code.
//   SRAM    int8 activations (bytes) + kernel scratch under the schedule, + the board's runtime SRAM
//           in the fit check.

#include <cstdint>
#include <string>
#include <vector>

#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/schedule.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct LayerCost {
  int op = 0;
  std::string name; // "blocks.3.depthwise"
  OpType type = OpType::kConv;
  TensorShape input;
  TensorShape output;
  int kernel = 1;
  int stride = 1;
  std::int64_t macs = 0; // including patch recomputation under the patch schedule
  std::int64_t params = 0;
  std::int64_t flash_bytes = 0;   // this op's weights, biases, requant params and op record
  std::int64_t sram_bytes = 0;    // SRAM in use while this op runs, under the schedule
  std::int64_t scratch_bytes = 0; // of which kernel scratch
  double latency_ms = 0;          // estimate from the board's coefficients
  bool in_patch_stage = false;
};

struct CostReport {
  std::string schedule;
  std::string board;
  std::int64_t macs = 0;
  std::int64_t params = 0;
  std::int64_t model_flash_bytes = 0; // the model's weights and tables
  std::int64_t flash_bytes = 0;       // model + board runtime code
  std::int64_t peak_sram_bytes = 0;   // activations + scratch at the worst op
  std::int64_t total_sram_bytes = 0;  // peak + board runtime SRAM
  int peak_op = 0;
  bool fits_sram = false;
  bool fits_flash = false;
  bool fits = false;
  double latency_ms = 0;
  std::string latency_source;
  // Patch schedule only: grid, split block, and the MACs spent on halo recomputation.
  int patches = 0;
  int patch_split_block = -1;
  std::int64_t patch_extra_macs = 0;
  std::vector<LayerCost> layers;

  // {"macs":..,"params":..,"flash_bytes":..,"peak_sram_bytes":..,"schedule":..,"board":..,
  //  "fits":..,"latency":{..},"layers":[..]}
  std::string to_json(int indent = 2) const;
};

struct CostOptions {
  Schedule schedule = Schedule::kInplaceDw;
  PatchOptions patch;
  bool per_layer = true; // false skips names and per-layer rows (the search's hot path)
};

CostReport analyze(const Graph& graph, const Board& board, const CostOptions& options = {});

// The figures the search needs, without per-layer rows. Same numbers as analyze().
struct CostSummary {
  std::int64_t macs = 0;
  std::int64_t params = 0;
  std::int64_t flash_bytes = 0;     // including the runtime
  std::int64_t peak_sram_bytes = 0; // activations + scratch
  std::int64_t total_sram_bytes = 0;
  double latency_ms = 0;
};
CostSummary summarize(const Graph& graph, const Board& board, const CostOptions& options = {});

} // namespace tinynas
