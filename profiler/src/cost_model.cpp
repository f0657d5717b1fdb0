#include "tinynas/profiler/cost_model.hpp"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "tinynas/profiler/arena_plan.hpp"
#include "tinynas/profiler/patch_plan.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/limits.hpp"

namespace tinynas {

namespace {

// Flash layout of an int8 deployment (see docs/COST_MODEL.md): a fixed record per op in the model
// blob (type, tensor ids, shape, arena offsets) and an int32 multiplier + int32 shift per
// requantised output channel; FC, add and pool requantise per tensor.
constexpr std::int64_t kOpRecordBytes = 32;
constexpr std::int64_t kRequantBytes = 8;
constexpr std::int64_t kBiasBytes = 4;

std::int64_t op_flash_bytes(const Op& op, const std::vector<TensorShape>& tensors) {
  const std::int64_t channels = op.out_channels(tensors);
  switch (op.type) {
  case OpType::kConv:
  case OpType::kDepthwiseConv:
  case OpType::kPointwiseConv: // BN folds into an int32 bias for every output channel
    return op.weights(tensors) + channels * (kBiasBytes + kRequantBytes) + kOpRecordBytes;
  case OpType::kFullyConnected: return op.weights(tensors) + channels * kBiasBytes + kRequantBytes + kOpRecordBytes;
  case OpType::kAdd: return 3 * kRequantBytes + kOpRecordBytes; // two input rescales + output
  case OpType::kAvgPool: return kRequantBytes + kOpRecordBytes;
  }
  return 0;
}

double op_cycles(const Op& op, std::int64_t macs, const std::vector<TensorShape>& tensors,
                 const LatencyCoefficients& c) {
  const auto m = static_cast<double>(macs);
  double cycles = c.per_layer;
  switch (op.type) {
  case OpType::kConv: cycles += m * c.conv; break;
  case OpType::kDepthwiseConv: cycles += m * c.depthwise; break;
  case OpType::kPointwiseConv: cycles += m * c.pointwise; break;
  case OpType::kFullyConnected: cycles += m * c.fc; break;
  case OpType::kAdd:
    cycles += static_cast<double>(tensors[static_cast<std::size_t>(op.output)].elements()) * c.add_per_element;
    break;
  case OpType::kAvgPool:
    cycles += static_cast<double>(tensors[static_cast<std::size_t>(op.input)].elements()) * c.pool_per_element;
    break;
  }
  return cycles;
}

// MCUNet's analytic rule: input + output of every layer; during the depthwise conv of a residual
// block the block input is alive too.
std::vector<std::int64_t> analytic_sram(const Graph& g) {
  std::vector<std::int64_t> sram(g.ops.size(), 0);
  // Input tensor of each residual block (what its add reads as input2).
  std::vector<int> residual_input_of_block;
  for (const Op& op : g.ops)
    if (op.type == OpType::kAdd) {
      if (static_cast<int>(residual_input_of_block.size()) <= op.block)
        residual_input_of_block.resize(static_cast<std::size_t>(op.block) + 1, -1);
      residual_input_of_block[static_cast<std::size_t>(op.block)] = op.input2;
    }
  for (std::size_t o = 0; o < g.ops.size(); ++o) {
    const Op& op = g.ops[o];
    std::int64_t bytes = g.tensors[static_cast<std::size_t>(op.input)].elements() +
                         g.tensors[static_cast<std::size_t>(op.output)].elements();
    if (op.input2 >= 0) bytes += g.tensors[static_cast<std::size_t>(op.input2)].elements();
    if (op.type == OpType::kDepthwiseConv && op.block >= 0 &&
        op.block < static_cast<int>(residual_input_of_block.size()) &&
        residual_input_of_block[static_cast<std::size_t>(op.block)] >= 0)
      bytes +=
          g.tensors[static_cast<std::size_t>(residual_input_of_block[static_cast<std::size_t>(op.block)])].elements();
    sram[o] = bytes;
  }
  return sram;
}

// What a schedule says about memory: SRAM in use and scratch per op, MACs per op (patch
// recomputation included), and the patch split if any.
struct MemoryFigures {
  std::vector<std::int64_t> sram;
  std::vector<std::int64_t> scratch;
  std::vector<std::int64_t> macs;
  std::vector<bool> in_patch;
  std::int64_t peak = 0;
  int peak_op = 0;
  int split_op = -1;
  std::int64_t extra_macs = 0;
};

void take_peak(MemoryFigures& f) {
  f.peak = 0;
  for (std::size_t o = 0; o < f.sram.size(); ++o)
    if (f.sram[o] > f.peak) {
      f.peak = f.sram[o];
      f.peak_op = static_cast<int>(o);
    }
}

MemoryFigures arena_figures(const Graph& g, bool inplace, bool per_op) {
  MemoryFigures f;
  ArenaRules rules{inplace, per_op};
  ArenaResult r = plan_arena(g, g.tensors, 0, static_cast<int>(g.ops.size()) - 1, rules);
  f.sram = std::move(r.high_water);
  f.scratch = std::move(r.scratch_bytes);
  take_peak(f);
  // The arena must be as large as the plan, even where fragmentation leaves no op at the top.
  f.peak = r.peak;
  return f;
}

MemoryFigures patch_figures_at(const Graph& g, int split_op, int patches, bool per_op) {
  const PatchTiling tiling = compute_patch_tiling(g, split_op, patches);
  ArenaResult r = plan_patch_arena(g, tiling, per_op);
  MemoryFigures f;
  f.split_op = split_op;
  f.extra_macs = tiling.extra_macs;
  f.sram = std::move(r.high_water);
  f.scratch = std::move(r.scratch_bytes);
  f.in_patch.assign(g.ops.size(), false);
  std::fill(f.in_patch.begin(), f.in_patch.begin() + split_op + 1, true);
  f.macs.resize(g.ops.size());
  for (std::size_t o = 0; o < g.ops.size(); ++o)
    f.macs[o] = static_cast<int>(o) <= split_op ? tiling.patch_macs[o] : g.ops[o].macs(g.tensors);
  take_peak(f);
  f.peak = r.peak; // the arena the firmware allocates, as arena_figures
  return f;
}

MemoryFigures patch_figures(const Graph& g, const PatchOptions& options, bool per_op) {
  if (options.patches < 1) throw Error(ErrorCode::kInvalidArgument, "patch grid must be at least 1x1");
  if (options.split_block >= 0)
    return patch_figures_at(g, split_op_of_block(g, options.split_block), options.patches, per_op);
  const std::vector<int> splits = block_boundary_ops(g);
  // Automatic split (MCUNetV2): the block boundary with the lowest peak SRAM among those whose halo
  // recomputation stays within max_extra_macs of the network's MACs; ties go to less
  // recomputation. Only splits whose tensor has at least one pixel per patch.
  const std::int64_t base_macs = g.macs();
  const auto extra_cap = static_cast<std::int64_t>(options.max_extra_macs * static_cast<double>(base_macs));
  MemoryFigures best;
  bool have = false;
  for (int op : splits) {
    if (g.tensors[static_cast<std::size_t>(g.ops[static_cast<std::size_t>(op)].output)].h < options.patches) break;
    MemoryFigures f = patch_figures_at(g, op, options.patches, per_op);
    if (f.extra_macs > extra_cap) continue;
    if (!have || f.peak < best.peak || (f.peak == best.peak && f.extra_macs < best.extra_macs)) {
      best = std::move(f);
      have = true;
    }
  }
  if (!have) return arena_figures(g, true, per_op); // too small to split: plain inplace-dw
  return best;
}

MemoryFigures memory_figures(const Graph& g, const CostOptions& options) {
  MemoryFigures f;
  switch (options.schedule) {
  case Schedule::kMcunetAnalytic:
    f.sram = analytic_sram(g);
    f.scratch.assign(g.ops.size(), 0);
    take_peak(f);
    break;
  case Schedule::kLayerwise: f = arena_figures(g, false, options.per_layer); break;
  case Schedule::kInplaceDw: f = arena_figures(g, true, options.per_layer); break;
  case Schedule::kPatch: f = patch_figures(g, options.patch, options.per_layer); break;
  case Schedule::kAuto: throw Error(ErrorCode::kInternal, "the auto schedule must be resolved before planning");
  }
  if (f.macs.empty()) {
    f.macs.resize(g.ops.size());
    for (std::size_t o = 0; o < g.ops.size(); ++o) f.macs[o] = g.ops[o].macs(g.tensors);
  }
  if (f.in_patch.empty()) f.in_patch.assign(g.ops.size(), false);
  return f;
}

} // namespace

Budgets board_budgets(const Board& board) { return {board.sram_bytes, board.flash_bytes, std::nullopt}; }

Fit check_budgets(std::int64_t total_sram_bytes, std::int64_t flash_bytes, double latency_ms, const Budgets& budgets) {
  // Budgets are unsigned and costs signed: compare in the unsigned domain (costs are never negative).
  Fit fit;
  fit.sram = static_cast<std::uint64_t>(total_sram_bytes) <= budgets.sram_bytes;
  fit.flash = static_cast<std::uint64_t>(flash_bytes) <= budgets.flash_bytes;
  fit.latency = !budgets.latency_ms || latency_ms <= *budgets.latency_ms;
  return fit;
}

std::shared_ptr<const LatencyTable> board_latency_table(const Board& board) {
  std::optional<LatencyTable> table = LatencyTable::load_for_board(board);
  if (!table) return nullptr;
  return std::make_shared<const LatencyTable>(std::move(*table));
}

PatchOptions resolve_patch_split(const Graph& graph, const PatchOptions& patch) {
  if (patch.split_block >= 0) {
    split_op_of_block(graph, patch.split_block); // refused here if it is not a block of the graph
    return patch;
  }
  const MemoryFigures f = patch_figures(graph, patch, false);
  PatchOptions chosen = patch;
  if (f.split_op < 0) chosen.patches = 0; // too small to split: runs in place
  else chosen.split_block = graph.ops[static_cast<std::size_t>(f.split_op)].block;
  return chosen;
}

CostOptions schedule_options(std::string_view schedule, std::optional<int> patches, std::optional<int> split_block) {
  CostOptions cost;
  try {
    cost.schedule = parse_schedule(schedule);
  } catch (const Error& e) {
    throw invalid_option("schedule", e.message());
  }
  if ((patches || split_block) && cost.schedule != Schedule::kPatch)
    throw invalid_option(patches ? "patches" : "split_block",
                         "`patches` and `split_block` apply only to `schedule` patch");
  if (patches) {
    if (*patches < 1 || *patches > limits::kMaxPatches)
      throw invalid_option("patches", "must be 1 to " + std::to_string(limits::kMaxPatches) +
                                          " (an n x n grid), found " + std::to_string(*patches));
    cost.patch.patches = *patches;
  }
  if (split_block) {
    if (*split_block < 0) throw invalid_option("split_block", "must be a block index (0 or more)");
    cost.patch.split_block = *split_block;
  }
  return cost;
}

CostOptions resolve_schedule(const Graph& graph, const Board& board, const CostOptions& options) {
  if (options.schedule != Schedule::kAuto) return options;
  const auto fits_sram = [&](std::int64_t peak) {
    const Budgets budgets = options.budgets.value_or(board_budgets(board));
    return static_cast<std::uint64_t>(peak) + board.runtime_sram_bytes <= budgets.sram_bytes;
  };
  CostOptions chosen = options;
  chosen.schedule = Schedule::kInplaceDw;
  // Flash does not depend on the schedule and latency only grows with recomputation: inplace-dw is the fastest.
  if (graph.ops.empty() || fits_sram(arena_figures(graph, true, false).peak)) return chosen;
  // Per split, the smallest grid that fits (larger grids only recompute more); over splits, the fewest extra MACs
  // (the least latency added), then the lower peak. Recomputation beyond the patch schedule's cap is not taken:
  // a net that fits only at that price is reported as not fitting.
  const std::int64_t base_macs = graph.macs();
  const auto extra_cap = static_cast<std::int64_t>(options.patch.max_extra_macs * static_cast<double>(base_macs));
  // The figures patch_figures_at() gives, with two cheaper refusals first: a split whose layers after it do not fit
  // on their own is skipped (planned once per split), and a grid over the MACs cap is rejected before it is planned.
  const ArenaRules rules{true, false};
  const int last = static_cast<int>(graph.ops.size()) - 1;
  struct Plan {
    std::int64_t extra_macs = 0, peak = 0;
    int patches = 0, split_op = -1;
  };
  std::optional<Plan> best;
  for (const int op : block_boundary_ops(graph)) {
    const int split_tensor = graph.ops[static_cast<std::size_t>(op)].output;
    const std::int64_t tail = plan_arena(graph, graph.tensors, op + 1, last, rules).peak;
    if (!fits_sram(tail)) continue;
    for (int n = 2; n <= std::min(kAutoMaxPatches, graph.tensors[static_cast<std::size_t>(split_tensor)].h); ++n) {
      const PatchTiling tiling = compute_patch_tiling(graph, op, n);
      if (tiling.extra_macs > extra_cap) break;
      const std::int64_t peak = plan_patch_arena(graph, tiling, false).peak;
      if (!fits_sram(peak)) continue;
      if (!best || tiling.extra_macs < best->extra_macs || (tiling.extra_macs == best->extra_macs && peak < best->peak))
        best = Plan{tiling.extra_macs, peak, n, op};
      break;
    }
  }
  if (!best) return chosen; // nothing fits: reported as inplace-dw, not fitting
  chosen.schedule = Schedule::kPatch;
  chosen.patch.patches = best->patches;
  chosen.patch.split_block = graph.ops[static_cast<std::size_t>(best->split_op)].block;
  return chosen;
}

PatchOptions resolve_patch_plan(const Graph& graph, const Board& board, const CostOptions& options) {
  const CostOptions chosen = resolve_schedule(graph, board, options);
  if (chosen.schedule != Schedule::kPatch) return PatchOptions{0, -1};
  return resolve_patch_split(graph, chosen.patch);
}

CostReport analyze(const Graph& graph, const Board& board, const CostOptions& requested) {
  if (graph.ops.empty()) throw Error(ErrorCode::kInternal, "cannot analyze an empty graph");
  const CostOptions options = resolve_schedule(graph, board, requested);
  MemoryFigures mem = memory_figures(graph, options);
  CostReport r;
  r.schedule = schedule_name(options.schedule);
  r.schedule_auto = requested.schedule == Schedule::kAuto;
  r.board = board.name;
  r.latency_source = board.latency.source;
  std::optional<LatencyTable::Prediction> table_prediction;
  if (options.latency_table) {
    std::vector<OpRun> runs; // the patch schedule's halo and grid included
    const int grid = options.schedule == Schedule::kPatch ? options.patch.patches : 1;
    for (std::size_t o = 0; o < graph.ops.size(); ++o) runs.push_back({mem.macs[o], mem.in_patch[o] ? grid : 1});
    table_prediction = options.latency_table->predict(graph, runs);
    r.latency_source = options.latency_table->describe(board.latency_table);
    r.latency_calibrated = true;
  }
  double cycles = 0;
  for (std::size_t o = 0; o < graph.ops.size(); ++o) {
    const Op& op = graph.ops[o];
    const std::int64_t params = op.params(graph.tensors);
    const std::int64_t flash = op_flash_bytes(op, graph.tensors);
    const double op_cycle_count = op_cycles(op, mem.macs[o], graph.tensors, board.latency);
    r.macs += mem.macs[o];
    r.params += params;
    r.model_flash_bytes += flash;
    cycles += op_cycle_count;
    if (!options.per_layer) continue;
    LayerCost l;
    l.op = static_cast<int>(o);
    l.name = graph.op_name(static_cast<int>(o));
    l.type = op.type;
    l.input = graph.tensors[static_cast<std::size_t>(op.input)];
    l.output = graph.tensors[static_cast<std::size_t>(op.output)];
    l.kernel = op.kernel;
    l.stride = op.stride;
    l.macs = mem.macs[o];
    l.params = params;
    l.flash_bytes = flash;
    l.sram_bytes = mem.sram[o];
    l.scratch_bytes = mem.scratch[o];
    l.latency_ms = table_prediction ? options.latency_table->budget_ms(table_prediction->op_ticks[o])
                                    : op_cycle_count / board.clock_hz * 1e3;
    l.in_patch_stage = mem.in_patch[o];
    r.layers.push_back(std::move(l));
  }
  r.flash_bytes = r.model_flash_bytes + static_cast<std::int64_t>(board.runtime_flash_bytes);
  r.peak_sram_bytes = mem.peak;
  r.peak_op = mem.peak_op;
  r.total_sram_bytes = mem.peak + static_cast<std::int64_t>(board.runtime_sram_bytes);
  r.latency_ms =
      table_prediction ? options.latency_table->budget_ms(table_prediction->ticks) : cycles / board.clock_hz * 1e3;
  const Budgets budgets = options.budgets.value_or(board_budgets(board));
  r.sram_budget_bytes = budgets.sram_bytes;
  r.flash_budget_bytes = budgets.flash_bytes;
  r.latency_budget_ms = budgets.latency_ms;
  const Fit fit = check_budgets(r.total_sram_bytes, r.flash_bytes, r.latency_ms, budgets);
  r.fits_sram = fit.sram;
  r.fits_flash = fit.flash;
  r.fits_latency = fit.latency;
  r.fits = fit.all();
  if (options.schedule == Schedule::kPatch && mem.split_op >= 0) {
    r.patches = options.patch.patches;
    r.patch_split_block = graph.ops[static_cast<std::size_t>(mem.split_op)].block;
    r.patch_extra_macs = mem.extra_macs;
  }
  return r;
}

CostSummary summarize(const Graph& graph, const Board& board, const CostOptions& options) {
  CostOptions fast = options;
  fast.per_layer = false;
  CostReport r = analyze(graph, board, fast);
  return {r.macs,       r.params,  r.flash_bytes,      r.peak_sram_bytes, r.total_sram_bytes,
          r.latency_ms, r.patches, r.patch_split_block};
}

std::string CostReport::to_json(int indent) const {
  using nlohmann::json;
  json j;
  j["macs"] = macs;
  j["params"] = params;
  j["flash_bytes"] = flash_bytes;
  j["model_flash_bytes"] = model_flash_bytes;
  j["peak_sram_bytes"] = peak_sram_bytes;
  j["total_sram_bytes"] = total_sram_bytes;
  j["peak_layer"] = layers.empty() ? json(peak_op) : json(layers[static_cast<std::size_t>(peak_op)].name);
  j["schedule"] = schedule;
  if (schedule_auto) j["schedule_auto"] = true;
  j["board"] = board;
  j["budgets"] = {{"sram_bytes", sram_budget_bytes},
                  {"flash_bytes", flash_budget_bytes},
                  {"latency_ms", latency_budget_ms ? json(*latency_budget_ms) : json(nullptr)}};
  j["fits"] = fits;
  j["fits_sram"] = fits_sram;
  j["fits_flash"] = fits_flash;
  j["fits_latency"] = fits_latency;
  j["latency"] = {
      {"value", latency_ms}, {"unit", "ms"}, {"source", latency_source}, {"calibrated", latency_calibrated}};
  if (patches > 0)
    j["patch"] = {{"patches", patches}, {"split_block", patch_split_block}, {"extra_macs", patch_extra_macs}};
  j["layers"] = json::array();
  for (const auto& l : layers) {
    j["layers"].push_back({{"name", l.name},
                           {"type", op_type_name(l.type)},
                           {"input_shape", {l.input.h, l.input.w, l.input.c}},
                           {"output_shape", {l.output.h, l.output.w, l.output.c}},
                           {"kernel", l.kernel},
                           {"stride", l.stride},
                           {"macs", l.macs},
                           {"params", l.params},
                           {"flash_bytes", l.flash_bytes},
                           {"sram_bytes", l.sram_bytes},
                           {"scratch_bytes", l.scratch_bytes},
                           {"latency_ms", l.latency_ms},
                           {"in_patch_stage", l.in_patch_stage}});
  }
  return j.dump(indent);
}

std::vector<OpRun> op_runs(const CostReport& report) {
  std::vector<OpRun> runs;
  for (const LayerCost& l : report.layers) runs.push_back({l.macs, l.in_patch_stage ? report.patches : 1});
  return runs;
}

} // namespace tinynas
