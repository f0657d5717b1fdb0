#pragma once
// The exact int8 cost model of a network on a board: MACs, parameters, flash bytes, peak SRAM
// under a named schedule, and latency, with a per-layer breakdown, checked against budgets.
// Latency comes from the board's calibrated latency table when the caller passes one
// (board_latency_table()), else from the board's per-MAC coefficients, labelled as an estimate.
// Conventions (MCUNet's, checked against its published figures in tests):
//   MACs    convolutions and the classifier; BN folded, adds and pooling not counted.
//   params  weights + classifier bias + 2 per BN channel.
//   flash   int8 weights + int32 bias per output channel + per-channel requantisation (int32
//           multiplier, int32 shift) + a fixed op record per op, + the board's runtime code.
//   SRAM    int8 activations (bytes) + kernel scratch under the schedule, + the board's runtime SRAM
//           in the fit check.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/latency_table.hpp"
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
  double latency_ms = 0;          // the report's latency_source, per op
  bool in_patch_stage = false;
};

struct CostReport {
  std::string schedule;       // the schedule the figures are for ("patch" or "inplace-dw" when auto chose it)
  bool schedule_auto = false; // chosen by the auto schedule
  std::string board;
  std::int64_t macs = 0;
  std::int64_t params = 0;
  std::int64_t model_flash_bytes = 0; // the model's weights and tables
  std::int64_t flash_bytes = 0;       // model + board runtime code
  std::int64_t peak_sram_bytes = 0;   // activations + scratch at the worst op
  std::int64_t total_sram_bytes = 0;  // peak + board runtime SRAM
  int peak_op = 0;
  // The budgets the fit was checked against (CostOptions::budgets; the board's memory by default).
  std::uint64_t sram_budget_bytes = 0;
  std::uint64_t flash_budget_bytes = 0;
  std::optional<double> latency_budget_ms;
  bool fits_sram = false;
  bool fits_flash = false;
  bool fits_latency = true; // true without a latency budget
  bool fits = false;
  double latency_ms = 0;
  std::string latency_source; // "calibrated table ..." or the board's "estimate: ..."
  bool latency_calibrated = false;
  // Patch schedule only: grid, split block, and the MACs spent on halo recomputation.
  int patches = 0;
  int patch_split_block = -1;
  std::int64_t patch_extra_macs = 0;
  std::vector<LayerCost> layers;

  // {"macs":..,"params":..,"flash_bytes":..,"peak_sram_bytes":..,"schedule":..,"board":..,
  //  "budgets":{..},"fits":..,"latency":{..},"layers":[..]}
  std::string to_json(int indent = 2) const;
};

// What "fits" means everywhere (analyze, search, profile): total SRAM (runtime included), flash (runtime code
// included) and, when set, latency in ms within these budgets.
struct Budgets {
  std::uint64_t sram_bytes = 0;
  std::uint64_t flash_bytes = 0;
  std::optional<double> latency_ms;
};
// The board's memory, no latency budget: the default budgets.
Budgets board_budgets(const Board& board);

struct Fit {
  bool sram = false;
  bool flash = false;
  bool latency = true;
  bool all() const { return sram && flash && latency; }
};
Fit check_budgets(std::int64_t total_sram_bytes, std::int64_t flash_bytes, double latency_ms, const Budgets& budgets);

struct CostOptions {
  Schedule schedule = Schedule::kInplaceDw;
  PatchOptions patch;
  bool per_layer = true;          // false skips names and per-layer rows (the search's hot path)
  std::optional<Budgets> budgets; // none: board_budgets(board)
  // The board's calibrated latency table (board_latency_table()); none: the board's per-MAC estimate.
  std::shared_ptr<const LatencyTable> latency_table;
};

// The board's calibrated latency table (Board::latency_table) when one exists, loaded once for many analyses;
// nullptr without one. Throws Error(kInvalidFile) naming the file for a damaged table.
std::shared_ptr<const LatencyTable> board_latency_table(const Board& board);

CostReport analyze(const Graph& graph, const Board& board, const CostOptions& options = {});

// The cost options a front end's schedule settings name (CLI flags, Python keywords): a schedule name, and for the
// patch schedule only a grid of 1..limits::kMaxPatches and a block index (0 or more). Error(kInvalidArgument)
// naming the option (invalid_option: schedule, patches, split_block) otherwise.
CostOptions schedule_options(std::string_view schedule, std::optional<int> patches = std::nullopt,
                             std::optional<int> split_block = std::nullopt);

// The patch schedule's grid and split block for this graph: `patch` as given when it names a block (refused with
// Error(kInvalidArgument) if the graph has no such block), else the automatic split the cost model takes
// (PatchOptions::split_block); patches = 0 when no block boundary can be split (the net runs in place). No board:
// the split depends on the graph alone.
PatchOptions resolve_patch_split(const Graph& graph, const PatchOptions& patch);

// What Schedule::kAuto resolves to for this graph, board and budgets: `options` with a concrete schedule (and patch
// grid and split). Other schedules are returned as they are.
CostOptions resolve_schedule(const Graph& graph, const Board& board, const CostOptions& options);

// The patch plan a model runs under `options`: auto resolved (resolve_schedule), then the split
// (resolve_patch_split). patches = 0 when it runs in place (an inplace-dw schedule, auto choosing it, or a net with
// no block to split).
PatchOptions resolve_patch_plan(const Graph& graph, const Board& board, const CostOptions& options);

// The figures the search needs, without per-layer rows. Same numbers as analyze().
struct CostSummary {
  std::int64_t macs = 0;
  std::int64_t params = 0;
  std::int64_t flash_bytes = 0;     // including the runtime
  std::int64_t peak_sram_bytes = 0; // activations + scratch
  std::int64_t total_sram_bytes = 0;
  double latency_ms = 0;
  // The patch grid and split block when the figures are a patch schedule's (patch, or auto choosing it); 0, -1
  // otherwise.
  int patches = 0;
  int patch_split_block = -1;
};
CostSummary summarize(const Graph& graph, const Board& board, const CostOptions& options = {});

// How the report's schedule runs each op (its layers: per_layer), for LatencyTable::predict.
std::vector<OpRun> op_runs(const CostReport& report);

} // namespace tinynas
